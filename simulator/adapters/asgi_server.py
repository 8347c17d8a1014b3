"""Serving an ASGI app with hypercorn's trio protocol, behind qqsim's connection guard.

hypercorn's own accept loop (``worker_serve``) has no bound on connections and logs
every failed accept, so its pieces run here behind a ``guard.Guard`` instead. The bot
HTTP listeners serve a plain ASGI app (``http_server.HttpApi``); the control API a
Quart app, imported on its first request (``control.api``).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from . import BACKLOG, bind_listener, guard, wire

if TYPE_CHECKING:
    from hypercorn.config import Config

__all__ = ["serve_asgi"]

def _config(host: str, port: int, logger: logging.Logger, limits: wire.Limits) -> Config:
    from hypercorn.config import Config
    from hypercorn.trio.statsd import StatsdLogger

    # hypercorn's own "Running on ... (CTRL + C to quit)" line would double ours; keep its
    # warnings and errors.
    hypercorn_log = logger.getChild("hypercorn")
    hypercorn_log.setLevel(logging.WARNING)
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.errorlog = hypercorn_log
    config.include_server_header = False
    # NapCat's WebSocket servers take frames up to 50 MB.
    config.websocket_max_message_size = limits.frame_max
    config.graceful_timeout = 1
    # The idle timer runs from the connection (or the last answer) until a request head is
    # whole, so a slow or idle client is dropped after this; the head itself is capped at
    # h11_max_incomplete_size (16 KiB). Bodies have their own deadline (``admit``).
    config.keep_alive_timeout = limits.head_seconds
    config.set_statsd_logger_class(StatsdLogger)
    return config


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, made as hypercorn's ``Config.create_sockets`` makes it."""
    sock = bind_listener(host, port, BACKLOG)
    sock.set_inheritable(True)
    return sock


class _Protocol:
    """hypercorn's HTTP/1.1, HTTP/2 and WebSocket protocol for one listener's connections.

    hypercorn (with h2, hpack and its config machinery) is about 3 MB of start-up memory
    that a listener nobody connects to never needs, so it is imported, and its ``Config``
    built, at the listener's first connection (or for an app's lifespan). The limits are
    those of when the listener started.
    """

    def __init__(self, app: Any, host: str, port: int, logger: logging.Logger) -> None:
        self._app = app
        self._where = (host, port, logger, wire.LIMITS)
        self._parts: tuple[Any, Any, Config, Any] | None = None
        self.state: dict[str, Any] = {}

    def parts(self) -> tuple[Any, Any, Config, Any]:
        """(TCPServer, the wrapped app, the config, the worker context), made once."""
        if self._parts is None:
            from hypercorn.trio.tcp_server import TCPServer
            from hypercorn.trio.worker_context import WorkerContext
            from hypercorn.utils import wrap_app

            config = _config(*self._where)
            asgi = wrap_app(self._app, config.wsgi_max_body_size, "asgi")
            self._parts = (TCPServer, asgi, config, WorkerContext(None))
        return self._parts

    async def connection(self, stream: trio.SocketStream) -> None:
        from hypercorn.typing import ConnectionState

        server, asgi, config, context = self.parts()
        # TCPServer is typed for TLS streams; it reads a plain one as hypercorn does.
        await server(asgi, config, context, ConnectionState(self.state.copy()), stream)

    async def start_lifespan(self, nursery: trio.Nursery) -> None:
        from hypercorn.trio.lifespan import Lifespan

        _, asgi, config, _ = self.parts()
        startup = Lifespan(asgi, config, self.state)
        await nursery.start(startup.handle_lifespan)
        await startup.wait_for_startup()


async def serve_asgi(
    app: Any, host: str, port: int, logger: logging.Logger, *, lifespan: bool = True,
    report: Callable[[int], Any] | None = None, sock: socket.socket | None = None,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` with hypercorn on ``host:port``; report the bound port (port 0 works),
    or what ``report`` makes of it (so a caller needs no nursery of its own to wrap it).

    ``lifespan=False`` skips ASGI's lifespan protocol, for an app that has no use for it
    (a task and a round trip less per listener: the pytest fixture starts one per test,
    and hypercorn is then imported only when a client connects). ``sock``: a listening
    socket bound already (``adapters.bind_listener``), served instead of binding one.
    """
    if sock is None:
        sock = _bind(host, port)
    listener = trio.SocketListener(trio.socket.from_stdlib_socket(sock))
    bound = int(sock.getsockname()[1])
    protocol = _Protocol(app, host, port, logger)
    gate = guard.Guard(f"{host}:{bound}", wire.LIMITS.connections, logger)
    async with trio.open_nursery() as nursery:
        if lifespan:
            await protocol.start_lifespan(nursery)
        await nursery.start(gate.serve, [listener], protocol.connection)
        task_status.started(bound if report is None else report(bound))
