"""The control API and the web console: read the world, act as its people, watch the wire.

    GET  /                                     the web console (static/index.html)
    GET  /api/world                            accounts, groups with members, friendships
    GET  /api/groups/<gid>/messages            a group's messages, oldest first, and reactions
    GET  /api/private/<uid>/<peer>/messages    the private chat between two accounts
    WS   /api/stream                           live world facts, actions and frames (stream.py)

acting.py adds the routes that change the world as a person (messages, recall,
join, mute, requests, ...); inspector.py the traffic log, connections, messages
with their frames, forwards and media; session_routes.py scenarios, faults and
the clock.

With ``control_token`` set, every ``/api`` request needs ``Authorization: Bearer
<token>`` or ``?access_token=<token>`` (401 otherwise); the console's own page
and assets are served without it (they hold no data) and ask for the token.
Requests a browser makes from another site are refused (403), so a web page
cannot drive or read a local qqsim. Errors are ``{"error": text}``: 400 for a
malformed request or a refusal by the world, 404 for something that does not
exist, 501 for what this qqsim cannot do yet. Uses only ``Simulator``'s public
surface.
"""

from __future__ import annotations

import logging
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
from ..errors import NotFound, WorldError
from ..onebot.codec import MessageFormatError
from . import acting, inspector, session_routes
from .common import MalformedRequest, Unavailable, reply
from .stream import serve_stream
from .views import history_json, world_summary

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

__all__ = ["build_app", "serve_control"]


async def serve_control(
    sim: Simulator, *, task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve the control API and console on ``control_host:control_port`` until cancelled."""
    from ..app import Endpoint

    host, port = sim.config.control_host, sim.config.control_port or 0
    requests = acting.RequestLog(sim)
    runs = session_routes.Runs(sim)
    app = build_app(sim, requests, runs)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(requests.follow)
        await nursery.start(runs.serve)
        bound = await nursery.start(partial(serve_quart, app, host, port, log))
        endpoint = Endpoint(None, "control", "control", f"http://{host}:{bound}")
        log.info("web console and control API on %s", endpoint.url)
        task_status.started(endpoint)


def build_app(sim: Simulator, requests: acting.RequestLog, runs: session_routes.Runs
              ) -> QuartTrio:
    app = QuartTrio(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None
    _add_guards(app, sim.config.control_token)
    _add_page(app)

    @app.get("/api/world")
    async def world() -> Response:
        return reply(world_summary(sim))

    @app.get("/api/groups/<int:group_id>/messages")
    async def group_messages(group_id: int) -> Response:
        sim.world.groups.get(group_id)  # 404 for an unknown group, not an empty list
        return reply(history_json(sim, sim.history(group_id=group_id)))

    @app.get("/api/private/<int:user_id>/<int:peer_id>/messages")
    async def private_messages(user_id: int, peer_id: int) -> Response:
        for account in (user_id, peer_id):
            sim.world.accounts.get(account)  # 404 for an unknown account
        return reply(history_json(sim, sim.history(user_id=user_id, peer_id=peer_id)))

    @app.websocket("/api/stream")
    async def stream() -> None:
        await websocket.accept()
        await serve_stream(sim)

    acting.add_routes(app, sim, requests)
    inspector.add_routes(app, sim)
    session_routes.add_routes(app, sim, runs)
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
