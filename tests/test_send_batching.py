"""An in-memory world's sends share commits (``WorldCore.sending``), and nothing shows it:
a failed write later keeps every message sent before it, snapshots hold them, and a
world in a file still commits each send before it is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN_GROUP, BOT

from simulator import Simulator, SimulatorConfig
from simulator.clock import ManualClock
from simulator.errors import StoreFailed
from simulator.world import World, build_world, load_spec
from simulator.world.core import QUEUE_MAX

TEXT = [{"type": "text", "data": {"text": "hello"}}]


def _post(world: World, raw: str) -> int:
    return world.messages.post_group(BOT, ADMIN_GROUP, TEXT, raw).seq


def _raws(world: World) -> list[str]:
    return [m.raw_message for m in world.messages.group_history(ADMIN_GROUP)]


def test_a_failed_write_keeps_the_messages_sent_before_it(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    assert [_post(world, f"m{n}") for n in range(3)] == [1, 2, 3]
    assert world.core.conn.queued  # they wait to run, then for a commit
    with pytest.raises(StoreFailed):
        world.messages.post_group(BOT, ADMIN_GROUP, TEXT, "bad \ud800")
    with pytest.raises(StoreFailed):
        world.groups.set_card(BOT, ADMIN_GROUP, 20003, "bad \udfff")
    assert _raws(world) == ["m0", "m1", "m2"]
    assert _post(world, "next") == 4
    member = world.groups.member(ADMIN_GROUP, BOT)
    assert member.last_sent_time == world.now()
    world.close()


def test_a_message_committed_meanwhile_is_not_stored_twice(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    _post(world, "a")
    world.core.conn.commit()  # a commit that did not go through WorldCore
    _post(world, "b")
    with pytest.raises(StoreFailed):
        world.groups.set_card(BOT, ADMIN_GROUP, 20003, "bad \udfff")
    assert _raws(world) == ["a", "b"]
    world.close()


def test_sends_are_committed_in_batches(clock: ManualClock) -> None:
    world = build_world(load_spec(), clock=clock)
    uncommitted = []  # per send: whether a transaction is open, or sends wait to run
    for n in range(QUEUE_MAX * 6):
        _post(world, f"m{n}")
        uncommitted.append(world.core.conn.in_transaction or bool(world.core.conn.queued))
    runs = "".join("x" if waiting else "." for waiting in uncommitted).split(".")
    assert len(runs) >= 3  # committed more than once
    assert max(map(len, runs)) <= QUEUE_MAX  # and never later than a batch
    world.close()


def test_a_snapshot_holds_the_messages_not_committed_yet() -> None:
    sim = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    link = sim.link(BOT)
    for text in ("one", "two"):
        link.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": text})
    snap = sim.snapshot()
    link.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "three"})
    sim.restore(snap)
    assert _raws(sim.world)[-2:] == ["one", "two"]
    sim.close()


def test_a_world_in_a_file_commits_each_send(tmp_path: Path) -> None:
    sim = Simulator(SimulatorConfig(db_path=str(tmp_path / "w.db"), control_port=None),
                    clock=ManualClock())
    _post(sim.world, "durable")
    assert not sim.world.core.conn.in_transaction
    sim.close()
