"""How long the event loop was held: the longest single task step, in CPU time.

CPU time of the loop's own thread, so that neither a loaded machine (which stretches wall
time) nor an attacking client run in another thread (which takes the GIL) is counted;
what is left is the work qqsim did in one go, without letting another task run. The
cyclic garbage collector is held off while watching: its pauses depend on everything the
test process holds (a whole test session, under xdist), not on the request.

A step's CPU time still varies about twofold on a shared machine: most of a big frame's
step is the kernel faulting in fresh pages (a 45 MB string is ~11,000 of them), and their
cost follows the machine's state, not qqsim. So a bound that is exceeded raises
``LoopHeld``, and the tests that bound steps are ``rerun_when_held``: they fail only when
every attempt exceeds it, which is what a real hold does.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import trio

#: How many times a test that bounds steps runs before a bound exceeded fails it.
ATTEMPTS = 3

_Test = TypeVar("_Test", bound=Callable[..., Awaitable[None]])


def rerun_when_held(test: _Test) -> _Test:
    """Run the async ``test`` again, up to ``ATTEMPTS`` times in all, when a step bound was
    exceeded (``LoopHeld``, alone or inside the simulator's nursery's exception group);
    any other failure fails it at once, as raised."""
    @functools.wraps(test)
    async def attempts(*args: Any, **kwargs: Any) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await test(*args, **kwargs)
                return
            except BaseException as failure:
                if attempt == ATTEMPTS or not _only_held(failure):
                    raise
                print(f"attempt {attempt} of {ATTEMPTS}: {failure!r}")
    return attempts  # type: ignore[return-value]


def _only_held(failure: BaseException) -> bool:
    if isinstance(failure, BaseExceptionGroup):
        return failure.split(LoopHeld)[1] is None  # nothing but held steps
    return isinstance(failure, LoopHeld)


class LoopHeld(AssertionError):
    """A step of the event loop took longer than the test's bound."""


def require_under(spent: float, bound: float, what: str = "a step") -> None:
    """Raise ``LoopHeld`` unless ``spent`` (seconds) is under ``bound``."""
    if not spent < bound:
        raise LoopHeld(f"{what} took {spent * 1000:.1f} ms, over {bound * 1000:.1f} ms")


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
