"""The event streams an HTTP server can carry: SSE (``/_events``) and its WebSocket.

SSE (NapCat's ``httpSseServers``): ``GET /_events``, after the same CORS,
body and token checks as any HTTP request, answers ``text/event-stream`` and
writes each event as ``data: <json>\\n\\n``: no ``event:`` name, no ``id:``, no
keep-alive comments, no heartbeat and no lifecycle. Self messages follow the
entry's ``reportSelfMessage``.

WebSocket (``enableWebsocket: true`` on either HTTP server kind): any path on
the HTTP port upgrades; ``/api`` and ``/api/`` are API-only, every other path
is universal (lifecycle, heartbeats every ``EMBEDDED_WS_HEARTBEAT_MS``, events,
API). The token is checked as on the forward WebSocket server, and the
conversation is ``session.run_session`` over a Quart-websocket transport.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from quart import Response, websocket
from quart_trio import QuartTrio

from ..config import HttpServerConfig
from ..faults import FRAME_FAULTS
from ..link import BotLink
from ..onebot.profiles import Transport
from . import guard, wire
from .http_server import admit
from .session import TransportClosed, refuse, run_session
from .ws_server import API_ONLY_PATHS

if TYPE_CHECKING:
    from ..app import Simulator

log = logging.getLogger("qqsim.http")

#: NapCat fixes the heartbeat of an HTTP server's WebSocket at 30 s (no setting).
EMBEDDED_WS_HEARTBEAT_MS = 30000

SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive"}


def add_sse_route(app: QuartTrio, sim: Simulator, bot_id: int, config: HttpServerConfig
                  ) -> None:
    """Serve ``GET /_events`` on ``app``: the bot's events as server-sent events."""
    settings = wire.connection_settings(config, Transport.HTTP)
    gate = sim.link(bot_id, settings)

    @app.route("/_events", methods=["GET"])
    async def events() -> Response:
        refused, _, _ = await admit(gate, config.token)
        if refused is not None:
            return refused
        link = sim.link(bot_id, settings)
        return Response(_event_stream(link), status=200, content_type="text/event-stream",
                        headers=SSE_HEADERS)


async def _event_stream(link: BotLink) -> AsyncIterator[bytes]:
    log.info("%s SSE client connected", link.tag)
    link.supports(*FRAME_FAULTS)  # applied by link.outgoing below
    with link.sim.bus.subscribe(link.tag) as subscription:
        link.sim.connection_opened(link)
        try:
            async for event in subscription.receive:
                for frame in link.outgoing(event):  # event-level faults apply here
                    yield f"data: {frame.text}\n\n".encode()
        finally:
            link.sim.connection_closed(link)
            log.info("%s SSE client disconnected", link.tag)


class QuartWebSocketTransport:
    """Quart's current websocket as a ``session.FrameTransport``."""

    def __init__(self, socket: Any) -> None:
        # The object itself, not the context-local proxy: session tasks run in their own
        # trio tasks.
        self._socket = socket

    async def send(self, text: str) -> None:
        try:
            await self._socket.send(text)
        except Exception as exc:  # Quart raises various errors once the peer is gone
            raise TransportClosed from exc

    async def receive(self) -> str:
        message = await self._socket.receive()
        return message if isinstance(message, str) else message.decode("utf-8", "replace")

    async def close(self) -> None:
        await self._socket.close(1000)


def add_websocket_route(app: QuartTrio, sim: Simulator, bot_id: int, config: HttpServerConfig
                        ) -> None:
    """Accept WebSocket upgrades on every path of ``app`` (NapCat's ``enableWebsocket``)."""
    settings = wire.connection_settings(config, Transport.WS_SERVER)

    @app.websocket("/<anypath:_path>")
    async def socket(_path: str) -> Response | None:
        return await _serve_socket(sim.link(bot_id, settings), config)


async def _serve_socket(link: BotLink, config: HttpServerConfig) -> Response | None:
    facts = link.sim.profile.wire
    query = wire.parse_query(websocket.query_string.decode("utf-8", "replace"))
    token = query.get("access_token")
    refusal = wire.token_refusal(config.token, token[0] if isinstance(token, list) else token,
                                 websocket.headers.get("Authorization"), facts)
    if refusal is not None and facts.ws_rejects_bad_token_at_handshake:
        return Response(facts.http_token_failure_body, status=refusal)
    await websocket.accept()
    transport = QuartWebSocketTransport(websocket._get_current_object())  # type: ignore[attr-defined]
    if refusal is not None:
        await refuse(transport, link)
        return None
    guard.trust(websocket.scope.get("client"), websocket.scope.get("server"))
    path = websocket.scope.get("raw_path", websocket.path.encode()).decode("latin-1")
    path = path.partition("?")[0]
    events = path not in API_ONLY_PATHS
    log.info("%s WebSocket connected on %s (%s)", link.tag, path,
             "universal" if events else "api")
    try:
        await run_session(link, transport, events=events,
                          api=path not in facts.event_only_paths,
                          heartbeat_ms=EMBEDDED_WS_HEARTBEAT_MS,
                          lifecycle_extras=facts.lifecycle_extras)
    finally:
        log.info("%s WebSocket disconnected", link.tag)
    return None
