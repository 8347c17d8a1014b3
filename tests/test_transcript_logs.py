"""The transcript keeps calls and frames once, in the call and frame logs, and reads its
entries from the three logs merged by ``n``."""

from __future__ import annotations

from typing import Any

from conftest import ADMIN_GROUP, BOT

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.recording import BLOCK_RECORDS, RecordLog
from simulator.traffic import ActionRecord, FrameRecord, action_of, action_plain
from simulator.transcript import Entry, Transcript, to_jsonl


def _call(transcript: Transcript, text: str, *, lazy: bool = False) -> None:
    record = ActionRecord(BOT, "ws", "send_group_msg", {"message": text}, {"status": "ok"},
                          1.0, 100, 0, None, transcript.claim())
    transcript.action(record, lazy)


def _frame(transcript: Transcript, text: str, *, lazy: bool = False) -> None:
    record = FrameRecord(BOT, "ws", {"post_type": "message", "raw_message": text}, 100, 0,
                         transcript.claim())
    transcript.frame(record, lazy)


def _mixed(transcript: Transcript) -> None:
    transcript.add("note", text="one")
    _call(transcript, "two")
    _frame(transcript, "three", lazy=True)
    transcript.add("note", text="four")
    _call(transcript, "five", lazy=True)
    _frame(transcript, "six")


def test_entries_of_every_log_read_back_in_their_order() -> None:
    transcript = Transcript(lambda: 100)
    _mixed(transcript)
    entries = list(transcript.entries)
    assert [e["n"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert [e["kind"] for e in entries] == ["note", "action", "event", "note", "action",
                                            "event"]
    assert entries[1] == {"n": 2, "time": 100, "kind": "action", "bot": BOT, "conn": "ws",
                          "action": "send_group_msg", "params": {"message": "two"},
                          "response": {"status": "ok"}}
    assert entries[2] == {"n": 3, "time": 100, "kind": "event", "bot": BOT, "conn": "ws",
                          "event": {"post_type": "message", "raw_message": "three"}}
    # Calls and frames are kept once: in the call and frame logs, with their entry's n.
    assert [r.entry for r in transcript.calls] == [2, 5]
    assert [r.entry for r in transcript.frames] == [3, 6]
    assert len(transcript.entries) == 6 and transcript.last == 6
    assert [e["n"] for e in transcript.since(3)] == [4, 5, 6]
    assert [e["n"] for e in transcript.around(4, before=1, after=1)] == [3, 4, 5]
    assert transcript.entries[-1]["n"] == 6
    assert [e["n"] for e in transcript.entries[1:3]] == [2, 3]


def test_a_listener_hears_calls_and_frames_as_kept() -> None:
    transcript = Transcript(lambda: 100)
    heard: list[Entry] = []
    transcript.add_listener(heard.append)
    _mixed(transcript)
    record = ActionRecord(BOT, "ws", "x", {"clock": ManualClock()}, {}, 1.0, 100, 0, None,
                          transcript.claim())
    transcript.action(record, lazy=True)  # a listener hears it at once all the same
    assert [e["n"] for e in heard] == [1, 2, 3, 4, 5, 6, 7]
    # What marshal refuses is heard converted, as it is kept (``recording.plain``).
    assert str(heard[-1]["params"]["clock"]).startswith("<simulator.clock.ManualClock")
    assert to_jsonl(heard) == to_jsonl(transcript.entries)


def test_each_log_evicts_on_its_own_and_the_rest_reads_in_order() -> None:
    """Calls kept within a small budget go before older notes; what is left merges."""
    calls: RecordLog[ActionRecord] = RecordLog(action_plain, action_of, budget=16 * 1024)
    transcript = Transcript(lambda: 100, calls=calls)
    for n in range(300):
        transcript.add("note", text=f"note {n}")
        _call(transcript, f"call {n} " + "x" * 300, lazy=n % 2 == 0)
    assert calls.evicted > 0 and transcript.entries.evicted == 0
    entries = list(transcript.entries)
    numbers = [e["n"] for e in entries]
    assert numbers == sorted(numbers) and len(entries) == len(transcript.entries)
    assert [e["kind"] for e in entries].count("note") == 300
    oldest_call = next(e for e in entries if e["kind"] == "action")
    assert oldest_call["n"] > 2 * calls.evicted  # the older calls are gone, not the notes
    assert oldest_call["params"]["message"].startswith(f"call {calls.evicted} ")
    mark = oldest_call["n"] - 10  # a mark among evicted calls
    assert transcript.since(mark) == [e for e in entries if e["n"] > mark]


def test_clear_forgets_the_calls_and_frames_too() -> None:
    transcript = Transcript(lambda: 100)
    _mixed(transcript)
    transcript.clear()
    assert (len(transcript.entries), len(transcript.calls), len(transcript.frames)) == (
        0, 0, 0)
    _call(transcript, "again")
    assert [e["n"] for e in transcript.entries] == [1]


def test_a_simulators_transcript_reads_its_calls_from_its_action_log() -> None:
    sim = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    link = sim.link(BOT)
    for n in range(3):
        link.handle_now("send_group_msg", {"group_id": ADMIN_GROUP, "message": f"hi {n}"}, n)
    assert sim.transcript.calls is sim.actions and sim.transcript.frames is sim.frames
    actions = [e for e in sim.transcript.entries if e["kind"] == "action"]
    assert [e["n"] for e in actions] == [r.entry for r in sim.actions] == [2, 4, 6]
    assert [e["params"]["message"] for e in actions] == ["hi 0", "hi 1", "hi 2"]
    sim.reset()
    assert (len(sim.actions), len(sim.transcript.entries), sim.transcript.last) == (0, 0, 0)


# -- reading a log by an order key ---------------------------------------------------


def _numbered(count: int) -> RecordLog[Any]:
    log: RecordLog[Any] = RecordLog(lambda r: r, lambda p: p)
    for n in range(1, count + 1):
        log.append({"n": 2 * n})  # gaps, as a log holding one kind of entry has
    return log


def _n(plain: Any) -> int:
    value: int = plain["n"]
    return value


def test_plain_after_reads_the_records_over_a_mark() -> None:
    log = _numbered(10 * BLOCK_RECORDS)
    top = 20 * BLOCK_RECORDS
    for mark in (0, 1, 2, 2 * BLOCK_RECORDS - 1, 2 * BLOCK_RECORDS, 2 * BLOCK_RECORDS + 1,
                 top - 2 * BLOCK_RECORDS - 3, top - 3, top - 2, top, top + 5):
        assert [r["n"] for r in log.plain_after(mark, _n)] == list(
            range(2 * (mark // 2) + 2, top + 1, 2)), mark


def test_plain_after_skips_older_blocks_undecoded() -> None:
    log = _numbered(40 * BLOCK_RECORDS)
    assert len(log.plain_after(80 * BLOCK_RECORDS - 4, _n)) == 2
    blocks = log._sealed
    looked_at = [block for block in blocks if block.last is not None]
    assert len(blocks) > 30 and len(looked_at) <= 7  # a bisection's few, not every block
