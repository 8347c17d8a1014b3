"""Routes that change the world as its people would: say, recall, join, mute, ask, poke...

    POST /api/people                           {"nickname", "user_id"?, "sex"?, "age"?}
    POST /api/groups                           {"name", "owner_id", "group_id"?}
    POST /api/people/<uid>/messages            {"group_id" or "user_id", "message", "auto_escape"}
    POST /api/people/<uid>/<verb>              a verb of ``VERBS`` with its JSON body
    GET  /api/requests?limit                   the newest friend/join/invite requests, their state

Each verb acts *as* person ``uid``: the world checks their rights exactly as it
checks a bot's (an ordinary member cannot kick), and refusals come back as 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from quart import Response
from quart_trio import QuartTrio

from ..world import Message, Request, directory
from .common import MalformedRequest, flag, integer, json_object, limit_arg, reply, text
from .listing import fit
from .request_log import RequestLog
from .views import message_json, reactions_json, request_json

if TYPE_CHECKING:
    from ..people import Person
    from ..simulation import Simulator

Body = dict[str, Any]
Verb = Callable[["Simulator", "Person", Body], object]

# New people and groups get the next free id above these, as in the default world.
FIRST_PERSON_ID = 20001
FIRST_GROUP_ID = 100100
REQUEST_LIMIT = 200


def add_routes(app: QuartTrio, sim: Simulator, requests: RequestLog) -> None:
    @app.post("/api/people")
    async def add_person() -> Response:
        body = await json_object()
        return reply(asdict(_add_person(sim, body)))

    @app.post("/api/groups")
    async def add_group() -> Response:
        body = await json_object()
        return reply(_add_group(sim, body))

    @app.post("/api/people/<int:user_id>/messages")
    async def send_message(user_id: int) -> Response:
        return reply(message_json(_send(sim, user_id, await json_object())))

    @app.post("/api/people/<int:user_id>/<verb>")
    async def act(user_id: int, verb: str) -> Response:
        handler = VERBS.get(verb)
        if handler is None:
            raise MalformedRequest(f"unknown verb {verb!r}; known: {', '.join(sorted(VERBS))}")
        body = await json_object()
        return reply(_jsonable(handler(sim, sim.person(user_id), body)))

    @app.get("/api/requests")
    async def list_requests() -> Response:
        found = requests.all()
        limit = limit_arg(REQUEST_LIMIT)
        shown = found[-limit:] if limit else []
        return reply({"requests": fit([request_json(r) for r in shown])[0],
                      "total": len(found)})


def _jsonable(result: object) -> object:
    if isinstance(result, Message):
        return message_json(result)
    if isinstance(result, Request):
        return request_json(result)
    if isinstance(result, list):
        return [_jsonable(item) for item in result]
    return result


def _add_person(sim: Simulator, body: Body) -> Any:
    accounts = sim.world.accounts
    taken, _ = directory.highest_ids(sim.world)  # not accounts.all(): 100k of them
    user_id = integer(body, "user_id", max(FIRST_PERSON_ID - 1, taken) + 1)
    return accounts.add(user_id, text(body, "nickname"), sex=text(body, "sex", "unknown"),
                        age=integer(body, "age", 0))


def _add_group(sim: Simulator, body: Body) -> Body:
    groups = sim.world.groups
    _, taken = directory.highest_ids(sim.world)
    group_id = integer(body, "group_id", max(FIRST_GROUP_ID - 100, taken) + 100)
    group = groups.create(group_id, text(body, "name"), integer(body, "owner_id"))
    return {**asdict(group), "members": [asdict(m) for m in groups.members(group_id)]}


def _send(sim: Simulator, user_id: int, body: Body) -> Message:
    person = sim.person(user_id)
    if "message" not in body:
        raise MalformedRequest("'message' is required")
    auto_escape = flag(body, "auto_escape", False)
    if "group_id" in body:
        return person.send_group_msg(integer(body, "group_id"), body["message"],
                                     auto_escape=auto_escape)
    if "user_id" in body:
        return person.send_private_msg(integer(body, "user_id"), body["message"],
                                       auto_escape=auto_escape)
    raise MalformedRequest("give 'group_id' or 'user_id'")


# -- verbs --------------------------------------------------------------------


def _member(sim: Simulator, body: Body, key: str = "user_id") -> Body:
    member = sim.world.groups.member(integer(body, "group_id"), integer(body, key))
    return asdict(member)


def _recall(sim: Simulator, person: Person, body: Body) -> object:
    return person.recall(integer(body, "message_id"))


def _join(sim: Simulator, person: Person, body: Body) -> object:
    person.join(integer(body, "group_id"))
    return _member(sim, {**body, "user_id": person.user_id})


def _leave(sim: Simulator, person: Person, body: Body) -> object:
    group_id = integer(body, "group_id")
    if not sim.world.groups.leave(group_id, person.user_id):
        raise MalformedRequest("the owner cannot leave a group (QQ asks them to disband it)")
    return {"left": group_id}


def _kick(sim: Simulator, person: Person, body: Body) -> object:
    person.kick(integer(body, "group_id"), integer(body, "user_id"))
    return {"kicked": integer(body, "user_id")}


def _mute(sim: Simulator, person: Person, body: Body) -> object:
    person.mute(integer(body, "group_id"), integer(body, "user_id"),
                integer(body, "duration", 600))
    return _member(sim, body)


def _mute_all(sim: Simulator, person: Person, body: Body) -> object:
    group_id = integer(body, "group_id")
    sim.world.groups.mute_all(person.user_id, group_id, flag(body, "enable", True))
    return asdict(sim.world.groups.get(group_id))


def _set_admin(sim: Simulator, person: Person, body: Body) -> object:
    person.set_admin(integer(body, "group_id"), integer(body, "user_id"),
                     flag(body, "enable", True))
    return _member(sim, body)


def _set_card(sim: Simulator, person: Person, body: Body) -> object:
    sim.world.groups.set_card(person.user_id, integer(body, "group_id"),
                              integer(body, "user_id", person.user_id), text(body, "card"))
    return _member(sim, {"user_id": person.user_id, **body})


def _set_title(sim: Simulator, person: Person, body: Body) -> object:
    sim.world.groups.set_title(person.user_id, integer(body, "group_id"),
                               integer(body, "user_id"), text(body, "title"))
    return _member(sim, body)


def _rename_group(sim: Simulator, person: Person, body: Body) -> object:
    group_id = integer(body, "group_id")
    sim.world.groups.rename(person.user_id, group_id, text(body, "name"))
    return asdict(sim.world.groups.get(group_id))


def _like(sim: Simulator, person: Person, body: Body) -> object:
    person.like(integer(body, "user_id"), integer(body, "times", 1))
    return {"liked": integer(body, "user_id")}


def _friend_request(sim: Simulator, person: Person, body: Body) -> object:
    return person.add_friend(integer(body, "bot_id"), text(body, "comment", ""))


def _join_request(sim: Simulator, person: Person, body: Body) -> object:
    return person.ask_to_join(integer(body, "group_id"), text(body, "comment", ""))


def _invite(sim: Simulator, person: Person, body: Body) -> object:
    return person.invite_bot(integer(body, "bot_id"), integer(body, "group_id"))


def _poke(sim: Simulator, person: Person, body: Body) -> object:
    group_id = integer(body, "group_id") if "group_id" in body else None
    delivered = person.poke(integer(body, "user_id"), group_id=group_id)
    return {"delivered": delivered}


def _react(sim: Simulator, person: Person, body: Body) -> object:
    emoji = body.get("emoji_id")
    if isinstance(emoji, bool) or not isinstance(emoji, int | str):
        raise MalformedRequest("'emoji_id' must be a face id or an emoji code point")
    changed = person.react(integer(body, "message_id"), emoji, set=flag(body, "set", True))
    return {"changed": changed, "reactions": reactions_json(sim, integer(body, "message_id"))}


def _file_bytes(body: Body) -> bytes:
    try:
        return base64.b64decode(text(body, "data"), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedRequest("'data' must be the file's bytes in base64") from None


def _upload(sim: Simulator, person: Person, body: Body) -> object:
    uploaded = person.upload_group_file(integer(body, "group_id"), text(body, "name"),
                                        _file_bytes(body))
    return asdict(uploaded)


VERBS: dict[str, Verb] = {
    "recall": _recall,
    "join": _join,
    "leave": _leave,
    "kick": _kick,
    "mute": _mute,
    "mute_all": _mute_all,
    "set_admin": _set_admin,
    "set_card": _set_card,
    "set_title": _set_title,
    "rename_group": _rename_group,
    "like": _like,
    "friend_request": _friend_request,
    "join_request": _join_request,
    "invite": _invite,
    "poke": _poke,
    "react": _react,
    "upload": _upload,
}
