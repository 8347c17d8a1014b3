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
conversation is ``session.run_session`` over an ASGI WebSocket
(``http_exchange.SocketTransport``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

from ..config import HttpServerConfig
from ..faults import FRAME_FAULTS
from ..link import BotLink
from ..onebot.profiles import Transport
from . import guard, wire
from .host import TransportHost, connected
from .http_admit import admit
from .http_exchange import Answer, Exchange, Scope, SocketTransport, answer
from .session import refuse, run_session
from .ws_server import API_ONLY_PATHS

log = logging.getLogger("qqsim.http")

#: NapCat fixes the heartbeat of an HTTP server's WebSocket at 30 s (no setting).
EMBEDDED_WS_HEARTBEAT_MS = 30000

SSE_HEADERS = [("Cache-Control", "no-cache"), ("Connection", "keep-alive"),
               ("Content-Type", "text/event-stream")]


class EventStream:
    """``GET /_events`` of an SSE server: the bot's events as server-sent events."""

    def __init__(self, sim: TransportHost, bot_id: int, config: HttpServerConfig) -> None:
        self._sim = sim
        self._bot_id = bot_id
        self._token = config.token
        self._settings = wire.connection_settings(config, Transport.HTTP)

    async def answer(self, gate: BotLink, exchange: Exchange) -> Answer:
        """``gate`` (the listener's link) admits the request, as for any HTTP call."""
        refused, _, _ = await admit(gate, self._token, exchange)
        if refused is not None:
            return refused
        link = self._sim.link(self._bot_id, self._settings)
        # No Content-Length: hypercorn sends the stream chunked, for as long as it lasts.
        return Answer(200, list(SSE_HEADERS), stream=_event_stream(self._sim, link))


async def _event_stream(host: TransportHost, link: BotLink) -> AsyncGenerator[bytes, None]:
    log.info("%s SSE client connected", link.tag)
    link.supports(*FRAME_FAULTS)  # applied by link.outgoing below
    try:
        with connected(host, link) as subscription:
            async for event in subscription.receive:
                for frame in link.outgoing(event):  # event-level faults apply here
                    yield f"data: {frame.text}\n\n".encode()
    finally:
        log.info("%s SSE client disconnected", link.tag)


class SocketRoute:
    """WebSocket upgrades on every path of an HTTP server (NapCat's ``enableWebsocket``)."""

    def __init__(self, sim: TransportHost, bot_id: int, config: HttpServerConfig) -> None:
        self._sim = sim
        self._bot_id = bot_id
        self._config = config
        self._settings = wire.connection_settings(config, Transport.WS_SERVER)

    async def serve(self, scope: Scope, transport: SocketTransport) -> Answer | None:
        link = self._sim.link(self._bot_id, self._settings)
        facts = link.profile.wire
        query = wire.parse_query(scope.get("query_string", b"").decode("utf-8", "replace"))
        token = query.get("access_token")
        refusal = wire.token_refusal(self._config.token,
                                     token[0] if isinstance(token, list) else token,
                                     _header(scope, b"authorization"), facts)
        if refusal is not None and facts.ws_rejects_bad_token_at_handshake:
            return answer(refusal, facts.http_token_failure_body)
        await transport.accept()
        if refusal is not None:
            await refuse(transport, link)
            return None
        guard.trust(scope.get("client"), scope.get("server"))
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1").partition("?")[0]
        events = path not in API_ONLY_PATHS
        log.info("%s WebSocket connected on %s (%s)", link.tag, path,
                 "universal" if events else "api")
        try:
            await run_session(self._sim, link, transport, events=events,
                              api=path not in facts.event_only_paths,
                              heartbeat_ms=EMBEDDED_WS_HEARTBEAT_MS,
                              lifecycle_extras=facts.lifecycle_extras)
        finally:
            log.info("%s WebSocket disconnected", link.tag)
        return None


def _header(scope: Scope, name: bytes) -> str | None:
    """The first header ``name`` (lower case) of the handshake, as Werkzeug reads it."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None
