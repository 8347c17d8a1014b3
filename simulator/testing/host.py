"""Where a test's simulator runs: its own trio thread, or the test's own trio loop.

``ThreadHost`` serves sync and asyncio tests (pytest-asyncio, anyio on any
backend): ``trio.run`` in a dedicated daemon thread. Every world change and
read is handed to that thread (``call``), so the world only ever changes on
it; waits either block the calling thread (``wait``, for sync tests) or run
in a worker thread the caller's loop awaits (``await_``), so an asyncio loop
is never blocked for longer than one world change.

``LocalHost`` serves trio tests: the simulator runs in the test's own loop,
under its clock (a ``MockClock`` makes timeouts instant); ``call`` and
``await_`` run directly.

Both run ``Simulator.run`` in a nursery they own, in which adapters added
later (``start``) also run; leaving the host cancels it and closes the world.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any, Protocol, TypeVar

import anyio
import outcome
import trio

from ..app import Simulator

T = TypeVar("T")

#: How long starting or stopping the simulator's thread may take before it is reported stuck.
THREAD_TIMEOUT = 60.0

SimFactory = Callable[[], Simulator]


class Host(Protocol):
    sim: Simulator

    @property
    def alive(self) -> bool: ...

    def call(self, fn: Callable[..., T], *args: Any) -> T: ...

    def wait(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T: ...

    async def await_(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T: ...

    @property
    def nursery(self) -> trio.Nursery: ...


class _Cancellable:
    """A wait run on the simulator's loop that the caller can call off from its thread."""

    def __init__(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        self._fn = fn
        self._args = args
        self._scope: trio.CancelScope | None = None
        self._called_off = False

    async def run(self) -> Any:
        with trio.CancelScope() as scope:
            self._scope = scope
            if self._called_off:
                scope.cancel()
            return await self._fn(*self._args)
        return None  # called off: the caller has gone and reads nothing

    def call_off(self) -> None:
        self._called_off = True
        if self._scope is not None:
            self._scope.cancel()


class ThreadHost:
    """A simulator on its own trio thread; its methods are safe from any other thread."""

    def __init__(self, make: SimFactory, name: str = "qqsim") -> None:
        self._make = make
        self._name = name
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._nursery: trio.Nursery | None = None
        self._ident: int | None = None
        self._finished = False
        self.error: BaseException | None = None
        self.sim: Simulator

    # -- life --------------------------------------------------------------

    def start(self) -> Simulator:
        """Start the thread; return once the simulator serves (or raise why it cannot)."""
        self._thread = threading.Thread(target=self._main, name=self._name, daemon=True)
        self._thread.start()
        if not self._ready.wait(THREAD_TIMEOUT):
            raise RuntimeError(f"qqsim did not start within {THREAD_TIMEOUT:g}s")
        if self.error is not None:
            raise self.error
        return self.sim

    def stop(self) -> None:
        """Stop serving, close the world, join the thread; raise what crashed it, if anything."""
        if self._thread is None:
            return
        if not self._finished and self._token is not None and self._stop is not None:
            with suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self._stop.set)
        self._thread.join(THREAD_TIMEOUT)
        if self._thread.is_alive():
            raise RuntimeError(f"qqsim's thread did not stop within {THREAD_TIMEOUT:g}s")
        self._thread = None
        if self.error is not None:
            raise self.error

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # reported to the test at start or at teardown
            self.error = _unwrap(exc)
        finally:
            self._finished = True
            self._ready.set()

    async def _serve(self) -> None:
        self._ident = threading.get_ident()
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        self.sim = self._make()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                await nursery.start(self.sim.run)
                self._ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()
        finally:
            self.sim.close()

    # -- crossing into the simulator's thread --------------------------------

    @property
    def alive(self) -> bool:
        return self._thread is not None and not self._finished

    @property
    def nursery(self) -> trio.Nursery:
        assert self._nursery is not None, "the host is not running"
        return self._nursery

    def _on_sim_thread(self) -> bool:
        return threading.get_ident() == self._ident

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the simulator's thread and return what it returns.

        Handed over with ``TrioToken.run_sync_soon`` rather than
        ``trio.from_thread``, which refuses callers that run a trio loop of
        their own (an anyio test on the trio backend).
        """
        if self._on_sim_thread():  # e.g. a wait_until predicate reading the world
            return fn(*args)
        done = threading.Event()
        box: list[outcome.Outcome[T]] = []

        def run() -> None:
            box.append(outcome.capture(fn, *args))
            done.set()

        self._live_token().run_sync_soon(run)
        while not done.wait(THREAD_TIMEOUT):
            if self._finished:
                raise RuntimeError("qqsim stopped before it ran " + repr(fn))
        return box[0].unwrap()

    def wait(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``await fn(*args)`` on the simulator's loop, blocking this thread meanwhile."""
        __tracebackhide__ = True
        try:
            result: T = trio.from_thread.run(fn, *args, trio_token=self._live_token())
        except AssertionError as failure:
            raise _as_test_failure(failure) from None
        return result

    async def await_(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``await fn(*args)`` on the simulator's loop while the caller's loop runs on."""
        __tracebackhide__ = True
        job = _Cancellable(fn, args)
        token = self._live_token()
        try:
            result: T = await anyio.to_thread.run_sync(
                partial(trio.from_thread.run, job.run, trio_token=token),
                abandon_on_cancel=True)
        except AssertionError as failure:
            raise _as_test_failure(failure) from None
        except BaseException:
            if not self._finished:  # the caller gave up (a timeout, a cancel): so does the wait
                with suppress(trio.RunFinishedError):
                    token.run_sync_soon(job.call_off)
            raise
        return result

    def _live_token(self) -> trio.lowlevel.TrioToken:
        if self._token is None or self._finished:
            raise RuntimeError("qqsim has stopped" + (f": {self.error!r}" if self.error else ""))
        return self._token


class LocalHost:
    """A simulator running in the caller's own trio loop (trio tests)."""

    def __init__(self, sim: Simulator, nursery: trio.Nursery) -> None:
        self.sim = sim
        self._nursery = nursery
        self._open = True

    @property
    def alive(self) -> bool:
        return self._open

    @property
    def nursery(self) -> trio.Nursery:
        return self._nursery

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def wait(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        raise RuntimeError("inside a trio test, await the async form instead")

    async def await_(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await fn(*args)


@asynccontextmanager
async def local_host(make: SimFactory) -> AsyncIterator[LocalHost]:
    """Serve a simulator in the current trio loop for the ``async with`` block."""
    sim = make()
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(sim.run)
            host = LocalHost(sim, nursery)
            try:
                yield host
            finally:
                host._open = False
                nursery.cancel_scope.cancel()
    finally:
        sim.close()


def _as_test_failure(failure: AssertionError) -> AssertionError:
    """A failed wait or expectation, without the trio machinery that carried it across
    threads: pytest then shows the test's lines, and the report says the rest."""
    return failure.with_traceback(None)


def _unwrap(exc: BaseException) -> BaseException:
    """The one error inside trio's exception groups, when there is just one."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
