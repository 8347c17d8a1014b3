"""Thin transports. Each adapter moves JSON between a socket and a ``BotLink``.

Adapters import ``link``/``onebot`` and never touch the world directly. The
six ways a bot connects, by NapCat config key:

=================  ================================  =====================
``httpServers``    HTTP API (+ WebSocket on the port) ``http_server.py``
``httpSseServers`` HTTP API + ``GET /_events``         ``http_streams.py``
``httpClients``    HTTP POST webhook                  ``http_client.py``
``websocketServers`` forward WebSocket                ``ws_server.py``
``websocketClients`` reverse WebSocket                ``ws_client.py``
``plugins``        in-process JS in NapCat: not served by qqsim
=================  ================================  =====================
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

import trio
from pydantic import BaseModel

from ..config import (
    HttpClientConfig,
    HttpServerConfig,
    HttpSseServerConfig,
    WebsocketClientConfig,
    WebsocketServerConfig,
)
from ..endpoint import Endpoint
from ..errors import ConfigError

if TYPE_CHECKING:
    from .host import TransportHost


# Which module serves each kind of adapter config, by name, so that a module is imported
# only when such an adapter is configured: the outgoing ones bring httpx, which a default
# ``qqsim run`` never uses (start-up memory). An SSE server is an HTTP server with a stream:
# ``serve_http_server`` serves both.
SERVED_BY: dict[type[BaseModel], tuple[str, str]] = {
    WebsocketServerConfig: ("ws_server", "serve_ws_server"),
    WebsocketClientConfig: ("ws_client", "serve_ws_client"),
    HttpClientConfig: ("http_client", "serve_http_client"),
    HttpServerConfig: ("http_server", "serve_http_server"),
    HttpSseServerConfig: ("http_server", "serve_http_server"),
}


def server_for(config: BaseModel) -> Callable[..., Awaitable[None]]:
    """The ``serve_*`` function registered for ``config``'s type."""
    try:
        module_name, function_name = SERVED_BY[type(config)]
    except KeyError:
        raise ConfigError(f"adapter kind {type(config).__name__} is not served by qqsim") from None
    module = importlib.import_module(f"{__name__}.{module_name}")
    serve: Callable[..., Awaitable[None]] = getattr(module, function_name)
    return serve


async def start_adapter(
    nursery: trio.Nursery, sim: TransportHost, bot_id: int, config: BaseModel
) -> Endpoint:
    """Start the adapter ``config`` describes for ``bot_id``; return where it listens."""
    serve = server_for(config)
    try:
        endpoint: Endpoint = await nursery.start(serve, sim, bot_id, config)
    except (OSError, ExceptionGroup) as exc:
        failed = bind_error(exc)
        if failed is None or not isinstance(config, WebsocketServerConfig | HttpServerConfig):
            raise
        raise cannot_listen(config, bot_id, failed) from None
    return endpoint


def cannot_listen(config: WebsocketServerConfig | HttpServerConfig, bot_id: int,
                  failed: OSError) -> ConfigError:
    """The one-line error of a listener that could not bind (the port is taken, the address
    is not this machine's): a mistake in the flags or the config, naming the listener."""
    return ConfigError(f"{config.name} (bot {bot_id}) cannot listen on "
                       f"{config.host}:{config.port}: {failed.strerror or failed}")


def start_listener_soon(
    nursery: trio.Nursery, sim: TransportHost, bot_id: int,
    config: WebsocketServerConfig | HttpServerConfig,
) -> tuple[Endpoint, socket.socket]:
    """Bind the listener ``config`` describes now, synchronously, and serve it from a task
    of ``nursery`` started soon; return where it listens and the bound socket.

    For code that must know a listener's address without awaiting (a trio test reading
    ``qq.ws_url``): a client that connects before the serving task runs waits in the
    listen backlog. The caller closes the socket once ``nursery`` is done (closing it
    twice is harmless), in case the task was cancelled before it took the socket over.
    """
    serve = server_for(config)
    try:
        sock = bind_listener(config.host, config.port)
    except OSError as exc:
        raise cannot_listen(config, bot_id, exc) from None
    try:
        nursery.start_soon(partial(serve, sim, bot_id, config, sock=sock))
    except BaseException:
        sock.close()
        raise
    return listener_endpoint(bot_id, config, int(sock.getsockname()[1])), sock


def listener_endpoint(bot_id: int, config: WebsocketServerConfig | HttpServerConfig,
                      port: int) -> Endpoint:
    """Where the listener ``config`` describes serves, once bound to ``port``."""
    if isinstance(config, WebsocketServerConfig):
        return Endpoint(bot_id, "ws", config.name, f"ws://{config.host}:{port}")
    kind = "sse" if isinstance(config, HttpSseServerConfig) else "http"
    return Endpoint(bot_id, kind, config.name, f"http://{config.host}:{port}")


#: The listen backlog of a listener bound here (hypercorn's default).
BACKLOG = 100


def bind_listener(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A listening, non-blocking TCP socket on ``host:port`` (an IP address; port 0: an
    ephemeral one), made as hypercorn's ``Config.create_sockets`` makes it."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.setblocking(False)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def bind_error(exc: BaseException) -> OSError | None:
    """The ``OSError`` a listener failed with, also from inside the nurseries' groups."""
    if isinstance(exc, OSError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        matched = exc.subgroup(OSError)
        while isinstance(matched, BaseExceptionGroup):
            first = matched.exceptions[0]
            if isinstance(first, OSError):
                return first
            matched = first if isinstance(first, BaseExceptionGroup) else None
    return None
