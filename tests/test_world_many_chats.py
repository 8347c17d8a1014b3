"""A bot in many groups and chats: its group list, recent contacts and mark-all-read.

Each reads and writes in a fixed number of SQL statements (or one per chunk of row
ids), never one per group or chat: in a world of 10k groups a statement or an ORM
look-up each held the event loop for seconds. The answers, and the markers left, are
the ones the per-row look-ups gave, which these tests rebuild from the one-row API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from simulator import SimulatorConfig
from simulator.app import Simulator
from simulator.clock import ManualClock
from simulator.onebot.actions.groups import group_info
from simulator.world import World, generated_world
from simulator.world import history as history_module
from simulator.world.history import NT_MSG_ID_BASE, ChatRef, RecentChat
from simulator.world.reads import ReadMarkerRow

BOT = 10001
ACTIONS = ("get_group_list", "get_recent_contact", "_mark_all_as_read")


def lived_world(groups: int) -> Simulator:
    """A generated world (the bot in every group) where things happened: group remarks,
    friend remarks, a temp chat, recalls, renames, chats marked read earlier."""
    logging.getLogger("qqsim").setLevel(logging.WARNING)
    spec = generated_world(5, people=200, groups=groups, group_size=8, messages=groups * 6)
    clock = ManualClock()
    sim = Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec, clock=clock)
    world = sim.world
    ids = world.groups.ids_of_user(BOT)
    assert len(ids) == groups
    for group_id in ids[::3]:
        world.group_extras.set_remark(BOT, group_id, f"备注{group_id}")
    friends = [f.friend_id for f in world.accounts.friends_of(BOT)]
    chatted = world.messages.select("chat_type = 'private' AND (sender_id = ? OR peer_id = ?)",
                                    (BOT, BOT))
    pal = next(p for m in chatted if (p := m.other_party(BOT)) in friends)
    world.accounts.set_remark(BOT, pal, "老友")
    for group_id in ids[:3]:  # the newest message of these groups is recalled
        sim.person(BOT).recall(sim.person(BOT).send_group_msg(group_id, "oops").message_id)
    stranger = next(m.user_id for m in world.groups.members(ids[3])
                    if m.user_id != BOT and m.user_id not in friends)
    clock.advance(5)
    sim.person(stranger).send_private_msg(BOT, "temp", via_group=ids[3])
    owner = next(m.user_id for m in world.groups.members(ids[4]) if m.role == "owner")
    world.groups.rename(owner, ids[4], "改过的名字")
    for group_id in ids[5:8]:
        world.reads.mark_read(BOT, ChatRef("group", group_id))
    clock.advance(5)
    for group_id in ids[5:7]:  # read earlier, new messages since
        sim.person(BOT).send_group_msg(group_id, "since")
    clock.advance(5)
    return sim


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = lived_world(12)
    yield simulator
    simulator.close()


def traced(sim: Simulator, action: str, params: dict[str, Any] | None = None
           ) -> tuple[dict[str, Any], list[str]]:
    """The action's answer and every SQL statement it ran (an ``executemany`` row each)."""
    link = sim.link(BOT)
    seen: list[str] = []
    sim.world.core.conn.set_trace_callback(seen.append)
    try:
        answer = link.call(action, params or {})
    finally:
        sim.world.core.conn.set_trace_callback(None)
    assert answer["status"] == "ok", answer
    return answer, seen


def statement_counts(groups: int) -> dict[str, int]:
    sim = lived_world(groups)
    try:
        counts = {}
        for action in ACTIONS:
            params = {"count": 10_000} if action == "get_recent_contact" else {}
            _, seen = traced(sim, action, params)
            # The read markers' upsert is one ``executemany``: traced once per chat.
            counts[action] = sum(1 for sql in seen if "INTO read_marker" not in sql)
        return counts
    finally:
        sim.close()


def test_statements_do_not_grow_with_the_groups_and_chats() -> None:
    few, many = statement_counts(10), statement_counts(40)
    assert few == many
    assert all(count <= 6 for count in many.values()), many


def test_recent_chats_read_their_rows_a_chunk_at_a_time(
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = sim.world.history.recent(BOT)
    monkeypatch.setattr(history_module, "CHUNK", 4)
    answer, seen = traced(sim, "get_recent_contact", {"count": 1000})
    assert len(answer["data"]) == len(whole) > 8
    chunks = sum(1 for sql in seen if "WHERE msg.id IN (" in sql)
    assert chunks == -(-len(whole) // 4)
    assert sim.world.history.recent(BOT) == whole


# -- the answers, as the per-row look-ups gave them ----------------------------------------


def recent_one_by_one(world: World, self_id: int) -> list[RecentChat]:
    """``History.recent`` as it was: a query per chat, a look-up per peer."""
    history, newest = world.history, []
    for group_id in world.groups.ids_of_user(self_id):
        page = history.page(self_id, ChatRef("group", group_id), anchor=None, count=1,
                            older=False)
        newest += page
    mine = world.messages.select(
        "chat_type = 'private' AND NOT recalled AND (sender_id = ? OR peer_id = ?)",
        (self_id, self_id))
    last: dict[ChatRef, Any] = {}
    for message in mine:
        row_id = int(history.nt_msg_id(message.message_id)) - NT_MSG_ID_BASE
        chat = ChatRef.of(message, self_id)
        if chat not in last or last[chat][0] < row_id:
            last[chat] = (row_id, message)
    newest += [message for _, message in last.values()]
    friends = {f.friend_id: f.remark for f in world.accounts.friends_of(self_id)}
    chats = []
    for message in newest:
        nt_msg_id = history.nt_msg_id(message.message_id)
        chat = ChatRef.of(message, self_id)
        if chat.chat_type == "group":
            name, remark = world.groups.get(chat.peer_id).name, None
        else:
            name, remark = world.accounts.get(chat.peer_id).nickname, friends.get(chat.peer_id)
        chats.append(RecentChat(chat, world.messages.get(message.message_id), nt_msg_id,
                                name, remark))
    chats.sort(key=lambda c: (c.message.time, int(c.nt_msg_id)), reverse=True)
    return chats


def test_recent_chats_are_the_ones_read_chat_by_chat(sim: Simulator) -> None:
    expected = recent_one_by_one(sim.world, BOT)
    assert {c.chat.chat_type for c in expected} == {"group", "private"}
    assert any(c.friend_remark for c in expected)
    assert sim.world.history.recent(BOT) == expected
    assert sim.world.history.recent(BOT, 5) == expected[:5]
    assert sim.world.history.recent(BOT, -1) == []


def test_recent_contacts_answer_as_before(sim: Simulator) -> None:
    expected = recent_one_by_one(sim.world, BOT)
    contacts = sim.link(BOT).call("get_recent_contact", {"count": 1000})["data"]
    assert [c["msgId"] for c in contacts] == [c.nt_msg_id for c in expected]
    for contact, chat in zip(contacts, expected, strict=True):
        friend = sim.world.accounts.is_friend(BOT, chat.chat.peer_id)
        kind = 2 if chat.chat.chat_type == "group" else 1 if friend else 100
        assert (contact["peerUin"], contact["chatType"], contact["peerName"],
                contact["remark"]) == (str(chat.chat.peer_id), kind, chat.peer_name,
                                       chat.friend_remark or "")
        got = sim.link(BOT).call("get_msg", {"message_id": chat.message.message_id})["data"]
        got.pop("emoji_likes_list")
        assert contact["lastestMsg"] == got


def test_group_list_answers_as_before(sim: Simulator) -> None:
    world = sim.world
    expected = [group_info(world.groups.get(g), world.group_extras.remark(BOT, g))
                for g in world.groups.ids_of_user(BOT)]
    assert any(g["group_remark"] for g in expected)
    assert sim.link(BOT).call("get_group_list", {})["data"] == expected


def markers(sim: Simulator) -> list[tuple[Any, ...]]:
    return sim.world.core.conn.execute("SELECT * FROM read_marker ORDER BY 1, 2, 3").fetchall()


def test_mark_all_read_leaves_what_marking_each_chat_left() -> None:
    at_once, one_by_one = lived_world(12), lived_world(12)
    try:
        chats = [c.chat for c in recent_one_by_one(one_by_one.world, BOT)]
        for chat in chats:
            one_by_one.world.reads.mark_read(BOT, chat)
        assert at_once.world.reads.mark_all_read(BOT) == len(chats)
        assert markers(at_once) == markers(one_by_one)
        assert len(markers(at_once)) == len(chats)
    finally:
        at_once.close()
        one_by_one.close()


# -- the ORM's rows and the plain SQL ------------------------------------------------------


def test_changes_the_orm_has_not_written_yet_are_read(sim: Simulator) -> None:
    world = sim.world
    group_id = world.groups.ids_of_user(BOT)[-1]
    world.groups.row(group_id).name = "未写入"  # dirty, not flushed
    assert world.groups.of_user(BOT)[-1].name == "未写入"
    [chat] = [c for c in world.history.recent(BOT) if c.chat == ChatRef("group", group_id)]
    assert (chat.peer_name, chat.message.group_name) == ("未写入", "未写入")


def test_mark_all_read_keeps_the_sessions_markers_current(sim: Simulator) -> None:
    world, session = sim.world, sim.world.core.session
    ids = world.groups.ids_of_user(BOT)
    held = session.get(ReadMarkerRow, (BOT, "group", ids[5]))  # loaded, and kept alive
    dirty = session.get(ReadMarkerRow, (BOT, "group", ids[7]))
    assert held is not None and dirty is not None
    dirty.seq = 10**6  # changed, not flushed: no marker moves back
    world.reads.mark_all_read(BOT)
    latest = world.history.latest_seq(BOT, ChatRef("group", ids[5]))
    assert (held.seq, held.time) == (latest, sim.world.now())
    assert world.reads.read_seq(BOT, ChatRef("group", ids[5])) == latest
    assert world.reads.read_seq(BOT, ChatRef("group", ids[7])) == 10**6
    assert not session.dirty
    stored = dict(((p, s) for _, _, p, s, _ in markers(sim)))
    assert (stored[ids[5]], stored[ids[7]]) == (latest, 10**6)


def essence_lookup_statements(groups: int) -> int:
    """Statements ``delete_essence_msg`` runs for an id that is no message's: it looks
    for an essence whose synthetic id that is, in every group of the bot."""
    sim = lived_world(groups)
    seen: list[str] = []
    sim.world.core.conn.set_trace_callback(seen.append)
    try:
        answer = sim.link(BOT).call("delete_essence_msg", {"message_id": 777})
    finally:
        sim.world.core.conn.set_trace_callback(None)
        sim.close()
    assert answer["message"] == "消息不存在", answer
    return len(seen)


def test_an_essence_is_looked_for_in_all_the_bots_groups_at_once() -> None:
    assert essence_lookup_statements(10) == essence_lookup_statements(40)
