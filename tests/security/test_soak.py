"""Issue 11, last point: a long run on the virtual clock (heartbeats, faults switching on
and off, 10 bots, reconnect storms) must not grow open fds or RSS. This is the short form
of ``bench/soak.py`` (which runs the hour and prints its figures): 20 simulated minutes
with a storm every 10 steps, and a record budget small enough to fill early, so that what
is left to grow afterwards would be a leak. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import soak  # bench/ is not a package: put on the path above

STEPS = 120
STEP_S = 10.0
#: RSS the second half of the run may add (the world's history takes 60 more messages).
RSS_GROWTH_KIB = 4 * 1024


@pytest.mark.trio
@pytest.mark.slow
async def test_a_soak_keeps_fds_and_rss_bounded() -> None:
    with trio.fail_after(120):
        baseline, samples, after = await soak.soak(
            steps=STEPS, step_s=STEP_S, storm_every=10, sample_every=20,
            record_budget=256 * 1024)
    end = samples[-1]
    # It did what it says: heartbeats and events read, faults taken, reconnections made.
    assert end.frames > STEPS * soak.BOTS and end.faults > 0 and end.reconnects >= 12 * 10
    assert {s.connections for s in samples} == {soak.BOTS}  # every storm was recovered from
    assert {s.fds for s in samples} == {samples[0].fds}  # no fd left behind by any cycle
    assert after == baseline  # and all back once the clients left
    half = next(s for s in samples if s.step >= STEPS // 2)
    assert end.rss_kib - half.rss_kib < RSS_GROWTH_KIB, [s.rss_kib for s in samples]
