"""HTTP API server (NapCat's ``httpServers`` and ``httpSseServers``): a plain ASGI app
on hypercorn.

NapCat's Express pipeline, in order: CORS (an OPTIONS request is answered
right there), body parsing (``Invalid JSON`` → 400), the token check (403), then
the action named by the first path segment. qqsim checks the token before the
body (NapCat does it after), caps and times the body (413 / 408 with
``{"message": ...}``) and parses long lenient bodies off the event loop: see
``http_admit`` and ``wire.Limits``. Every action outcome is HTTP 200 with a OneBot
envelope; ``_handle`` is the one call site of ``BotLink.call_frames`` for HTTP.

An SSE server adds ``GET /_events``, and ``enableWebsocket`` adds a WebSocket
on the same port (any path; ``/api`` API-only, fixed 30000 ms heartbeat): both
live in ``http_streams.py``. The app was a Quart one; ``http_exchange`` keeps the
wire exactly as Quart wrote it (headers, 405 / 500 pages) without importing Quart,
which cost start-up memory and a couple of milliseconds per test to build.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import trio

from ..config import HttpServerConfig, HttpSseServerConfig
from ..endpoint import Endpoint
from ..link import BotLink
from ..onebot.envelope import NO_ECHO
from ..onebot.profiles import Profile, Transport
from . import listener_endpoint, wire
from .asgi_server import serve_asgi
from .host import TransportHost
from .http_admit import JSON, admit
from .http_exchange import (
    Answer,
    Exchange,
    Header,
    Receive,
    Scope,
    Send,
    answer,
    error_page,
    serve_exchange,
    serve_socket,
)
from .http_streams import EventStream, SocketRoute

log = logging.getLogger("qqsim.http")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HELLO_TEXT = "NapCat4 Is Running"
#: The cors() middleware runs first in NapCat, so every answer carries it.
EXPRESS_HEADERS: list[Header] = [("Access-Control-Allow-Origin", "*"),
                                 ("X-Powered-By", "Express")]
_NOT_ALLOWED = ("The method is not allowed for the requested URL.")
_NOT_FOUND = ("The requested URL was not found on the server. If you entered the URL "
              "manually please check your spelling and try again.")
_NO_SOCKET = "The browser (or proxy) sent a request that this server could not understand."

#: The name tests and older code use for ``serve_asgi``.
serve_quart = serve_asgi

__all__ = ["HttpApi", "admit", "build_app", "serve_asgi", "serve_http_server", "serve_quart"]


class HttpApi:
    """The ASGI app answering NapCat's HTTP API for one bot listener.

    Routing is what the Quart app's was: every path and method of ``METHODS`` reaches
    ``_handle`` (any other method is a 405 page); with an event stream, ``GET`` (and
    ``HEAD``) of ``/_events`` streams instead; with a socket route, a WebSocket handshake
    on any path is a session (a 400 page without one).
    """

    def __init__(self, link: Callable[[], BotLink], token: str,
                 events: EventStream | None = None, socket: SocketRoute | None = None) -> None:
        self._make_link = link
        self._link: BotLink | None = None
        self.token = token
        self.events = events
        self.socket = socket

    @property
    def link(self) -> BotLink:
        """The listener's link, made on the first request: making one looks the bot up
        in the world, the first query of a fresh world (about 1 ms of a test's set-up)."""
        if self._link is None:
            self._link = self._make_link()
        return self._link

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await serve_exchange(scope, receive, send, self._route,
                                 wire.LIMITS.http_body_max, list(EXPRESS_HEADERS))
        elif scope["type"] == "websocket":
            await serve_socket(scope, receive, send, partial(self._socket, scope))

    async def _route(self, exchange: Exchange) -> Answer:
        path = _route_path(exchange.scope)
        if not path.startswith("/"):
            return error_page(404, "Not Found", _NOT_FOUND)
        method = exchange.method
        if self.events is not None and method in ("GET", "HEAD") and (
                path.lstrip("/") == "_events"):
            return await self.events.answer(self.link, exchange)
        if method not in METHODS:
            return error_page(405, "Method Not Allowed", _NOT_ALLOWED,
                              [("Allow", ", ".join(sorted(METHODS)))])
        return await _handle(self.link, self.token, exchange)

    async def _socket(self, scope: Scope, transport: Any) -> Answer | None:
        if self.socket is None or not _route_path(scope).startswith("/"):
            if self.socket is None:
                return error_page(400, "Bad Request", _NO_SOCKET)
            return error_page(404, "Not Found", _NOT_FOUND)
        return await self.socket.serve(scope, transport)


def _route_path(scope: Scope) -> str:
    """The path routes match on: the decoded path, that of an absolute URI's too."""
    path: str = scope.get("path", "")
    return path if path.startswith("/") else urlsplit(path).path


async def serve_http_server(
    sim: TransportHost, bot_id: int, config: HttpServerConfig, *,
    sock: socket.socket | None = None,
    task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve NapCat's HTTP API (and SSE, and its WebSocket when enabled) until cancelled;
    on ``sock`` when given (bound already: ``adapters.start_listener_soon``)."""
    app = build_app(sim, bot_id, config)

    def listening(port: int) -> Endpoint:
        endpoint = listener_endpoint(bot_id, config, port)
        log.info("%s listening on %s", config.name, endpoint.url)
        return endpoint

    await serve_asgi(app, config.host, config.port, log, lifespan=False, report=listening,
                     sock=sock, task_status=task_status)


def build_app(sim: TransportHost, bot_id: int, config: HttpServerConfig) -> HttpApi:
    """The app answering NapCat's HTTP API for ``bot_id`` as ``config`` describes."""
    settings = wire.connection_settings(config, Transport.HTTP)
    events = (EventStream(sim, bot_id, config)
              if isinstance(config, HttpSseServerConfig) else None)
    socket = SocketRoute(sim, bot_id, config) if config.enableWebsocket else None
    return HttpApi(partial(sim.link, bot_id, settings), config.token, events, socket)


async def _handle(link: BotLink, token: str, exchange: Exchange) -> Answer:
    refused, body, query = await admit(link, token, exchange)
    if refused is not None:
        return refused
    # Express routes on the raw (still percent-encoded) path.
    raw_path: bytes = exchange.scope.get("raw_path") or exchange.scope["path"].encode()
    path = raw_path.decode("latin-1")
    facts = link.profile.wire
    # NapCat merges body and query for every method (its GET-only branch never
    # matches: it compares with "get"); the query wins on clashes. go-cqhttp reads
    # the JSON body first.
    payload: dict[str, Any] = {**query, **body} if facts.http_body_wins else {**body, **query}
    action: object = path.split("/")[1] if path not in ("", "/") else ""
    if path in ("", "/"):
        if not facts.http_root_dispatches:
            return _json(_hello(link.profile))
        # go-cqhttp's root call: {"action": ..., "params": {...}} (server/http.go)
        action, params = payload.get("action"), payload.get("params")
        payload = params if isinstance(params, dict) else {}
        action = action if isinstance(action, str) else ""
    echo = payload.get("echo")
    # `echo ?? random`: a null echo counts as none.
    sent = await link.handle(action, payload, NO_ECHO if echo is None else echo)
    if not sent:  # a no_reply fault: the bot's request hangs until it gives up
        await trio.sleep_forever()
    if any(frame.get("stream") == "stream-action" for frame in sent):
        return _stream_body(sent)
    return _json(sent[-1])


def _stream_body(frames: list[dict[str, Any]]) -> Answer:
    """A stream action's envelopes (NapCat §3.6): each JSON + CRLF CRLF, in one body."""
    # NapCat writes with res.write: no Content-Type.
    return answer(200, "".join(wire.encode(f) + "\r\n\r\n" for f in frames), None)


def _json(body: dict[str, Any]) -> Answer:
    return answer(200, wire.encode(body), JSON)


def _hello(profile: Profile) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "ok", "retcode": 0, "data": {}, "message": HELLO_TEXT,
                            "wording": "", "echo": None}
    body.update(profile.envelope_extras)
    return body
