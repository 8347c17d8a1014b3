"""Deferred records are marshalled in chunks (``RecordLog._append_all``) and read back as if
each had been appended on its own."""

from __future__ import annotations

import random
from typing import Any

from simulator import ManualClock
from simulator.recording import BLOCK_RECORDS, COMPACT_ABOVE, MAX_STRING, PENDING_MAX, RecordLog


def _same(value: Any) -> Any:
    return value


def _log(budget: int = 4 * 1024 * 1024) -> RecordLog[Any]:
    return RecordLog(_same, _same, budget=budget)


def _text(size: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(size))


def _record(n: int) -> dict[str, Any]:
    return {"n": n, "action": "send_group_msg", "params": {"message": f"hello {n}"}}


def test_deferred_records_are_kept_in_chunks_and_read_back_exactly() -> None:
    log = _log()
    records = [_record(n) for n in range(5 * BLOCK_RECORDS)]
    for record in records:
        log.defer(record)
    assert list(log) == records
    assert log._sealed  # some sealed, compressed and read back
    unsealed = [*log._previous, *log._current]
    assert len(unsealed) < (log._previous_count + log._current_count) / 2  # chunked
    assert all(len(chunk) <= COMPACT_ABOVE for chunk in unsealed)
    assert [log[i] for i in range(len(log))] == records
    for start in (0, 1, BLOCK_RECORDS - 1, 3 * BLOCK_RECORDS + 5, len(records) - 1):
        assert list(log.since(start)) == records[start:]


def test_a_large_record_among_deferred_ones_is_kept_alone_and_cut_when_old() -> None:
    log = _log()
    big = {"n": "big", "text": _text(20_000, 1)}
    for n in range(PENDING_MAX - 1):
        log.defer(big if n == 10 else _record(n))
    log.settle()
    assert log[10] == big  # exact while new
    for n in range(3 * BLOCK_RECORDS):
        log.append(_record(n))
    kept = log[10]["text"]
    assert kept.startswith(big["text"][:MAX_STRING]) and kept.endswith("more chars not kept]")
    assert log[9] == _record(9) and log[11] == _record(11)  # its neighbours whole


def test_a_record_marshal_refuses_among_deferred_ones_is_kept_as_plain_data() -> None:
    log = _log()
    for n in range(PENDING_MAX):
        log.defer({"clock": ManualClock()} if n == 3 else _record(n))
    kept = list(log)
    assert str(kept[3]["clock"]).startswith("<simulator.clock.ManualClock")
    assert kept[:3] == [_record(n) for n in range(3)] and kept[4] == _record(4)


def test_chunked_records_stay_within_the_budget_and_go_oldest_first() -> None:
    log = _log(budget=32 * 1024)
    for n in range(20 * BLOCK_RECORDS):
        log.defer({"n": n, "text": _text(20, n)})  # text that does not compress away
        assert log._kept_bytes() <= log.budget
    assert log.nbytes <= log.budget and log.evicted > 0
    assert [r["n"] for r in log] == list(range(log.first_position, 20 * BLOCK_RECORDS))
