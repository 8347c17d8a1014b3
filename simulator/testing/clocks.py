"""A world clock that follows trio's clock, so a test's ``MockClock`` drives world time.

With pytest-trio's ``autojump_clock`` the simulator runs inside the test's
own trio loop; ``TrioClock`` then makes world time (message timestamps, mute
expiry, request ages, heartbeats) jump with it, so an hour-long mute is over
as soon as every task waits.
"""

from __future__ import annotations

import trio

from ..clock import ManualClock


class TrioClock(ManualClock):
    """World time = a fixed start + trio time elapsed since the clock was made + advances.

    Outside a trio run (before the simulator starts, after it stops) it
    stands still at the last value it read.
    """

    follows_real_time = True  # it moves by itself between advances: sleepers use timeouts

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 00:00 UTC
        super().__init__(start)
        self._origin: float | None = None
        self._last = start

    def now(self) -> float:
        try:
            current = trio.current_time()
        except RuntimeError:  # not inside trio.run
            return self._last
        if self._origin is None:
            self._origin = current
        self._last = self._now + (current - self._origin)
        return self._last
