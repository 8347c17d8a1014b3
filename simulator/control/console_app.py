"""The control API's Quart app: the console page, its guards and every route.

Built by ``api.serve_control`` on the listener's first request, so that a ``qqsim
run`` nobody opens the console in never imports Quart (see ``api.LazyConsole``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from quart import Response, request, send_from_directory, websocket
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from ..adapters.wire import token_matches
from ..config import is_wildcard
from ..errors import NotFound, WorldError
from ..onebot.codec import MessageFormatError
from . import acting, inspector, lab_routes, pages, session_routes, snapshot_routes
from .common import MalformedRequest, Unavailable, reply
from .policy import MAX_BODY_BYTES, PAGE_POLICY, PUBLIC_PATHS, STATIC, host_allowed, host_names
from .request_log import RequestLog
from .stream import serve_stream

if TYPE_CHECKING:
    from ..simulation import Simulator

#: The app's import name, as when it was built in ``api`` (Quart names its logger so).
APP_NAME = "simulator.control.api"

__all__ = ["build_app"]


def build_app(sim: Simulator, requests: RequestLog, runs: session_routes.Runs
              ) -> QuartTrio:
    app = QuartTrio(APP_NAME, static_folder=str(STATIC), static_url_path="/static")
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
