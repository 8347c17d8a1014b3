"""The local control API: read the world and act as its people, over HTTP and JSON.

    GET  /api/world                            accounts, groups with members, friendships
    GET  /api/groups/<gid>/messages            a group's messages, oldest first
    GET  /api/private/<uid>/<peer>/messages    the private chat between two accounts
    POST /api/people/<uid>/messages            {"group_id" or "user_id", "message", "auto_escape"}
    POST /api/people/<uid>/recall              {"message_id"}
    GET  /api/actions?limit=100                the latest actions bots called, oldest first

With ``control_token`` set, every request needs ``Authorization: Bearer <token>``
or ``?access_token=<token>`` (401 otherwise). Errors are ``{"error": text}``:
400 for a malformed request or a refusal by the world, 404 for something
that does not exist. Uses only ``Simulator``'s public surface.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING, Any

import trio
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from ..adapters.http_server import serve_quart
from ..adapters.wire import token_matches
from ..errors import NotFound, WorldError
from ..onebot.codec import MessageFormatError

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator
    from ..world import Message

log = logging.getLogger("qqsim.control")

DEFAULT_ACTION_LIMIT = 100


class MalformedRequest(Exception):
    """The request is malformed; the text says what was wrong."""


async def serve_control(
    sim: Simulator, *, task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve the control API on ``control_host:control_port`` until cancelled."""
    from ..app import Endpoint

    host, port = sim.config.control_host, sim.config.control_port or 0
    app = build_app(sim)
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(partial(serve_quart, app, host, port, log))
        endpoint = Endpoint(None, "control", "control", f"http://{host}:{bound}")
        log.info("control API listening on %s", endpoint.url)
        task_status.started(endpoint)


def build_app(sim: Simulator) -> QuartTrio:
    app = QuartTrio(__name__)
    _add_guards(app, sim.config.control_token)

    @app.get("/api/world")
    async def world() -> Response:
        return reply(world_summary(sim))

    @app.get("/api/groups/<int:group_id>/messages")
    async def group_messages(group_id: int) -> Response:
        sim.world.groups.get(group_id)  # 404 for an unknown group, not an empty list
        return reply({"messages": [message_json(m) for m in sim.history(group_id=group_id)]})

    @app.get("/api/private/<int:user_id>/<int:peer_id>/messages")
    async def private_messages(user_id: int, peer_id: int) -> Response:
        for account in (user_id, peer_id):
            sim.world.accounts.get(account)  # 404 for an unknown account
        history = sim.history(user_id=user_id, peer_id=peer_id)
        return reply({"messages": [message_json(m) for m in history]})

    @app.post("/api/people/<int:user_id>/messages")
    async def send_message(user_id: int) -> Response:
        return reply(message_json(_send(sim, user_id, await _json_object())))

    @app.post("/api/people/<int:user_id>/recall")
    async def recall(user_id: int) -> Response:
        body = await _json_object()
        return reply(message_json(sim.person(user_id).recall(_int(body, "message_id"))))

    @app.get("/api/actions")
    async def actions() -> Response:
        limit = _limit(request.args.get("limit", str(DEFAULT_ACTION_LIMIT)))
        records = list(sim.actions)[-limit:] if limit else []
        return reply({"actions": [asdict(r) for r in records]})

    return app


def _add_guards(app: QuartTrio, token: str) -> None:
    """Token check first; every failure answered as JSON."""

    @app.before_request
    async def check_token() -> Response | None:
        header = request.headers.get("Authorization", "")
        bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        presented = request.args.get("access_token") or bearer
        if token and not token_matches(token, presented):
            return reply({"error": "unauthorized: send the control token as "
                          "'Authorization: Bearer <token>' or ?access_token=<token>"}, 401)
        return None

    @app.errorhandler(WorldError)
    async def world_refused(error: WorldError) -> Response:
        return reply({"error": str(error)}, 404 if isinstance(error, NotFound) else 400)

    @app.errorhandler(MalformedRequest)
    @app.errorhandler(MessageFormatError)
    async def malformed(error: Exception) -> Response:
        return reply({"error": str(error)}, 400)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        return reply({"error": error.description or error.name}, error.code or 500)


def reply(body: object, status: int = 200) -> Response:
    # default=str: action records may hold whatever an in-process caller passed.
    text = json.dumps(body, ensure_ascii=False, default=str)
    return Response(text, status=status, content_type="application/json; charset=utf-8")


def world_summary(sim: Simulator) -> dict[str, Any]:
    world = sim.world
    accounts = world.accounts.all()
    pairs = {
        tuple(sorted((friend.owner_id, friend.friend_id)))
        for account in accounts
        for friend in world.accounts.friends_of(account.user_id)
    }
    groups = [
        {**asdict(group), "members": [asdict(m) for m in world.groups.members(group.group_id)]}
        for group in world.groups.all()
    ]
    return {
        "accounts": [asdict(a) for a in accounts],
        "groups": groups,
        "friendships": [list(pair) for pair in sorted(pairs)],
    }


MESSAGE_FIELDS = ("message_id", "seq", "time", "sender_id", "sender_nickname", "chat_type",
                  "group_id", "peer_id", "segments", "raw_message", "recalled")


def message_json(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in MESSAGE_FIELDS}


def _send(sim: Simulator, user_id: int, body: dict[str, Any]) -> Message:
    person = sim.person(user_id)
    if "message" not in body:
        raise MalformedRequest("'message' is required")
    auto_escape = body.get("auto_escape", False)
    if not isinstance(auto_escape, bool):
        raise MalformedRequest("'auto_escape' must be true or false")
    if "group_id" in body:
        return person.send_group_msg(_int(body, "group_id"), body["message"],
                                     auto_escape=auto_escape)
    if "user_id" in body:
        return person.send_private_msg(_int(body, "user_id"), body["message"],
                                       auto_escape=auto_escape)
    raise MalformedRequest("give 'group_id' or 'user_id'")


async def _json_object() -> dict[str, Any]:
    try:
        body = json.loads(await request.get_data(True, False, False))
    except ValueError as exc:
        raise MalformedRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise MalformedRequest("the body must be a JSON object")
    return body


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"{key!r} must be an integer")
    return value


def _limit(text: str) -> int:
    if not text.isdigit():
        raise MalformedRequest("'limit' must be a non-negative integer")
    return int(text)
