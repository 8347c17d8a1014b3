"""How long the event loop was held: the longest single task step, in CPU time.

CPU time of the loop's own thread, so that neither a loaded machine (which stretches wall
time) nor an attacking client run in another thread (which takes the GIL) is counted;
what is left is the work qqsim did in one go, without letting another task run. The
cyclic garbage collector is held off while watching: its pauses depend on everything the
test process holds (a whole test session, under xdist), not on the request.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

import trio


class LongestStep(trio.abc.Instrument):
    """Records the longest task step (seconds of the loop thread's CPU) while installed."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.task = ""
        #: The second longest step: what a test bounds when the longest is a known cost.
        self.second = 0.0
        self._started: float | None = None

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._started = time.thread_time()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        if self._started is None:  # installed in the middle of this step
            return
        spent = time.thread_time() - self._started
        self._started = None
        if spent > self.longest:
            self.second = self.longest
            self.longest, self.task = spent, task.name
        elif spent > self.second:
            self.second = spent


@contextmanager
def longest_step() -> Iterator[LongestStep]:
    watch = LongestStep()
    collecting = gc.isenabled()
    gc.disable()
    trio.lowlevel.add_instrument(watch)
    try:
        yield watch
    finally:
        trio.lowlevel.remove_instrument(watch)
        if collecting:
            gc.enable()
