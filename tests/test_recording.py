"""What qqsim keeps of its traffic stays within a byte budget, newest records intact."""

from __future__ import annotations

import random
import tracemalloc
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.onebot.params import ASCII_FRAME_MAX
from simulator.recording import BLOCK_RECORDS, HUGE_STRING, MAX_STRING, RecordLog
from simulator.scenarios.expect import ActionPattern, Expectations
from simulator.transcript import to_jsonl

BUDGET = 1024 * 1024  # bytes for all three recorders: a quarter for actions
LARGE = 20_000


def chat_text(size: int, seed: int) -> str:
    """``size`` characters that do not compress away (a repeated phrase would)."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(size))


@pytest.fixture
def small_sim() -> Simulator:
    return Simulator(SimulatorConfig(control_port=None), clock=ManualClock(),
                     record_budget=BUDGET)


def send(sim: Simulator, text: str) -> None:
    body = sim.link(BOT).call("send_group_msg", {"group_id": ADMIN_GROUP, "message": text})
    assert body["status"] == "ok"


def test_many_large_messages_stay_within_the_budget(small_sim: Simulator) -> None:
    texts = [chat_text(LARGE, n) for n in range(150)]
    for text in texts:
        send(small_sim, text)
        logs = (small_sim.actions, small_sim.frames, small_sim.transcript.entries)
        assert sum(log.nbytes for log in logs) <= BUDGET
    # The oldest went first; the newest calls read back exactly as made.
    assert small_sim.actions.evicted > 0
    newest = list(small_sim.actions)[-2:]
    assert [r.params["message"] for r in newest] == texts[-2:]
    assert small_sim.actions[-1].response["status"] == "ok"
    # History keeps every message whole, whatever the recorders kept.
    assert small_sim.history(group_id=ADMIN_GROUP)[0].raw_message == texts[0]


def test_older_records_are_cut_with_a_marker(small_sim: Simulator) -> None:
    big = chat_text(LARGE, 1)
    send(small_sim, big)
    for n in range(3 * BLOCK_RECORDS):
        send(small_sim, f"small {n}")
    kept = small_sim.actions[0].params["message"]
    assert kept.startswith(big[:MAX_STRING]) and kept.endswith("more chars not kept]")
    assert f"{LARGE - MAX_STRING} more chars" in kept
    assert len(kept) < MAX_STRING + 64
    # Cut entries still write out as JSON lines.
    assert "more chars not kept" in to_jsonl(small_sim.transcript.entries)


def test_a_huge_parameter_is_recorded_cut_and_a_message_at_the_cap_whole() -> None:
    """Past ``HUGE_STRING`` a parameter is cut before it is recorded (marshalling it whole
    held the event loop); up to it, even the newest call reads back exactly."""
    sim = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    heard: list[Any] = []
    sim.add_traffic_listener(heard.append)
    pad = "x" * (HUGE_STRING + 1)
    body = sim.link(BOT).call("get_group_info", {"group_id": ADMIN_GROUP, "pad": [pad]})
    assert body["status"] == "ok"
    recorded = sim.actions[-1].params
    assert recorded["group_id"] == ADMIN_GROUP
    assert recorded["pad"][0].startswith("x" * MAX_STRING)
    assert recorded["pad"][0].endswith(f"…[qqsim: {HUGE_STRING + 1 - MAX_STRING} more chars "
                                       "not kept]")
    assert heard[-1].params == recorded  # traffic listeners hear it cut too
    entry = [e for e in sim.transcript.entries if e["kind"] == "action"][-1]
    assert entry["params"] == recorded
    text = "y" * HUGE_STRING  # within the budget too (a CJK text marshals to 3 MiB)
    send(sim, text)
    assert sim.actions[-1].params["message"] == text


def test_a_frame_short_enough_to_skip_the_huge_string_walk_holds_none() -> None:
    """The socket path records a short ASCII frame's params without looking for huge
    strings (``ascii_frame``): sound only while such a frame cannot hold one."""
    assert ASCII_FRAME_MAX < HUGE_STRING


@pytest.mark.trio
async def test_expectations_match_the_whole_message_after_the_log_cut_it(
        small_sim: Simulator) -> None:
    """Scenario checks see calls as they happen, not the compact copy kept afterwards."""
    big = chat_text(LARGE, 2)
    expect = Expectations(small_sim, bot=BOT, within=0)
    send(small_sim, big)
    for n in range(3 * BLOCK_RECORDS):
        send(small_sim, f"small {n}")
    call = await expect.action(ActionPattern(action=("send_group_msg",),
                                             params={"message": big}))
    assert call.params["message"] == big
    assert all(e.get("params", {}).get("message") != big
               for e in small_sim.transcript.entries if e["kind"] == "action")
    expect.close()


def test_reset_empties_the_recorders(small_sim: Simulator) -> None:
    send(small_sim, "hello")
    small_sim.reset()
    assert (len(small_sim.actions), small_sim.actions.nbytes, small_sim.transcript.last) == (
        0, 0, 0)


# -- the log itself ----------------------------------------------------------------------


def plain_log(budget: int) -> RecordLog[dict[str, object]]:
    return RecordLog(lambda r: r, lambda p: p, budget=budget)


def test_log_evicts_oldest_first_and_reads_like_a_sequence() -> None:
    log = plain_log(64 * 1024)
    for n in range(5000):
        log.append({"n": n, "text": chat_text(40, n)})
        assert log.nbytes <= log.budget
    first = log.first_position
    assert first > 0 and log.evicted == first
    assert [r["n"] for r in log] == list(range(first, 5000))
    assert (log[0]["n"], log[-1]["n"], len(log)) == (first, 4999, 5000 - first)
    assert [r["n"] for r in log.since(4990)] == list(range(4990, 5000))
    assert [r["n"] for r in log[-3:]] == [4997, 4998, 4999]
    with pytest.raises(IndexError):
        log[len(log)]


def test_the_memory_a_log_holds_is_about_what_it_accounts() -> None:
    # The compressor's output once kept its worst-case buffer, ~9x the block it held.
    log = plain_log(16 * 1024 * 1024)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(20 * BLOCK_RECORDS):  # records as alike as chat traffic's
            log.append({"n": n, "text": f"message number {n} " * 8})
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert log.evicted == 0 and held < 2 * log.nbytes, (held, log.nbytes)


def test_a_record_bigger_than_the_budget_is_kept_cut_or_not_at_all() -> None:
    log = plain_log(4096)
    log.append({"text": chat_text(LARGE, 3)})
    assert len(log) == 1 and log.nbytes <= 4096
    assert str(log[-1]["text"]).endswith("more chars not kept]")
    many = plain_log(1024)
    many.append({"items": [chat_text(MAX_STRING, n) for n in range(200)]})
    assert (len(many), many.nbytes, many.evicted) == (0, 0, 1)


def test_records_that_marshal_refuses_are_kept_as_plain_data() -> None:
    log = plain_log(64 * 1024)
    log.append({"clock": ManualClock(), "ids": {3, 1}, "pair": (1, "a"), "odd": "a\ud800"})
    kept = log[-1]
    assert kept["ids"] == [1, 3] and kept["pair"] == (1, "a") and kept["odd"] == "a\ud800"
    assert str(kept["clock"]).startswith("<simulator.clock.ManualClock")
