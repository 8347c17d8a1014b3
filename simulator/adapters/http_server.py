"""HTTP API server (NapCat's ``httpServers`` and ``httpSseServers``): quart-trio on hypercorn.

NapCat's Express pipeline, in order: CORS (an OPTIONS request is answered
right there), body parsing (``Invalid JSON`` → 400), the token check (403), then
the action named by the first path segment. qqsim checks the token before the
body (NapCat does it after), caps and times the body (413 / 408 with
``{"message": ...}``) and parses long lenient bodies off the event loop: see
``admit`` and ``wire.Limits``. Every action outcome is HTTP 200 with a OneBot envelope; ``_handle``
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
from hypercorn.trio.lifespan import Lifespan
from hypercorn.trio.statsd import StatsdLogger
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import ConnectionState
from hypercorn.utils import wrap_app
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import RequestEntityTooLarge, RequestTimeout
from werkzeug.routing import BaseConverter

from ..config import HttpServerConfig, HttpSseServerConfig
from ..link import BotLink
from ..onebot.envelope import NO_ECHO
from ..onebot.profiles import Profile, Transport
from . import guard, wire

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator

log = logging.getLogger("qqsim.http")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FORM = "application/x-www-form-urlencoded"
TEXT = "text/html; charset=utf-8"  # Express's res.send(string)
JSON = "application/json; charset=utf-8"  # Express's res.json
HELLO_TEXT = "NapCat4 Is Running"
#: How long a connection whose request was answered before its body was read stays open:
#: long enough for the answer to leave, then it is closed.
LINGER_SECONDS = 0.5


class _AnyPath(BaseConverter):
    """Matches every path, slashes included, so one route sees every request."""

    regex = ".*"
    part_isolating = False


async def serve_quart(
    app: QuartTrio, host: str, port: int, logger: logging.Logger, *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` with hypercorn on ``host:port``; report the bound port (port 0 works).

    hypercorn's own accept loop (``worker_serve``) has no bound on connections and logs
    every failed accept, so its pieces run here behind a ``guard.Guard`` instead.
    """
    limits = wire.LIMITS
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
    asgi = wrap_app(app, config.wsgi_max_body_size, "asgi")
    state: dict[str, Any] = {}
    lifespan = Lifespan(asgi, config, state)
    context = WorkerContext(None)
    sock = config.create_sockets().insecure_sockets[0]
    sock.listen(config.backlog)
    listener = trio.SocketListener(trio.socket.from_stdlib_socket(sock))
    bound = int(sock.getsockname()[1])

    async def connection(stream: trio.SocketStream) -> None:
        # TCPServer is typed for TLS streams; it reads a plain one as hypercorn does.
        await TCPServer(asgi, config, context, ConnectionState(state.copy()),
                        stream)  # type: ignore[arg-type]

    gate = guard.Guard(f"{host}:{bound}", limits.connections, logger)
    async with trio.open_nursery() as nursery:
        await nursery.start(lifespan.handle_lifespan)
        await lifespan.wait_for_startup()
        await nursery.start(gate.serve, [listener], connection)
        task_status.started(bound)


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
    # NapCat sets no size limit on bodies; qqsim does (README, "Limits"): a body over it is
    # answered 413, one slower than its deadline 408, both read only after the token check.
    app.config["MAX_CONTENT_LENGTH"] = wire.LIMITS.http_body_max
    app.config["BODY_TIMEOUT"] = wire.LIMITS.body_seconds
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
    """NapCat's middleware before any route: CORS preflight, token, body parsing.

    Returns the response that ends the request here, if any; else the parsed
    body and query string. Unlike NapCat (which parses the body first, so bad
    JSON is a 400 even without a token), the token is checked before a byte of
    the body is read: an unauthenticated request costs nothing whatever it sends.
    """
    facts = link.sim.profile.wire
    if facts.http_methods and request.method not in facts.http_methods:
        return _bare(404), {}, {}
    if request.method == "OPTIONS":
        return _preflight(), {}, {}
    query = wire.parse_query(request.query_string.decode("utf-8", "replace"))
    refusal = wire.token_refusal(token, query.get("access_token"),
                                 request.headers.get("Authorization"), facts)
    client, server = request.scope.get("client"), request.scope.get("server")
    if refusal is not None:
        guard.linger(client, server, LINGER_SECONDS)  # its body, if any, is never read
        return Response(facts.http_token_failure_body, status=refusal, content_type=TEXT), {}, {}
    guard.trust(client, server)
    try:
        raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
        form = request.mimetype == FORM
        if facts.http_json_needs_content_type and not form and (
                "application/json" not in (request.content_type or "")):
            raw = b""  # go-cqhttp ignores a body of any other type
        body = await wire.read_body(raw, form=form)
    except RequestEntityTooLarge:
        guard.linger(client, server, LINGER_SECONDS)
        return _limit(413, f"request body over {wire.LIMITS.http_body_max} bytes"), {}, {}
    except RequestTimeout:
        guard.linger(client, server, LINGER_SECONDS)
        return _limit(408, f"request body not received within {wire.LIMITS.body_seconds:g} s"
                      ), {}, {}
    except wire.BadJson:
        if not facts.http_bad_json_body:
            return _bare(400), {}, {}
        return Response(facts.http_bad_json_body, status=400, content_type=TEXT), {}, {}
    return None, body, query


def _bare(status: int) -> Response:
    """A status with no body and no Content-Type (Go's ``WriteHeader`` alone)."""
    response = Response("", status=status)
    del response.headers["Content-Type"]
    return response


def _limit(status: int, message: str) -> Response:
    """A request refused for its size or slowness: NapCat's error shape, ``{"message"}``."""
    response = Response(wire.encode({"message": message}), status=status, content_type=JSON)
    response.headers["Connection"] = "close"
    return response


async def _handle(link: BotLink, token: str) -> Response:
    refused, body, query = await admit(link, token)
    if refused is not None:
        return refused
    # Express routes on the raw (still percent-encoded) path.
    path = request.scope.get("raw_path", request.path.encode()).decode("latin-1")
    facts = link.sim.profile.wire
    # NapCat merges body and query for every method (its GET-only branch never
    # matches: it compares with "get"); the query wins on clashes. go-cqhttp reads
    # the JSON body first.
    payload: dict[str, Any] = {**query, **body} if facts.http_body_wins else {**body, **query}
    action: object = path.split("/")[1] if path not in ("", "/") else ""
    if path in ("", "/"):
        if not facts.http_root_dispatches:
            return _json(_hello(link.sim.profile))
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
