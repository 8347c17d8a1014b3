"""HTTP API server (NapCat's ``httpServers`` and ``httpSseServers``): quart-trio on hypercorn.

NapCat's Express pipeline, in order: CORS (an OPTIONS request is answered
right there), body parsing (``Invalid JSON`` → 400, even before the token is
looked at), the token check (403), then the action named by the first path
segment. Every action outcome is HTTP 200 with a OneBot envelope; ``_handle``
is the one call site of ``BotLink.call_frames`` for HTTP.

An SSE server adds ``GET /_events``, and ``enableWebsocket`` adds a WebSocket
on the same port (any path; ``/api`` API-only, fixed 30000 ms heartbeat): both
live in ``http_streams.py``.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.routing import BaseConverter

from ..config import HttpServerConfig, HttpSseServerConfig
from ..link import BotLink
from ..onebot.envelope import NO_ECHO
from ..onebot.profiles import Profile, Transport
from . import wire

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator

log = logging.getLogger("qqsim.http")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FORM = "application/x-www-form-urlencoded"
TEXT = "text/html; charset=utf-8"  # Express's res.send(string)
JSON = "application/json; charset=utf-8"  # Express's res.json
HELLO_TEXT = "NapCat4 Is Running"


class _AnyPath(BaseConverter):
    """Matches every path, slashes included, so one route sees every request."""

    regex = ".*"
    part_isolating = False


async def serve_quart(
    app: QuartTrio, host: str, port: int, logger: logging.Logger, *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` with hypercorn on ``host:port``; report the bound port (port 0 works)."""
    # hypercorn's own "Running on ... (CTRL + C to quit)" line would double ours; keep its
    # warnings and errors.
    hypercorn_log = logger.getChild("hypercorn")
    hypercorn_log.setLevel(logging.WARNING)
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.errorlog = hypercorn_log
    config.include_server_header = False
    # NapCat's WebSocket servers take frames up to 50 MB.
    config.websocket_max_message_size = 50 * 1024 * 1024
    config.graceful_timeout = 1
    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(partial(serve, app, config))
        task_status.started(int(binds[0].rsplit(":", 1)[1]))


async def serve_http_server(
    sim: Simulator, bot_id: int, config: HttpServerConfig, *,
    task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve NapCat's HTTP API (and SSE, and its WebSocket when enabled) until cancelled."""
    from ..app import Endpoint
    from .http_streams import add_sse_route, add_websocket_route

    settings = wire.connection_settings(config, Transport.HTTP)
    app = build_app(sim.link(bot_id, settings), config.token)
    sse = isinstance(config, HttpSseServerConfig)
    if sse:
        add_sse_route(app, sim, bot_id, config)
    if config.enableWebsocket:
        add_websocket_route(app, sim, bot_id, config)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(partial(serve_quart, app, config.host, config.port, log))
        endpoint = Endpoint(bot_id, "sse" if sse else "http", config.name,
                            f"http://{config.host}:{port}")
        log.info("%s listening on %s", config.name, endpoint.url)
        task_status.started(endpoint)


def build_app(link: BotLink, token: str) -> QuartTrio:
    """The Quart app answering NapCat's HTTP API for ``link``'s bot."""
    app = QuartTrio(__name__)
    # NapCat sets no size limit on bodies; bots post base64 media.
    app.config["MAX_CONTENT_LENGTH"] = None
    # An SSE stream lasts as long as the bot listens.
    app.config["RESPONSE_TIMEOUT"] = None
    app.url_map.converters["anypath"] = _AnyPath
    app.url_map.merge_slashes = False

    @app.route("/<anypath:_path>", methods=METHODS)
    async def endpoint(_path: str) -> Response:
        return await _handle(link, token)

    @app.after_request
    async def express_headers(response: Response) -> Response:
        # The cors() middleware runs first in NapCat, so every answer carries it.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["X-Powered-By"] = "Express"
        return response

    return app


async def admit(
    link: BotLink, token: str
) -> tuple[Response | None, dict[str, Any], wire.Query]:
    """NapCat's middleware before any route: CORS preflight, body parsing, token.

    Returns the response that ends the request here, if any; else the parsed
    body and query string.
    """
    if request.method == "OPTIONS":
        return _preflight(), {}, {}
    raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    try:
        body = wire.decode_body(raw, form=request.mimetype == FORM)
    except wire.BadJson:
        return Response("Invalid JSON", status=400, content_type=TEXT), {}, {}
    query = wire.parse_query(request.query_string.decode("utf-8", "replace"))
    facts = link.sim.profile.wire
    refusal = wire.token_refusal(token, query.get("access_token"),
                                 request.headers.get("Authorization"), facts)
    if refusal is not None:
        return Response(facts.http_token_failure_body, status=refusal, content_type=TEXT), {}, {}
    return None, body, query


async def _handle(link: BotLink, token: str) -> Response:
    refused, body, query = await admit(link, token)
    if refused is not None:
        return refused
    # Express routes on the raw (still percent-encoded) path.
    path = request.scope.get("raw_path", request.path.encode()).decode("latin-1")
    if path in ("", "/"):
        return _json(_hello(link.sim.profile))
    # NapCat merges body and query for every method (its GET-only branch never
    # matches: it compares with "get"); the query wins on clashes.
    payload: dict[str, Any] = {**body, **query}
    echo = payload.get("echo")
    # `echo ?? random`: a null echo counts as none.
    sent = await link.handle(path.split("/")[1], payload, NO_ECHO if echo is None else echo)
    if not sent:  # a no_reply fault: the bot's request hangs until it gives up
        await trio.sleep_forever()
    if any(frame.get("stream") == "stream-action" for frame in sent):
        return _stream_body(sent)
    return _json(sent[-1])


def _stream_body(frames: list[dict[str, Any]]) -> Response:
    """A stream action's envelopes (NapCat §3.6): each JSON + CRLF CRLF, in one body."""
    response = Response("".join(wire.encode(f) + "\r\n\r\n" for f in frames), status=200)
    del response.headers["Content-Type"]  # NapCat writes with res.write: no Content-Type
    return response


def _json(body: dict[str, Any]) -> Response:
    return Response(wire.encode(body), status=200, content_type=JSON)


def _hello(profile: Profile) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "ok", "retcode": 0, "data": {}, "message": HELLO_TEXT,
                            "wording": "", "echo": None}
    body.update(profile.envelope_extras)
    return body


def _preflight() -> Response:
    """What the ``cors`` package answers to any OPTIONS request."""
    response = Response("", status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET,HEAD,PUT,PATCH,POST,DELETE"
    requested = request.headers.get("Access-Control-Request-Headers")
    if requested:
        response.headers["Access-Control-Allow-Headers"] = requested
    response.headers["Vary"] = "Access-Control-Request-Headers"
    return response
