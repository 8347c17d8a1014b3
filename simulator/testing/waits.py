"""Waits that run on the simulator's loop, each bounded and each with a clear failure.

They run wherever the host runs the simulator (its thread, or the test's trio
loop); the facades call them through the host. A timeout raises
``WaitTimeout`` (an ``AssertionError``, so pytest reports a failed test),
saying what was awaited and showing the end of the transcript.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import trio

from ..scenarios.transcript import render_text

if TYPE_CHECKING:
    from ..app import Simulator

#: Transcript entries a failure shows (the latest ones).
TRANSCRIPT_TAIL = 40
#: How often ``wait_quiet`` looks again while the simulator is still busy (seconds).
QUIET_POLL = 0.005


class WaitTimeout(AssertionError):
    """A wait ran out of time; ``str()`` says what was awaited and what happened."""

    shows_transcript = True


def transcript_tail(sim: Simulator, last: int = TRANSCRIPT_TAIL) -> str:
    """The latest ``last`` transcript entries as readable lines (with how many were left out)."""
    entries = list(sim.transcript.entries)
    shown = entries[-last:] if last else entries
    origin = shown[0]["time"] if shown else 0
    lines = render_text(shown, origin).splitlines()
    head = [f"  ... {len(entries) - len(shown)} earlier entries"] if len(shown) < len(entries) \
        else []
    body = head + ["  " + line for line in lines]
    return "\n".join(body) if body else "  (nothing happened)"


def with_transcript(message: str, sim: Simulator) -> str:
    """``message`` and the end of the test's transcript, unless it shows all of it already."""
    tail = transcript_tail(sim)
    shown = [line.split("] ", 1)[-1] for line in tail.splitlines()]
    if "earlier entries" not in tail and all(line in message for line in shown):
        return message
    return f"{message}\ntranscript of this test:\n{tail}"


async def bounded(sim: Simulator, what: str, timeout: float,
                  wait: Callable[[], Awaitable[Any]]) -> None:
    """Run ``wait()``; after ``timeout`` seconds of the loop's clock, fail saying ``what``."""
    with trio.move_on_after(timeout) as scope:
        await wait()
    if scope.cancelled_caught:
        raise WaitTimeout(with_transcript(f"timed out after {timeout:g}s waiting {what}", sim))


async def wait_until(sim: Simulator, predicate: Callable[[], bool], timeout: float,
                     what: str) -> None:
    await bounded(sim, what, timeout, lambda: sim.wait_until(predicate))


async def wait_quiet(sim: Simulator, idle: float, timeout: float) -> None:
    """Wait until the simulator has been quiet for ``idle`` seconds running.

    Quiet: every task of the simulator's loop waits, no bot call is being
    answered, no event waits for its connection, and nothing at all (call,
    frame, world change) happened during the last ``idle`` seconds, which is
    the time the bot gets to react to what it was last sent.
    """

    async def quiet() -> None:
        while True:
            await sim.settle()
            if not sim.is_quiet():
                await trio.sleep(QUIET_POLL)
                continue
            mark = sim.transcript.last
            await trio.sleep(idle)
            if sim.is_quiet() and sim.transcript.last == mark:
                return

    with trio.move_on_after(timeout) as scope:
        await quiet()
    if scope.cancelled_caught:
        what = (f"for quiet ({sim.calls_in_flight} calls in flight, "
                f"{sim.bus.pending()} events pending)")
        raise WaitTimeout(with_transcript(f"timed out after {timeout:g}s waiting {what}", sim))


async def real_sleep(seconds: float) -> None:
    """Sleep ``seconds`` of the machine's time, whatever trio's clock (a ``MockClock``
    would jump its own timeouts while an outside process is still starting)."""
    stop = threading.Event()
    try:
        await trio.to_thread.run_sync(stop.wait, seconds, abandon_on_cancel=True)
    finally:
        stop.set()


async def first_of(*waits: Callable[[], Awaitable[Any]]) -> int:
    """Run ``waits`` together; return the index of the first to finish (others are cancelled)."""
    winner: list[int] = []
    async with trio.open_nursery() as nursery:
        for index, wait in enumerate(waits):
            nursery.start_soon(_race, wait, index, winner, nursery.cancel_scope)
    return winner[0]


async def _race(wait: Callable[[], Awaitable[Any]], index: int, winner: list[int],
                scope: trio.CancelScope) -> None:
    await wait()
    if not winner:
        winner.append(index)
    scope.cancel()
