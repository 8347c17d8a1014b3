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

from typing import TYPE_CHECKING, Any

import trio

from ..config import (
    HttpClientConfig,
    HttpServerConfig,
    WebsocketClientConfig,
    WebsocketServerConfig,
)
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator


async def start_adapter(
    nursery: trio.Nursery, sim: Simulator, bot_id: int, config: Any
) -> Endpoint:
    """Start the adapter ``config`` describes for ``bot_id``; return where it listens.

    Each adapter module is imported only when one is configured: the outgoing ones
    bring httpx, which a default ``qqsim run`` never uses (start-up memory).
    """
    # An SSE server config is also an HTTP server config: serve_http_server tells them apart.
    serve: Any
    if isinstance(config, WebsocketServerConfig):
        from .ws_server import serve_ws_server as serve
    elif isinstance(config, WebsocketClientConfig):
        from .ws_client import serve_ws_client as serve
    elif isinstance(config, HttpClientConfig):
        from .http_client import serve_http_client as serve
    elif isinstance(config, HttpServerConfig):
        from .http_server import serve_http_server as serve
    else:
        raise ConfigError(f"adapter kind {type(config).__name__} is not served by qqsim")
    try:
        endpoint: Endpoint = await nursery.start(serve, sim, bot_id, config)
    except (OSError, ExceptionGroup) as exc:
        failed = bind_error(exc)
        if failed is None or not isinstance(config, WebsocketServerConfig | HttpServerConfig):
            raise
        # Binding failed (the port is taken, the address is not this machine's): a
        # mistake in the flags or the config, said in one line naming the listener.
        raise ConfigError(f"{config.name} (bot {bot_id}) cannot listen on "
                          f"{config.host}:{config.port}: {failed.strerror or failed}") from None
    return endpoint


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
