"""The control API and the web console: read the world, act as its people, watch the wire.

    GET  /                                     the web console (static/index.html)
    WS   /api/stream                           live world facts, actions and frames (stream.py)

pages.py adds the reads of the world, a page at a time (people, groups,
members, a chat's messages with its notices); acting.py the routes that change
the world as a person (messages, recall, join, mute, requests, ...);
inspector.py the traffic log, connections, messages with their frames, forwards
and media; session_routes.py scenarios, faults and the clock.

With ``control_token`` set, every ``/api`` request needs ``Authorization: Bearer
<token>`` or ``?access_token=<token>`` (401 otherwise); the console's own page
and assets are served without it (they hold no data) and ask for the token.
Requests a browser makes from another site are refused (403), so a web page
cannot drive or read a local qqsim; so is every request, page, asset or stream,
whose ``Host`` is not a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``)
or the configured host, so a DNS-rebound name (``evil.example`` pointing at
127.0.0.1) reaches nothing. A listener on a non-loopback address needs the
token, and one on every address (``0.0.0.0``) answers any ``Host``: the token
is what a rebinding page cannot present. Errors are ``{"error": text}``: 400 for a
malformed request or a refusal by the world, 404 for something that does not
exist, 501 for what this qqsim cannot do yet. Uses only ``Simulator``'s public
surface.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import trio
from quart import Response, request, send_from_directory, websocket
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from ..adapters.http_server import serve_quart
from ..adapters.wire import token_matches
from ..config import check_control_exposure, is_wildcard
from ..errors import NotFound, WorldError
from ..onebot.codec import MessageFormatError
from . import acting, inspector, lab_routes, pages, session_routes, snapshot_routes
from .common import MalformedRequest, Unavailable, reply
from .stream import serve_stream

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator

log = logging.getLogger("qqsim.control")

STATIC = Path(__file__).parent / "static"
# Console uploads (images, files) arrive as base64 in JSON.
MAX_BODY_BYTES = 64 * 1024 * 1024
# The page loads only its own files and talks only to this listener.
PAGE_POLICY = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
PUBLIC_PATHS = ("/", "/favicon.ico")
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# A Host value: a name or a bracketed IPv6 address, then an optional numeric port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::[0-9]+)?")

__all__ = ["build_app", "serve_control"]


async def serve_control(
    sim: Simulator, *, task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve the control API and console on ``control_host:control_port`` until cancelled."""
    from ..app import Endpoint

    check_control_exposure(sim.config)  # before binding, for callers other than the CLI
    host, port = sim.config.control_host, sim.config.control_port or 0
    requests = acting.RequestLog(sim)
    runs = session_routes.Runs(sim)
    app = build_app(sim, requests, runs)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(requests.follow)
        await nursery.start(runs.serve)
        bound = await nursery.start(partial(serve_quart, app, host, port, log))
        shown = f"[{host}]" if ":" in host else host  # an IPv6 address
        endpoint = Endpoint(None, "control", "control", f"http://{shown}:{bound}")
        log.info("web console and control API on %s", endpoint.url)
        task_status.started(endpoint)


def build_app(sim: Simulator, requests: acting.RequestLog, runs: session_routes.Runs
              ) -> QuartTrio:
    app = QuartTrio(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None
    _add_host_check(app, sim.config.control_host, sim.config.control_token)
    _add_guards(app, sim.config.control_token)
    _add_page(app)

    @app.websocket("/api/stream")
    async def stream() -> None:
        await websocket.accept()
        await serve_stream(sim)

    pages.add_routes(app, sim)
    acting.add_routes(app, sim, requests)
    inspector.add_routes(app, sim)
    session_routes.add_routes(app, sim, runs)
    snapshot_routes.add_routes(app, sim)
    lab_routes.add_routes(app, sim)
    return app


def _add_page(app: QuartTrio) -> None:
    @app.get("/")
    async def index() -> Response:
        response: Response = await send_from_directory(STATIC, "index.html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response("", status=204)

    @app.after_request
    async def no_sniffing(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def host_names(control_host: str) -> frozenset[str]:
    """The ``Host`` names (port aside) this listener answers to, lower case."""
    name = control_host.lower()
    return LOOPBACK_NAMES | {f"[{name}]" if ":" in name else name}


def host_allowed(header: str | None, names: frozenset[str]) -> bool:
    """Whether ``header`` (a ``Host`` value) is one of ``names``, with or without a port."""
    found = _HOST.fullmatch((header or "").lower())
    return found is not None and found.group(1) in names


def _add_host_check(app: QuartTrio, control_host: str, token: str) -> None:
    """Refuse a ``Host`` that is not ours before anything else runs (DNS rebinding:
    a page of evil.example whose name now points at 127.0.0.1 is same-origin to the
    browser, so the Origin check alone lets it through)."""
    if token and is_wildcard(control_host):
        return  # reachable by any name on purpose; the token guards it
    names = host_names(control_host)
    refusal = {"error": "this Host is not served: use http://127.0.0.1, localhost or [::1]"}

    @app.before_request
    async def check_host() -> Response | None:
        return None if host_allowed(request.headers.get("Host"), names) else reply(refusal, 403)

    @app.before_websocket
    async def check_websocket_host() -> Response | None:
        allowed = host_allowed(websocket.headers.get("Host"), names)
        return None if allowed else reply(refusal, 403)


def _cross_site(origin: str | None, host: str | None) -> bool:
    """A browser request sent by a page of another site (its Origin is not this host)."""
    if not origin:
        return False  # curl, httpx, a bot: not a browser acting for some web page
    return origin == "null" or urlsplit(origin).netloc != host


def _presented_token() -> str:
    header = request.headers.get("Authorization", "")
    bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
    return request.args.get("access_token") or bearer


def _add_guards(app: QuartTrio, token: str) -> None:
    """Same-site and token checks first; every failure answered as JSON."""
    refusal = ("unauthorized: send the control token as 'Authorization: Bearer <token>' "
               "or ?access_token=<token>")

    @app.before_request
    async def check_request() -> Response | None:
        if request.method not in ("GET", "HEAD") and _cross_site(
            request.headers.get("Origin"), request.headers.get("Host")
        ):
            return reply({"error": "cross-site requests are refused"}, 403)
        public = request.path in PUBLIC_PATHS or request.path.startswith("/static/")
        if token and not public and not token_matches(token, _presented_token()):
            return reply({"error": refusal}, 401)
        return None

    @app.before_websocket
    async def check_websocket() -> Response | None:
        # Browsers let any page open a WebSocket to localhost: only our own page may.
        if _cross_site(websocket.headers.get("Origin"), websocket.headers.get("Host")):
            return reply({"error": "cross-site requests are refused"}, 403)
        presented = websocket.args.get("access_token", "")
        if token and not token_matches(token, presented):
            return reply({"error": refusal}, 401)
        return None

    @app.errorhandler(WorldError)
    async def world_refused(error: WorldError) -> Response:
        return reply({"error": str(error)}, 404 if isinstance(error, NotFound) else 400)

    @app.errorhandler(MalformedRequest)
    @app.errorhandler(MessageFormatError)
    async def malformed(error: Exception) -> Response:
        return reply({"error": str(error)}, 400)

    @app.errorhandler(Unavailable)
    async def unavailable(error: Unavailable) -> Response:
        return reply({"error": str(error)}, 501)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        return reply({"error": error.description or error.name}, error.code or 500)
