"""Forward WebSocket server (NapCat's ``websocketServers``), on trio-websocket.

Paths ``/api`` and ``/api/`` (query ignored) are API-only; every other path is
universal: a lifecycle ``connect`` first, then heartbeats, events and API
answers. A bad token does not fail the handshake: the bot gets one 1403 frame
and the socket closes. Under the ``gocq`` profile (``WireFacts``) the
handshake is rejected with 401/403 instead, ``/event`` carries events only and
the lifecycle frame has ``_post_method: 2``. The conversation itself lives in
``session.py``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import trio
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    wrap_server_stream,
)

from ..config import WebsocketServerConfig
from ..endpoint import Endpoint
from ..link import BotLink
from ..onebot.profiles import Transport
from . import guard, listener_endpoint, wire
from .host import TransportHost
from .session import TransportClosed, refuse, run_session

log = logging.getLogger("qqsim.ws")

API_ONLY_PATHS = ("/api", "/api/")
#: Seconds the closing handshake may take before the socket is simply closed.
CLOSE_SECONDS = 2.0


class WebSocketTransport:
    """A trio-websocket connection as a ``session.FrameTransport``."""

    def __init__(self, connection: WebSocketConnection) -> None:
        self._connection = connection

    async def send(self, text: str) -> None:
        try:
            await self._connection.send_message(text)
        except ConnectionClosed as exc:
            raise TransportClosed from exc

    async def receive(self) -> str:
        try:
            message = await self._connection.get_message()
        except ConnectionClosed as exc:
            raise TransportClosed from exc
        # NapCat reads binary frames as UTF-8 text too.
        return message if isinstance(message, str) else message.decode("utf-8", "replace")

    async def close(self) -> None:
        with trio.move_on_after(CLOSE_SECONDS):  # a peer that never answers the close
            await self._connection.aclose()


def _header(request: WebSocketRequest, name: bytes) -> str | None:
    for key, value in request.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _split_target(target: str) -> tuple[str, str | None]:
    """The raw path and the first ``access_token`` (as ``URLSearchParams.get``) of a target."""
    path, _, query = target.partition("?")
    token = wire.parse_query(query).get("access_token")
    return path, token[0] if isinstance(token, list) else token


async def serve_ws_server(
    sim: TransportHost, bot_id: int, config: WebsocketServerConfig, *,
    sock: socket.socket | None = None,
    task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve forward WebSocket connections for ``bot_id`` until cancelled; on ``sock``
    when given (bound already: ``adapters.start_listener_soon``)."""
    settings = wire.connection_settings(config, Transport.WS_SERVER)
    limits = wire.LIMITS
    if sock is None:
        listeners = await trio.open_tcp_listeners(config.port, host=config.host)
    else:
        listeners = [trio.SocketListener(trio.socket.from_stdlib_socket(sock))]
    port = listeners[0].socket.getsockname()[1]
    gate = guard.Guard(f"{config.name} {config.host}:{port}", limits.connections, log)

    async def handle(stream: trio.SocketStream) -> None:
        # Each connection gets its own link: "one connection's view of the simulator".
        link = sim.link(bot_id, settings)
        async with trio.open_nursery() as nursery:
            request = None
            with trio.move_on_after(limits.handshake_seconds):
                request = await wrap_server_stream(nursery, stream,
                                                   max_message_size=limits.frame_max)
            try:
                if request is not None:
                    await _handle_connection(sim, request, link, config,
                                             lambda: gate.trust_stream(stream))
            finally:
                nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        await nursery.start(gate.serve, listeners, handle)
        endpoint = listener_endpoint(bot_id, config, port)
        log.info("%s listening on %s", config.name, endpoint.url)
        task_status.started(endpoint)


async def _handle_connection(
    host: TransportHost, request: WebSocketRequest, link: BotLink,
    config: WebsocketServerConfig, authorized: Callable[[], None],
) -> None:
    facts = link.profile.wire
    path, query_token = _split_target(request.path)
    refusal = wire.token_refusal(config.token, query_token, _header(request, b"authorization"),
                                 facts)
    try:
        if refusal is not None and facts.ws_rejects_bad_token_at_handshake:
            log.info("%s rejected a handshake: HTTP %d", link.tag, refusal)
            await request.reject(refusal)
            return
        transport = WebSocketTransport(await request.accept())
        if refusal is not None:
            await refuse(transport, link)
            return
        authorized()
        events = path not in API_ONLY_PATHS
        api = path not in facts.event_only_paths
        log.info("%s connected on %s (%s)", link.tag, path, _role(events, api))
        try:
            await run_session(host, link, transport, events=events, api=api,
                              heartbeat_ms=config.heartInterval,
                              lifecycle_extras=facts.lifecycle_extras)
        finally:
            with trio.CancelScope(shield=True):
                await transport.close()
        log.info("%s disconnected", link.tag)
    except ConnectionClosed:
        pass  # the bot left during the handshake
    except Exception:
        # trio-websocket lets a handler's error take the whole server down; keep it to
        # this connection.
        log.exception("%s connection failed", link.tag)


def _role(events: bool, api: bool) -> str:
    if events and api:
        return "universal"
    return "events" if events else "api"
