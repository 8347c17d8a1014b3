"""An in-memory world queues the INSERTs of sends and runs them in batches: nothing that
reads or copies the world can tell (every statement runs the queue first), a rollback
keeps the sends it did not make, and a short id is never given twice."""

from __future__ import annotations

import gc
import sqlite3
import weakref
from pathlib import Path

import pytest
from conftest import ADMIN_GROUP, BOT
from sqlmodel import func, select

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.errors import StoreFailed
from simulator.world import build_world, load_spec
from simulator.world import short_ids as short_ids_module
from simulator.world.core import QUEUE_MAX
from simulator.world.short_ids import ShortIds
from simulator.world.tables import MessageRow

TEXT = [{"type": "text", "data": {"text": "hello"}}]


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM message").fetchone()[0])


def _traced_inserts(conn: sqlite3.Connection, run: object) -> list[str]:
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        run()  # type: ignore[operator]
    finally:
        conn.set_trace_callback(None)
    return statements


def test_a_send_is_answered_before_its_insert_runs(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    conn = world.core.conn
    # The first may run at once: ORM changes left from building go in one commit with it.
    world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "first")
    traced = _traced_inserts(
        conn, lambda: world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "queued"))
    assert not [s for s in traced if s.startswith("INSERT INTO message")]
    # The next statement on the connection runs the queue first.
    traced = [s for s in _traced_inserts(conn, lambda: _count(conn)) if s != "BEGIN "]
    assert traced[0].startswith("INSERT INTO message") and "SELECT COUNT" in traced[-1]
    world.close()


def test_every_reader_sees_queued_sends(clock: ManualClock, tmp_path: Path) -> None:
    world = build_world(load_spec(), clock=clock)
    conn = world.core.conn
    before = _count(conn)

    def send(text: str) -> int:
        return world.messages.post_group(BOT, ADMIN_GROUP, TEXT, text).message_id

    first = send("one")
    assert _count(conn) == before + 1  # plain SQL on the connection
    send("two")
    cursor = conn.cursor()
    assert cursor.execute("SELECT COUNT(*) FROM message").fetchone()[0] == before + 2
    send("three")
    session = world.core.session
    assert session.exec(select(func.count()).select_from(MessageRow)).one() == before + 3
    send("four")
    assert world.messages.get(first).raw_message == "one"  # the world's own reads
    send("five")
    world.core.commit()  # as a snapshot does before its backup: the queue runs first
    assert not conn.queued
    copy = sqlite3.connect(":memory:")
    conn.backup(copy)
    assert _count(copy) == before + 5
    send("six")
    data = conn.serialize()
    loaded = sqlite3.connect(":memory:")
    loaded.deserialize(data)
    assert _count(loaded) == before + 6
    assert [m.raw_message for m in world.messages.group_history(ADMIN_GROUP)][-6:] == [
        "one", "two", "three", "four", "five", "six"]
    world.close()


def test_many_sends_run_in_batches_and_keep_their_order(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    sent = [world.messages.post_group(BOT, ADMIN_GROUP, TEXT, f"m{i}")
            for i in range(QUEUE_MAX * 3 + 5)]
    clock.advance(1)
    history = world.messages.group_history(ADMIN_GROUP)
    assert [m.message_id for m in history] == [m.message_id for m in sent]
    assert [m.seq for m in history] == list(range(1, len(sent) + 1))
    assert len({m.message_id for m in sent}) == len(sent)
    world.close()


def test_a_rollback_keeps_the_sends_it_did_not_make(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    kept = [world.messages.post_group(BOT, ADMIN_GROUP, TEXT, f"kept {i}").message_id
            for i in range(QUEUE_MAX + 3)]  # some run (not committed), some still queued
    with pytest.raises(StoreFailed):
        world.groups.set_card(BOT, ADMIN_GROUP, 20003, "bad \udfff")  # rolled back
    with pytest.raises(StoreFailed):
        world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "bad \ud800")
    after = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "after")
    history = world.messages.group_history(ADMIN_GROUP)
    assert [m.message_id for m in history] == [*kept, after.message_id]
    assert after.seq == len(kept) + 1
    world.close()


def test_a_restored_snapshot_drops_what_was_queued_after_it() -> None:
    sim = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    bot = sim.link(BOT)
    bot.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "before"})
    snapshot = sim.snapshot()
    for i in range(3):
        bot.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": f"after {i}"})
    sim.restore(snapshot)
    assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["before"]
    reply = bot.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "again"})
    assert reply["status"] == "ok"
    assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["before", "again"]
    sim.close()


def test_short_ids_stay_exact_as_the_bitmap_fills(
        clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(short_ids_module, "MIN_BITS", 64)  # a few ids fill it: rebuilt
    world = build_world(load_spec(), clock=clock)
    sent = [world.messages.post_group(BOT, ADMIN_GROUP, TEXT, f"m{i}").message_id
            for i in range(200)]
    assert len(set(sent)) == len(sent)
    conn = world.core.conn
    stored = {row[0] for row in conn.execute("SELECT message_id FROM message")}
    assert stored >= set(sent)
    ids = ShortIds(conn)
    for candidate in [*stored, *range(1, 400)]:  # bits shared by many: the table answers
        assert ids.claim(candidate) == (candidate not in stored), candidate
    world.close()


def test_the_bitmap_of_a_big_world_is_read_a_chunk_per_send_and_exact_meanwhile(
        clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A world of a million messages was read in one step at its first send (0.35 s):
    now a chunk of rows per claim, and until all are read the table answers each claim."""
    monkeypatch.setattr(short_ids_module, "READ_CHUNK", 7)
    world = build_world(load_spec(), clock=clock)
    for i in range(50):
        world.messages.post_group(BOT, ADMIN_GROUP, TEXT, f"m{i}")
    conn = world.core.conn
    stored = [row[0] for row in conn.execute("SELECT message_id FROM message ORDER BY id")]
    ids = ShortIds(conn)
    reads: list[str] = []
    conn.set_trace_callback(lambda sql: reads.append(sql) if "WHERE id >" in sql else None)
    assert not ids.claim(stored[-1])  # its row is not read yet: the table says it is taken
    assert len(reads) == 1
    claims = 1
    while ids._read_to < ids._read_end:
        assert ids.claim(10**9 + claims)  # free ids are given all the same
        claims += 1
    conn.set_trace_callback(None)
    assert claims == -(-len(stored) // 7)  # one chunk per claim
    for candidate in stored:
        assert not ids.claim(candidate)
    assert ids.claim(10**9 - 1)
    world.close()


def test_a_connection_kept_does_not_keep_its_world(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "sent")
    conn = world.core.conn
    core = weakref.ref(world.core)
    world.close()
    del world
    gc.collect()
    assert core() is None  # the connection calls its world's queue writer weakly
    conn.write_queued()  # its world gone: nothing to run, nothing raised


def test_a_queued_send_that_cannot_run_is_logged_and_the_others_kept(
        clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    world = build_world(load_spec(), clock=clock)
    world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "first")  # may run at once
    a = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "a")
    b = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "b")
    conn = world.core.conn
    sql, row = conn.queued[-1][0]
    # Nothing the world queues can fail; a statement that does (a's id again) must not
    # take the sends around it with it.
    conn.queued.insert(len(conn.queued) - 1, [(sql, (row[0] + 100, a.message_id, *row[2:]))])
    with caplog.at_level("ERROR", logger="qqsim.world"):
        history = [m.raw_message for m in world.messages.group_history(ADMIN_GROUP)]
    assert history[-2:] == ["a", "b"] and world.messages.get(b.message_id).raw_message == "b"
    assert "a message sent could not be stored" in caplog.text
    world.close()
