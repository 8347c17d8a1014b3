"""Snapshots of a world: fork it, let the copies diverge, go back; files, the API, the CLI."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import httpx
import pytest
import trio
from conftest import ADMIN_GROUP, BOT

from simulator import (
    ConfigError,
    ManualClock,
    Simulator,
    SimulatorConfig,
    default_onebot_config,
    open_simulator,
)
from simulator.testing import open_qqsim
from simulator.world.snapshot_store import WorldSnapshot

ROOT = Path(__file__).resolve().parents[1]


def dump(sim: Simulator) -> list[str]:
    """Every row of every table, as SQL (what ``restore`` must bring back exactly); the
    world's notes about itself (where its clock stood) aside."""
    return [row for row in sim.world.core.conn.iterdump() if '"world_meta" VALUES' not in row]


def said(sim: Simulator) -> list[tuple[str, int, int]]:
    return [(m.raw_message, m.message_id, m.seq) for m in sim.history(group_id=ADMIN_GROUP)]


def diverge(sim: Simulator, text: str) -> None:
    """Change every kind of state: history, membership, a mute, a card, the clock."""
    bot = sim.link(BOT)
    assert bot.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": text})["status"] == "ok"
    assert bot.call("set_group_kick", {"group_id": ADMIN_GROUP, "user_id": 20003})["status"] == "ok"
    assert bot.call("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20004,
                                      "duration": 600})["status"] == "ok"
    sim.person(20005).send_group_msg(ADMIN_GROUP, f"{text} too")
    sim.advance(3600)


def test_restore_brings_back_state_history_ids_and_the_clock(sim: Simulator) -> None:
    sim.link(BOT).call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "before"})
    before, when = dump(sim), sim.world.now()
    snap = sim.snapshot()
    members = sim.world.groups.members(ADMIN_GROUP)  # cached by the world: must be dropped
    diverge(sim, "after")
    assert len(said(sim)) == 3 and sim.world.now() == when + 3600

    sim.restore(snap)
    assert sim.world.now() == when
    assert dump(sim) == before
    assert sim.world.groups.members(ADMIN_GROUP) == members
    assert [m for m in said(sim)] == said(sim)[:1]
    again = sim.link(BOT).call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "again"})
    assert again["status"] == "ok"
    assert [(text, seq) for text, _, seq in said(sim)] == [("before", 1), ("again", 2)]
    kicked = sim.link(BOT).call("get_group_member_info", {"group_id": ADMIN_GROUP,
                                                          "user_id": 20003})
    assert kicked["status"] == "ok" and kicked["data"]["user_id"] == 20003


def test_a_forked_world_diverges_from_its_original_and_both_go_back(tmp_path: Path) -> None:
    original = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    fork = Simulator(SimulatorConfig(control_port=None), clock=ManualClock(0))
    try:
        original.snapshot().save(tmp_path / "start.qqsnap")
        fork.restore(WorldSnapshot.load(tmp_path / "start.qqsnap"))
        assert dump(fork) == dump(original) and fork.world.now() == original.world.now()

        diverge(original, "left")
        original.snapshot("left")
        fork.person(20003).send_group_msg(ADMIN_GROUP, "right")
        assert [t for t, _, _ in said(original)] == ["left", "left too"]
        assert [t for t, _, _ in said(fork)] == ["right"]

        fork.restore(WorldSnapshot.load(tmp_path / "start.qqsnap"))
        original.restore(WorldSnapshot.load(tmp_path / "start.qqsnap"))
        assert said(fork) == said(original) == []
        original.restore("left")  # a named snapshot, again
        assert [t for t, _, _ in said(original)] == ["left", "left too"]
    finally:
        original.close()
        fork.close()


def test_a_snapshot_outlives_a_reset_and_a_restore_is_in_the_transcript(sim: Simulator) -> None:
    diverge(sim, "kept")
    sim.snapshot("kept")
    sim.reset()
    assert said(sim) == []
    sim.restore("kept")
    assert [t for t, _, _ in said(sim)] == ["kept", "kept too"]
    assert sim.transcript.entries[-1]["kind"] == "snapshot"
    with pytest.raises(ConfigError, match="no snapshot named 'gone' \\(saved: kept\\)"):
        sim.restore("gone")


def test_a_world_in_a_file_is_restored_in_place(tmp_path: Path) -> None:
    config = SimulatorConfig(control_port=None, db_path=str(tmp_path / "world.db"))
    sim = Simulator(config, clock=ManualClock())
    snap = sim.snapshot()
    diverge(sim, "gone")
    sim.restore(snap)
    sim.close()
    again = Simulator(config, clock=ManualClock())
    try:
        assert said(again) == [] and again.world.now() == int(snap.time)
    finally:
        again.close()


def test_a_file_that_is_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "text.qqsnap").write_text("hello", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"text\.qqsnap: not a qqsim snapshot file"):
        WorldSnapshot.load(tmp_path / "text.qqsnap")
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ConfigError, match=r"other\.db: not a qqsim snapshot file"):
        WorldSnapshot.load(tmp_path / "other.db")
    with pytest.raises(ConfigError, match=r"missing\.qqsnap: no such snapshot file"):
        WorldSnapshot.load(tmp_path / "missing.qqsnap")
    with pytest.raises(ConfigError, match="not a qqsim snapshot file"):
        WorldSnapshot.from_bytes(b"x" * 100)


def test_a_snapshot_of_other_tables_is_refused_and_the_world_stays(sim: Simulator) -> None:
    sim.person(20003).send_group_msg(ADMIN_GROUP, "kept")
    snap = sim.snapshot()
    snap.db.execute("DROP TABLE friendship")  # as if another qqsim version had made it
    before = dump(sim)
    with pytest.raises(ConfigError, match="not this qqsim's"):
        sim.restore(snap)
    assert dump(sim) == before


def test_the_fixture_option_starts_a_test_from_a_snapshot_file(tmp_path: Path) -> None:
    with open_qqsim(transports=()) as qq:
        qq.person(20003).send_group_msg(ADMIN_GROUP, "from the snapshot")
        qq.advance(86400)
        path = tmp_path / "day2.qqsnap"
        qq.sim.snapshot().save(path)
        day2 = qq.now()
    for _ in range(2):  # every test starts from the same file, whatever the last one did
        with open_qqsim(transports=(), snapshot=str(path)) as qq:
            assert [m.raw_message for m in qq.history(group_id=ADMIN_GROUP)] == [
                "from the snapshot"]
            assert qq.now() == day2
            qq.person(20003).send_group_msg(ADMIN_GROUP, "this test's own")


def control_config() -> SimulatorConfig:
    return SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                           control_port=0)


@pytest.mark.trio
async def test_the_control_api_saves_lists_downloads_uploads_and_restores() -> None:
    with trio.fail_after(20):
        async with open_simulator(control_config()) as sim, httpx.AsyncClient(
                base_url=sim.url("control")) as client:
            sim.person(20003).send_group_msg(ADMIN_GROUP, "saved")
            assert (await client.post("/api/snapshots", json={"name": "a"})).status_code == 200
            sim.person(20003).send_group_msg(ADMIN_GROUP, "later")
            listing = (await client.get("/api/snapshots")).json()["snapshots"]
            assert [s["name"] for s in listing] == ["a"] and listing[0]["bytes"] > 0
            data = (await client.get("/api/snapshots/a/file")).content
            assert (await client.put("/api/snapshots/b/file", content=data)).status_code == 200
            assert (await client.post("/api/snapshots/b/restore")).status_code == 200
            assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["saved"]

            bad = await client.put("/api/snapshots/c/file", content=b"junk" * 100)
            assert (bad.status_code, bad.json()) == (400, {"error": "not a qqsim snapshot file"})
            missing = await client.post("/api/snapshots/zz/restore")
            assert missing.status_code == 400
            assert "no snapshot named 'zz'" in missing.json()["error"]
            assert (await client.post("/api/snapshots", json={"name": "../x"})).status_code == 400
            coverage = (await client.get("/api/coverage")).json()
            assert coverage["qqsim_coverage"] == 1
            page = await client.get("/api/coverage", params={"format": "html"})
            assert page.headers["content-type"].startswith("text/html")


@pytest.mark.trio
async def test_qqsim_snapshot_save_list_load_against_a_running_qqsim(tmp_path: Path) -> None:
    async def qqsim(*args: str) -> str:
        done = await trio.run_process(
            [sys.executable, "-m", "simulator", "snapshot", *args, "--control", url],
            capture_stdout=True, capture_stderr=True, check=False, cwd=ROOT)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    with trio.fail_after(60):
        async with open_simulator(control_config()) as sim:
            url = sim.url("control")
            sim.person(20003).send_group_msg(ADMIN_GROUP, "first")
            out = await qqsim("save", "one", "--file", str(tmp_path / "one.qqsnap"))
            assert "saved snapshot 'one'" in out and (tmp_path / "one.qqsnap").is_file()
            sim.person(20003).send_group_msg(ADMIN_GROUP, "second")
            assert "one " in await qqsim("list")
            await qqsim("load", "one")
            assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["first"]
            sim.person(20003).send_group_msg(ADMIN_GROUP, "third")
            await qqsim("load", "two", "--file", str(tmp_path / "one.qqsnap"))
            assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["first"]
            failed = await trio.run_process(
                [sys.executable, "-m", "simulator", "snapshot", "load", "nothing", "--control",
                 url], capture_stdout=True, capture_stderr=True, check=False, cwd=ROOT)
            assert failed.returncode == 2
            assert "no snapshot named 'nothing'" in failed.stderr.decode()
