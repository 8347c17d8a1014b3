"""Reading the world a page at a time, so the console stays quick on 100k people.

    GET /api/world                             counts, the bot accounts, the world's time
    GET /api/people?q&offset&limit&kind        people (kind=bots|all for others), by number
    GET /api/people/<uid>                      one account
    GET /api/people/<uid>/groups?q&offset&limit    the groups it is in, with its membership
    GET /api/people/<uid>/friends?q&offset&limit   its friends
    GET /api/groups?q&offset&limit             groups, by number
    GET /api/groups/<gid>                      one group
    GET /api/groups/<gid>/members?q&offset&limit   members: owner, admins, then the rest
    GET /api/groups/<gid>/messages?before&limit    a page of a group's messages, with notices
    GET /api/private/<uid>/<peer>/messages?before&limit   the same for a private chat

``q`` matches a name anywhere or a number from its first digit (an exact number
first). A list answer names the ``next`` offset (null at the end); a message
page says whether there is ``more`` before it (then ask with ``before`` = the
first ``seq`` shown). Every answer fits in ``RESPONSE_BUDGET`` bytes: long
strings in listed items are cut (the item says so), and a page ends early when
full (``listing.fit``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from quart import Response, request
from quart_trio import QuartTrio

from ..world import directory
from ..world.directory import Search
from ..world.notices import ChatOf
from .common import MalformedRequest, query_int, reply
from .listing import MAX_LIMIT, RESPONSE_BUDGET, fit
from .views import message_json, reactions_json

if TYPE_CHECKING:
    from ..simulation import Simulator
    from ..world import Message

DEFAULT_LIMIT = 50
MESSAGE_LIMIT = 60
KINDS: dict[str, bool | None] = {"people": False, "bots": True, "all": None}


def search_arg(default: int = DEFAULT_LIMIT) -> Search:
    offset = query_int("offset", 0)
    limit = query_int("limit", default)
    assert offset is not None and limit is not None
    if offset < 0 or not 0 < limit <= MAX_LIMIT:
        raise MalformedRequest(f"'offset' must be 0 or more and 'limit' 1 to {MAX_LIMIT}")
    return Search(request.args.get("q", "")[:100], offset, limit)


def listed(key: str, items: list[dict[str, Any]], search: Search) -> Response:
    kept, _ = fit(items)
    full = len(items) == search.limit or len(kept) < len(items)
    return reply({key: kept, "next": search.offset + len(kept) if full else None})


def add_routes(app: QuartTrio, sim: Simulator) -> None:
    @app.get("/api/world")
    async def world() -> Response:
        people, bots = directory.count_people(sim.world)
        return reply({"people": people, "groups": directory.count_groups(sim.world),
                      "bots": [asdict(a) for a in sim.world.accounts.bots()],
                      "bot_count": bots, "now": sim.world.now()})

    @app.get("/api/people")
    async def people() -> Response:
        kind = request.args.get("kind", "people")
        if kind not in KINDS:
            raise MalformedRequest("'kind' must be people, bots or all")
        search = search_arg()
        found = directory.people(sim.world, search, bots=KINDS[kind])
        return listed("people", [asdict(a) for a in found], search)

    @app.get("/api/people/<int:user_id>")
    async def person(user_id: int) -> Response:
        return reply(asdict(sim.world.accounts.get(user_id)))

    @app.get("/api/people/<int:user_id>/groups")
    async def groups_of(user_id: int) -> Response:
        sim.world.accounts.get(user_id)
        search = search_arg()
        found = directory.groups(sim.world, search, member=user_id)
        return listed("groups", [_group_json(sim, g.group_id, user_id) for g in found], search)

    @app.get("/api/people/<int:user_id>/friends")
    async def friends_of(user_id: int) -> Response:
        sim.world.accounts.get(user_id)
        search = search_arg()
        found = directory.friend_ids(sim.world, user_id, search)
        return listed("friends", [asdict(sim.world.accounts.get(f)) for f in found], search)

    @app.get("/api/groups")
    async def groups() -> Response:
        search = search_arg()
        found = directory.groups(sim.world, search)
        return listed("groups", [asdict(g) for g in found], search)

    @app.get("/api/groups/<int:group_id>")
    async def group(group_id: int) -> Response:
        return reply(_group_json(sim, group_id, query_int("as")))

    @app.get("/api/groups/<int:group_id>/members")
    async def members(group_id: int) -> Response:
        sim.world.groups.get(group_id)
        search = search_arg()
        found = directory.members(sim.world, group_id, search)
        return listed("members", [asdict(m) for m in found], search)

    @app.get("/api/groups/<int:group_id>/messages")
    async def group_messages(group_id: int) -> Response:
        sim.world.groups.get(group_id)  # 404 for an unknown group, not an empty list
        return reply(_chat_page(sim, ("group", group_id, 0)))

    @app.get("/api/private/<int:user_id>/<int:peer_id>/messages")
    async def private_messages(user_id: int, peer_id: int) -> Response:
        for account in (user_id, peer_id):
            sim.world.accounts.get(account)  # 404 for an unknown account
        low, high = sorted((user_id, peer_id))
        return reply(_chat_page(sim, ("private", low, high)))


def _group_json(sim: Simulator, group_id: int, user_id: int | None) -> dict[str, Any]:
    """A group, with ``user_id``'s own membership (``me``: null when not a member)."""
    found = asdict(sim.world.groups.get(group_id))
    if user_id is not None:
        member = sim.world.groups.find_member(group_id, user_id)
        found["me"] = asdict(member) if member is not None else None
    return found


def _chat_page(sim: Simulator, chat: ChatOf) -> dict[str, Any]:
    before = query_int("before")
    limit = query_int("limit", MESSAGE_LIMIT)
    assert limit is not None
    if not 0 < limit <= MAX_LIMIT:
        raise MalformedRequest(f"'limit' must be 1 to {MAX_LIMIT}")
    # One more than asked: whether anything is left before this page.
    found = directory.chat_page(sim.world, *chat, before_seq=before, limit=limit + 1)
    more = len(found) > limit
    found = found[-limit:]
    kept, cut_short = fit([message_json(m) for m in reversed(found)], RESPONSE_BUDGET * 2 // 3)
    kept.reverse()  # filled newest first: a page cut short keeps the newest
    shown: list[Message] = found[len(found) - len(kept):]
    first = shown[0].seq if shown and (more or cut_short) else None
    last = None if before is None else before - 1
    reactions = {}
    for message in shown:
        counts = reactions_json(sim, message.message_id)
        if counts:
            reactions[str(message.message_id)] = counts
    # Notices name people, whose names may be long: cut like any listed item.
    found_notices = sim.world.notices.between(chat, first, last)
    shown_notices, _ = fit([{"type": n.kind, "time": n.time, "after_seq": n.after_seq,
                             "data": n.data, "names": n.names} for n in found_notices],
                           RESPONSE_BUDGET // 4)
    return {"messages": kept, "reactions": reactions, "more": more or cut_short,
            "notices": shown_notices}
