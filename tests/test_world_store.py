"""The world's store: a saved world reopens and goes on, one server per file, nothing
acknowledged is lost to SIGKILL, a failed write never poisons the world, and history
pages are read from an index."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio
from conftest import ADMIN_GROUP, BOT
from trio_websocket import ConnectionClosed, open_websocket_url

from simulator import Simulator, SimulatorConfig
from simulator.cli import main
from simulator.clock import ManualClock, SystemClock
from simulator.errors import ConfigError, StoreFailed
from simulator.world import build_world, load_spec

TEXT = [{"type": "text", "data": {"text": "hello"}}]


def _open(path: Path, clock: Any = None) -> Simulator:
    return Simulator(SimulatorConfig(db_path=str(path), control_port=None), clock=clock)


def _send(sim: Simulator, text: str) -> int:
    reply = sim.link(BOT).call("send_group_msg", {"group_id": ADMIN_GROUP, "message": text})
    assert reply["status"] == "ok", reply
    return int(reply["data"]["message_id"])


# -- reopening ---------------------------------------------------------------------


def test_a_saved_world_reopens_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    sim = _open(path, ManualClock())
    first = [_send(sim, f"before {i}") for i in range(3)]
    bot = sim.link(BOT)
    bot.call("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20003, "duration": 600})
    bot.call("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20003, "card": "改过的"})
    sim.advance(100)
    stopped_at = sim.world.now()
    seqs = [m.seq for m in sim.history(group_id=ADMIN_GROUP)]
    sim.close()

    again = _open(path, ManualClock())
    try:
        assert again.world.restored
        assert again.world.now() == stopped_at  # the clock resumes where it stood
        assert [m.message_id for m in again.history(group_id=ADMIN_GROUP)] == first
        member = again.world.groups.member(ADMIN_GROUP, 20003)
        assert (member.card, member.mute_until) == ("改过的", stopped_at - 100 + 600)
        new_id = _send(again, "after")
        assert new_id not in first
        history = again.history(group_id=ADMIN_GROUP)
        assert [m.seq for m in history] == [*seqs, seqs[-1] + 1]  # seqs keep counting
        got = again.link(BOT).call("get_msg", {"message_id": first[0]})
        assert got["data"]["raw_message"] == "before 0"
    finally:
        again.close()


def test_a_real_time_world_keeps_how_far_it_was_advanced(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    sim = _open(path, SystemClock())
    sim.advance(86400)
    sim.close()
    again = _open(path, SystemClock())
    try:
        clock = again.world.clock
        assert isinstance(clock, SystemClock) and clock.offset == 86400
    finally:
        again.close()


def test_a_second_server_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    sim = _open(path)
    try:
        with pytest.raises(ConfigError, match=re.escape(str(path))):
            _open(path)
    finally:
        sim.close()
    _open(path).close()  # the lock went with the first server


def test_the_cli_names_the_locked_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.db"
    sim = _open(path)
    try:
        code = main(["run", "--db", str(path), "--http-port", "0", "--ws-port", "0",
                     "--control-port", "-1", "-q"])
    finally:
        sim.close()
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err


def test_a_file_that_is_not_a_world_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database at all, just some text " * 20)
    with pytest.raises(ConfigError, match="not a qqsim world file"):
        _open(path)


# -- a failed write ------------------------------------------------------------------


def test_a_failed_write_is_rolled_back_and_the_next_action_works(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    before = world.messages.group_history(ADMIN_GROUP)
    card = world.groups.member(ADMIN_GROUP, 20003).card
    with pytest.raises(StoreFailed):
        world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "bad \ud800")
    with pytest.raises(StoreFailed):
        world.groups.set_card(BOT, ADMIN_GROUP, 20003, "bad \udfff")
    assert world.messages.group_history(ADMIN_GROUP) == before
    assert world.groups.member(ADMIN_GROUP, 20003).card == card
    message = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "fine")
    assert message.seq == 1 and world.messages.get(message.message_id).raw_message == "fine"
    world.groups.set_card(BOT, ADMIN_GROUP, 20003, "好")
    assert world.groups.member(ADMIN_GROUP, 20003).card == "好"
    world.close()


# -- paging plans ----------------------------------------------------------------------


def _plans(sim: Simulator, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The query plan of every SELECT on ``message`` the calls made."""
    conn = sim.world.core.conn
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        for action, params in calls:
            assert sim.link(BOT).call(action, params)["status"] == "ok"
    finally:
        conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")
               and " message" in s]
    assert selects, statements
    return [" | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {s}"))
            for s in selects]


def test_history_pages_read_an_index_without_sorting(sim: Simulator) -> None:
    for i in range(30):
        _send(sim, f"m{i}")
        sim.person(20001).send_private_msg(BOT, f"p{i}")
    anchor = sim.history(group_id=ADMIN_GROUP)[10].message_id
    plans = _plans(sim, [
        ("get_group_msg_history", {"group_id": ADMIN_GROUP, "count": 20}),
        ("get_group_msg_history", {"group_id": ADMIN_GROUP, "message_seq": anchor,
                                   "count": 5}),
        ("get_group_msg_history", {"group_id": ADMIN_GROUP, "message_seq": anchor,
                                   "count": 5, "reverseOrder": True}),
        ("get_friend_msg_history", {"user_id": 20001, "count": 20}),
    ])
    for plan in plans:
        assert "TEMP B-TREE" not in plan, plan
        assert "SCAN message" not in plan.replace("USING INDEX", "USING INDEX"), plan


def test_indexes_an_older_file_held_are_replaced_on_open(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    build_world(load_spec(), db_path=str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX ix_message_sender ON message (sender_id)")  # an older schema
    conn.commit()
    conn.close()
    world = build_world(load_spec(), db_path=str(path))
    names = {row[0] for row in world.core.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    world.close()
    assert "ix_message_sender" not in names and "ix_message_private_sender" in names


def test_recent_contacts_search_the_private_chat_indexes(sim: Simulator) -> None:
    for i in range(5):
        _send(sim, f"m{i}")
        sim.person(20001).send_private_msg(BOT, f"p{i}")
    [plan] = [p for p in _plans(sim, [("get_recent_contact", {"count": 10})])
              if "ix_message_private" in p]
    assert "ix_message_private_sender" in plan and "ix_message_private_peer" in plan, plan
    assert "SCAN message" not in plan, plan


# -- SIGKILL -------------------------------------------------------------------------


def _start_server(path: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", "--db", str(path), "--http-port", "0",
         "--ws-port", "0", "--control-port", "-1", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"(ws://127\.0\.0\.1:\d+)", line)
        if found:
            return process, found.group(1)
    raise AssertionError(f"qqsim did not start: {process.stderr.read() if process.stderr else ''}")


async def _burst_then_kill(url: str, process: subprocess.Popen[str], total: int,
                           kill_after: int) -> list[int]:
    """Pipeline ``total`` sends; SIGKILL the server once ``kill_after`` were answered."""
    acknowledged: list[int] = []
    async with open_websocket_url(url + "/api") as ws:
        for echo in range(total):
            await ws.send_message(json.dumps({
                "action": "send_group_msg", "echo": echo,
                "params": {"group_id": ADMIN_GROUP, "message": f"burst {echo}"}}))
        while len(acknowledged) < kill_after:
            reply = json.loads(await ws.get_message())
            assert reply["status"] == "ok", reply
            acknowledged.append(reply["data"]["message_id"])
        os.kill(process.pid, signal.SIGKILL)
        with trio.move_on_after(5):  # answers already on their way still count
            try:
                while True:
                    reply = json.loads(await ws.get_message())
                    acknowledged.append(reply["data"]["message_id"])
            except ConnectionClosed:
                pass
    return acknowledged


@pytest.mark.slow
def test_every_acknowledged_message_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    process, url = _start_server(path)
    try:
        acknowledged = trio.run(_burst_then_kill, url, process, 400, 150)
    finally:
        process.kill()
        process.wait()
    assert len(acknowledged) >= 150
    sim = _open(path)  # the killed server's lock is gone with it
    try:
        for message_id in acknowledged:
            reply = sim.link(BOT).call("get_msg", {"message_id": message_id})
            assert reply["status"] == "ok", (message_id, reply)
        seqs = [m.seq for m in sim.history(group_id=ADMIN_GROUP)]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        sim.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_colliding_short_id_is_salted(clock: ManualClock, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    from simulator.world import messages

    world = build_world(load_spec(), clock=clock)
    first = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "first")
    unsalted = messages.short_message_id
    monkeypatch.setattr(messages, "short_message_id",
                        lambda nt, kind, peer, salt=0: first.message_id if salt == 0
                        else unsalted(nt, kind, peer, salt))
    second = world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "second")
    assert second.message_id != first.message_id
    assert world.messages.get(second.message_id).raw_message == "second"
    assert world.messages.get(first.message_id).raw_message == "first"
    world.close()
