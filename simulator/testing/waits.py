"""Waits that run on the simulator's loop, each bounded and each with a clear failure.

They run wherever the host runs the simulator (its thread, or the test's trio
loop); the facades call them through the host. A timeout raises
``WaitTimeout`` (an ``AssertionError``, so pytest reports a failed test),
saying what was awaited and showing the end of the transcript.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Protocol

import trio

from ..transcript import render_text

if TYPE_CHECKING:
    from ..app import Simulator
    from ..link import BotLink

#: Transcript entries a failure shows (the latest ones).
TRANSCRIPT_TAIL = 40
#: How often ``wait_quiet`` looks again while something is in flight (seconds); a
#: watched bot wakes it sooner.
QUIET_POLL = 0.005
#: Seconds ``wait_quiet`` also waits with nothing new when a bot it cannot see into (a
#: separate process) is connected.
UNWATCHED_IDLE = 0.1


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


class BotWatch(Protocol):
    """A view into a bot under test, for ``wait_quiet`` (``simulator.testing.nonebot``).

    Both methods run on the simulator's loop, perhaps in another thread than the
    bot's: they must only read.
    """

    def busy(self) -> str | None:
        """What the bot still has in flight (frames unread, handlers running, calls
        awaiting their answer), or None when it has nothing."""

    def covers(self, link: BotLink) -> bool:
        """Whether this watch sees what arrives on ``link``."""


class Nudge:
    """Wakes ``wait_quiet`` on the simulator's loop from any thread (a bot's loop tells
    it that its state changed); does nothing while nobody waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: tuple[trio.lowlevel.TrioToken, trio.Event, int] | None = None

    def arm(self) -> trio.Event:
        """An event set at the next nudge (call on the simulator's loop)."""
        event = trio.Event()
        with self._lock:
            self._armed = (trio.lowlevel.current_trio_token(), event, threading.get_ident())
        return event

    def __call__(self) -> None:
        with self._lock:
            armed, self._armed = self._armed, None
        if armed is None:
            return
        token, event, thread = armed
        if threading.get_ident() == thread:
            event.set()
            return
        with suppress(trio.RunFinishedError):
            token.run_sync_soon(event.set)


def in_flight(sim: Simulator, watches: Sequence[BotWatch]) -> str | None:
    """What is still under way between the simulator and its bots, or None."""
    if sim.calls_in_flight:
        return f"{sim.calls_in_flight} calls being answered"
    if pending := sim.bus.pending():
        return f"{pending} events not yet taken by a connection"
    for watch in watches:
        if (busy := watch.busy()) is not None:
            return busy
    return None


def idle_window(sim: Simulator, watches: Sequence[BotWatch]) -> float:
    """No window when every connected bot is watched: its state says when it is done.
    A bot in another process is opaque: quiet then also means nothing new for a while."""
    if all(any(w.covers(link) for w in watches) for link in sim.connections):
        return 0.0
    return UNWATCHED_IDLE


async def wait_quiet(sim: Simulator, idle: float | None, timeout: float,
                     watches: Sequence[BotWatch] = (), nudge: Nudge | None = None) -> None:
    """Wait until nothing is in flight: no bot call being answered, no event waiting
    for its connection, and for each watched bot no frame unread, no handler running,
    no call awaiting its answer (``in_flight``). A bot that is not watched (a separate
    process) also gets ``idle`` seconds (default ``UNWATCHED_IDLE``) with nothing new,
    the time it has to react to what it was last sent.
    """
    nudge = nudge or Nudge()
    last: list[str | None] = [None]

    async def quiet() -> None:
        while True:
            woken = nudge.arm()  # before looking: a change while we look wakes us too
            await sim.settle()  # every task of the simulator waits: what it had, it sent
            last[0] = in_flight(sim, watches)
            if last[0] is None:
                window = idle_window(sim, watches) if idle is None else idle
                if window <= 0:
                    return
                mark = sim.transcript.last
                await trio.sleep(window)
                if in_flight(sim, watches) is None and sim.transcript.last == mark:
                    return
                continue
            with trio.move_on_after(QUIET_POLL):  # what only the simulator's side changed
                await woken.wait()  # a watched bot nudges on every change of its state

    with trio.move_on_after(timeout) as scope:
        await quiet()
    if scope.cancelled_caught:
        what = f"for quiet (still in flight: {last[0] or 'nothing, but traffic went on'})"
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
