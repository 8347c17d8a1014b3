"""Records a transport's call defers (``RecordLog.defer``) read back as if kept at once."""

from __future__ import annotations

from typing import Any

from conftest import ADMIN_GROUP, BOT, OWNED_GROUP

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


#: Calls whose world changes are of many kinds (mute, card, title, admin, rename, recall,
#: kick, essence, poke, a private send): their entries must read back the same whether the
#: transcript kept them at once or deferred them (``Transcript.world``'s compact form).
VARIED_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("send_group_msg", {"group_id": OWNED_GROUP, "message": "[CQ:at,qq=20007] 你好"}),
    ("set_group_ban", {"group_id": OWNED_GROUP, "user_id": 20007, "duration": 60}),
    ("set_group_card", {"group_id": OWNED_GROUP, "user_id": 20007, "card": "名片"}),
    ("set_group_special_title", {"group_id": OWNED_GROUP, "user_id": 20007,
                                 "special_title": "头衔"}),
    ("set_group_admin", {"group_id": OWNED_GROUP, "user_id": 20007, "enable": False}),
    ("set_group_name", {"group_id": OWNED_GROUP, "group_name": "新群名"}),
    ("send_private_msg", {"user_id": 20001, "message": [{"type": "text",
                                                         "data": {"text": "hi"}}]}),
    ("group_poke", {"group_id": OWNED_GROUP, "user_id": 20007}),
    ("set_group_whole_ban", {"group_id": OWNED_GROUP, "enable": True}),
    ("set_group_kick", {"group_id": OWNED_GROUP, "user_id": 20007}),
]


def _varied(sim: Simulator, *, transport: bool) -> None:
    link = sim.link(BOT)
    for n, (action, params) in enumerate(VARIED_CALLS):
        if transport:
            link.handle_now(action, params, str(n))
        else:
            link.call(action, params, str(n))
    sent = sim.actions[0].response["data"]["message_id"]
    for action in ("set_essence_msg", "delete_msg"):
        if transport:
            link.handle_now(action, {"message_id": sent}, action)
        else:
            link.call(action, {"message_id": sent}, action)


def test_world_changes_of_every_kind_read_back_alike_deferred_or_not() -> None:
    deferred, direct = _sim(), _sim()
    _varied(deferred, transport=True)
    _varied(direct, transport=False)
    entries = deferred.transcript.since(0)
    assert to_jsonl(entries) == to_jsonl(direct.transcript.since(0))
    kinds = {e["type"] for e in entries if e["kind"] == "world"}
    assert len(kinds) >= 10, kinds  # the calls above changed the world in that many ways
    assert all(e["response"]["status"] == "ok" for e in entries if e["kind"] == "action")
