"""Records a transport's call defers (``RecordLog.defer``) read back as if kept at once."""

from __future__ import annotations

from typing import Any

from conftest import ADMIN_GROUP, BOT

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.recording import PENDING_MAX, RecordLog
from simulator.transcript import Entry, to_jsonl


def _same(value: Any) -> Any:
    return value


def test_deferred_records_keep_their_place_among_appended_ones() -> None:
    log: RecordLog[Any] = RecordLog(_same, _same)
    log.append("a")
    log.defer("b")
    log.defer_call(log.append, "c")  # a deferred call appends by itself
    assert log.position == 3 and len(log) == 3  # reading settles what waits
    log.defer("d")
    log.append("e")  # an append comes after what was deferred before it
    assert list(log) == ["a", "b", "c", "d", "e"]


def test_deferred_records_are_kept_when_enough_wait() -> None:
    log: RecordLog[Any] = RecordLog(_same, _same)
    for n in range(PENDING_MAX):
        log.defer(n)
    assert not log._pending  # kept without anyone reading
    assert log[-1] == PENDING_MAX - 1


def _sim() -> Simulator:
    return Simulator(SimulatorConfig(control_port=None), clock=ManualClock())


def _calls(sim: Simulator, *, transport: bool) -> None:
    link = sim.link(BOT)
    for n in range(PENDING_MAX + 5):  # some kept when enough wait, the rest when read
        params = {"group_id": ADMIN_GROUP, "message": f"hello {n}"}
        if transport:
            link.handle_now("send_group_msg", params, str(n))
        else:
            link.call("send_group_msg", params, str(n))
        sim.transcript.add("note", text=f"after {n}")
    link.call("no_such_action", {})


def _actions(sim: Simulator) -> list[tuple[Any, ...]]:
    return [(r.action, r.params, r.response, r.seq, r.time) for r in sim.actions]


def test_a_transports_calls_read_back_as_in_process_calls() -> None:
    deferred, direct = _sim(), _sim()
    _calls(deferred, transport=True)
    _calls(direct, transport=False)
    assert to_jsonl(deferred.transcript.entries) == to_jsonl(direct.transcript.entries)
    assert _actions(deferred) == _actions(direct)
    kinds = [e["kind"] for e in deferred.transcript.since(0)[:4]]
    assert kinds == ["world", "action", "note", "world"]


def test_a_listener_hears_only_what_comes_after_it() -> None:
    sim = _sim()
    link = sim.link(BOT)
    link.handle_now("send_group_msg", {"group_id": ADMIN_GROUP, "message": "before"}, "1")
    heard: list[Entry] = []
    sim.transcript.add_listener(heard.append)
    link.handle_now("send_group_msg", {"group_id": ADMIN_GROUP, "message": "after"}, "2")
    assert [e["kind"] for e in heard] == ["world", "action"]
    assert heard[-1]["params"]["message"] == "after"
    assert [e["n"] for e in heard] == [3, 4]
