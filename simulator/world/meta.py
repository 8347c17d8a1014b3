"""What a world file says about itself: whether it is seeded, and its clock.

A world kept in a file (``--db``) is seeded once; reopening the file goes on
with the saved world. The clock is saved whenever it is advanced, as the
distance it was moved (a clock that follows real time) or the instant it
shows (a manual clock), so timestamps, mutes and request ages stay consistent
across a restart.
"""

from __future__ import annotations

from ..clock import Clock, ManualClock, SystemClock
from .core import WorldCore
from .tables import WorldMetaRow

SEEDED = "seeded"
CLOCK = "clock"


class WorldMeta:
    def __init__(self, core: WorldCore) -> None:
        self._core = core

    def get(self, key: str) -> str | None:
        found = self._core.conn.execute("SELECT value FROM world_meta WHERE key = ?",
                                        (key,)).fetchone()
        return None if found is None else str(found[0])

    def put(self, key: str, value: str) -> None:
        with self._core.writing() as conn:
            conn.execute(f"INSERT OR REPLACE INTO {WorldMetaRow.__tablename__} (key, value) "
                         "VALUES (?, ?)", (key, value))

    def seeded(self) -> bool:
        return self.get(SEEDED) is not None

    def mark_seeded(self, name: str, clock: Clock) -> None:
        self.save_clock(clock)
        self.put(SEEDED, name)

    def save_clock(self, clock: Clock) -> None:
        state = clock_state(clock)
        if state is not None:
            self.put(CLOCK, state)

    def resume_clock(self, clock: Clock) -> None:
        saved = self.get(CLOCK)
        if saved is not None:
            resume_clock(clock, saved)


def clock_state(clock: Clock) -> str | None:
    if isinstance(clock, ManualClock):
        return f"manual {clock.now()!r}"
    if isinstance(clock, SystemClock):
        return f"system {clock.offset!r}"
    return None


def resume_clock(clock: Clock, saved: str) -> None:
    """Move a fresh clock to where the saved one stood (clocks only move forward)."""
    kind, _, value = saved.partition(" ")
    if kind == "manual" and isinstance(clock, ManualClock):
        clock.advance(max(0.0, float(value) - clock.now()))
    elif kind == "system" and isinstance(clock, SystemClock):
        clock.advance(max(0.0, float(value) - clock.offset))
