"""Generated worlds (issue 10): drawn straight into SQLite, reproducible, with a history
that is exactly what sending those messages would have stored."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from typing import Any

import pytest

from simulator import SimulatorConfig
from simulator.app import Simulator
from simulator.cli import main
from simulator.clock import ManualClock
from simulator.world import World, build_world, generate_spec, generated_world
from simulator.world.generate import GeneratedSpec, Phase, populate_world

BOT = 10001
TABLES = ("account", "friendship", "qgroup", "member", "message")


def rows(world: World, table: str) -> list[tuple[Any, ...]]:
    conn = world.core.conn
    return list(conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"))


def digest(world: World, tables: tuple[str, ...] = TABLES) -> str:
    """One hash over every row of ``tables``: equal digests, equal worlds."""
    md5 = hashlib.md5()
    for table in tables:
        for row in rows(world, table):
            md5.update(repr(row).encode())
    return md5.hexdigest()


def built(spec: Any) -> World:
    return build_world(spec, clock=ManualClock())


# -- the same seed, the same world ---------------------------------------------------------


def test_same_seed_same_world_and_history() -> None:
    spec = generated_world(7, people=80, groups=6, group_size=12, messages=600)
    assert digest(built(spec)) == digest(built(spec))
    other = generated_world(8, people=80, groups=6, group_size=12, messages=600)
    assert digest(built(spec)) != digest(built(other))


def test_spec_path_and_direct_path_store_the_same_rows() -> None:
    # ``qqsim seed --generate`` prints what ``qqsim run --generate`` serves.
    arguments: dict[str, Any] = {"people": 40, "groups": 4, "group_size": 9, "bots": 2}
    through_orm = built(generate_spec(3, **arguments))
    direct = built(generated_world(3, **arguments))
    tables = ("account", "friendship", "qgroup", "member")
    assert [len(rows(direct, t)) for t in tables] == [len(rows(through_orm, t)) for t in tables]
    assert digest(through_orm, tables) == digest(direct, tables)


def test_generated_spec_lists_only_its_bots() -> None:
    spec = generated_world(5, people=10, groups=1, bots=2)
    assert isinstance(spec, GeneratedSpec)
    assert [a.user_id for a in spec.accounts] == [10001, 10002]
    assert all(a.bot for a in spec.accounts)
    world = built(spec)
    assert len(world.accounts.all()) == 12
    assert [a.nickname for a in world.accounts.bots()] == [a.nickname for a in spec.accounts]


def test_groups_fit_their_size_tier_and_have_one_owner() -> None:
    world = built(generated_world(2, people=600, groups=2, group_size=450))
    for group in world.groups.all():
        members = world.groups.members(group.group_id)
        assert group.member_count == len(members) == 451
        assert group.max_member_count == 500
        assert [m.role for m in members].count("owner") == 1
        assert world.groups.member(group.group_id, BOT).role == "admin"


def test_impossible_worlds_are_refused() -> None:
    with pytest.raises(ValueError):
        generated_world(1, people=0, groups=1)
    with pytest.raises(ValueError):
        generated_world(1, messages=-1)
    with pytest.raises(ValueError, match="history"):
        generate_spec(1, messages=10)
    with pytest.raises(ValueError, match="locale"):
        generated_world(1, locale="xx_XX")


def test_progress_names_each_phase() -> None:
    phases: list[Phase] = []
    world = World(clock=ManualClock())
    populate_world(world, generated_world(4, people=30, groups=3, messages=50), phases.append)
    assert [p.name for p in phases] == ["drawing", "accounts", "friendships", "groups",
                                        "memberships", "messages"]
    assert phases[1].rows == 31 and phases[-1].rows == 50


# -- the history ----------------------------------------------------------------------------


def test_history_follows_the_rules_of_sending() -> None:
    world = built(generated_world(11, people=200, groups=8, group_size=30, messages=3000))
    messages = rows(world, "message")
    assert [m[0] for m in messages] == list(range(1, 3001))  # row ids count from 1
    columns = [c[1] for c in world.core.conn.execute("PRAGMA table_info(message)")]
    as_dicts = [dict(zip(columns, m, strict=True)) for m in messages]
    assert len({m["message_id"] for m in as_dicts}) == 3000
    assert all(0 < m["message_id"] < 2**31 for m in as_dicts)
    times = [m["time"] for m in as_dicts]
    assert times == sorted(times) and times[-1] == world.now()
    seqs: dict[int, list[int]] = defaultdict(list)
    members = {(m[0], m[1]) for m in rows(world, "member")}
    friends = {(f[0], f[1]) for f in rows(world, "friendship")}
    kinds: set[str] = set()
    for m in as_dicts:
        seqs[m["chat"]].append(m["seq"])
        kinds.update(s["type"] for s in json.loads(m["segments_json"]))
        if m["chat_type"] == "group":
            assert (m["group_id"], m["sender_id"]) in members
        else:
            assert (m["sender_id"], m["peer_id"]) in friends
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values())
    assert {"group", "private"} == {m["chat_type"] for m in as_dicts}
    assert {"text", "at", "face"} <= kinds


def test_history_fill_keeps_every_index_of_the_message_table() -> None:
    def indexes(world: World) -> list[tuple[Any, ...]]:
        return list(world.core.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message' "
            "ORDER BY name"))

    empty, filled = built(generated_world(1, people=20)), built(
        generated_world(1, people=20, messages=200))
    assert indexes(filled) == indexes(empty) and len(indexes(empty)) >= 2
    assert filled.core.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _sent_form(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a client would have sent to get these stored segments."""
    sent = []
    for segment in segments:
        data = segment["data"]
        if segment["type"] == "face":
            data = {"id": data["id"]}
        sent.append({"type": segment["type"], "data": data})
    return sent


def test_history_is_what_sending_it_would_have_stored() -> None:
    arguments: dict[str, Any] = {"people": 60, "groups": 4, "group_size": 15}
    filled = built(generated_world(9, messages=400, **arguments))
    history = rows(filled, "message")
    columns = [c[1] for c in filled.core.conn.execute("PRAGMA table_info(message)")]
    clock = ManualClock(start=history[0][columns.index("time")])
    sim = Simulator(SimulatorConfig(bots={}, control_port=None),
                    spec=generated_world(9, **arguments), clock=clock)
    for row in history:
        message = dict(zip(columns, row, strict=True))
        clock.advance(message["time"] - clock.now())
        person = sim.person(message["sender_id"])
        sent = _sent_form(json.loads(message["segments_json"]))
        if message["chat_type"] == "group":
            person.send_group_msg(message["group_id"], sent)
        else:
            person.send_private_msg(message["peer_id"], sent)
    assert rows(sim.world, "message") == history
    last_sent = [(m[0], m[1], m[6]) for m in rows(filled, "member")]
    assert [(m[0], m[1], m[6]) for m in rows(sim.world, "member")] == last_sent
    sim.close()


# -- served through OneBot ------------------------------------------------------------------


def test_generated_world_serves_member_lists_and_history() -> None:
    spec = generated_world(12, people=300, groups=3, group_size=120, messages=2000)
    sim = Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec, clock=ManualClock())
    link = sim.link(BOT)
    listed = link.call("get_group_member_list", {"group_id": 100001})
    assert listed["status"] == "ok" and len(listed["data"]) == 121
    counts = dict(sim.world.core.conn.execute(
        "SELECT group_id, COUNT(*) FROM message WHERE chat_type = 'group' GROUP BY group_id"))
    busiest = max(counts, key=lambda g: counts[g])
    page = link.call("get_group_msg_history", {"group_id": busiest, "count": 20})
    assert page["status"] == "ok"
    newest = sim.world.messages.group_history(busiest)[-20:]
    assert [m["message_id"] for m in page["data"]["messages"]] == [
        m.message_id for m in newest]
    older = link.call("get_group_msg_history", {
        "group_id": busiest, "count": 5, "reverseOrder": True,
        "message_seq": str(page["data"]["messages"][0]["message_id"])})
    assert older["data"]["messages"][-1] == page["data"]["messages"][0]
    sent = link.call("send_group_msg", {"group_id": busiest, "message": "after the fill"})
    assert sent["status"] == "ok"
    assert sim.world.messages.get(sent["data"]["message_id"]).seq == counts[busiest] + 1
    sim.close()


def test_a_generated_world_in_a_file(tmp_path: Any) -> None:
    path = tmp_path / "world.db"
    world = build_world(generated_world(6, people=50, groups=2, messages=100),
                        db_path=str(path))
    expected = digest(world)
    world.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 100
    reopened = build_world(generated_world(6, people=50, groups=2, messages=100),
                           db_path=str(path))
    assert reopened.restored and digest(reopened) == expected
    reopened.close()


# -- the command line -------------------------------------------------------------------------


def test_qqsim_seed_generate_prints_the_world(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--generate", "7", "--people", "5", "--groups", "1",
                 "--group-size", "3"]) == 0
    printed = capsys.readouterr().out
    assert "generated-7" in printed and "100001" in printed


def test_qqsim_seed_refuses_a_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--generate", "7", "--messages", "10"]) == 2
    assert "history" in capsys.readouterr().err


def test_qqsim_refuses_impossible_generation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--generate", "7", "--people", "0", "--groups", "1"]) == 2
    assert "people" in capsys.readouterr().err
