"""Where a test's simulator runs: its own trio thread, or the test's own trio loop.

``ThreadHost`` serves sync and asyncio tests (pytest-asyncio, anyio on any
backend): ``trio.run`` in a dedicated daemon thread. Every world change and
read is handed to that thread (``call``), so the world only ever changes on
it; waits either block the calling thread (``wait``, for sync tests) or run
in a worker thread the caller's loop awaits (``await_``), so an asyncio loop
is never blocked for longer than one world change.

``LocalHost`` serves trio tests: the simulator runs in the test's own loop,
under its clock (a ``MockClock`` makes timeouts instant); ``call`` and
``await_`` run directly. Both start a fixture's bot listeners at their first use.

Both serve the simulator (``simulator.app.serve``) in a nursery they own, in which
adapters added later (``start``) also run; leaving the host cancels it and closes the world.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any, Protocol, TypeVar

import anyio
import outcome
import sniffio
import trio

from ..adapters import start_listener_soon
from ..app import Simulator, serve
from ..config import HttpServerConfig, HttpSseServerConfig, WebsocketServerConfig

T = TypeVar("T")

#: How long starting or stopping the simulator's thread may take before it is reported stuck.
THREAD_TIMEOUT = 60.0

SimFactory = Callable[[], Simulator]


class Host(Protocol):
    sim: Simulator

    @property
    def alive(self) -> bool: ...

    def call(self, fn: Callable[..., T], *args: Any) -> T: ...

    def ensure_serving(self, kind: str | None = None) -> None: ...

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

    def __init__(self, make: SimFactory, name: str = "qqsim", *, lazy: bool = False) -> None:
        """``lazy``: the simulator's listeners start at their first use (``ensure_serving``)
        rather than with the thread: binding them is most of what an empty test costs."""
        self._make = make
        self._name = name
        self._lazy = lazy
        self._serving = False
        self._kinds_started: set[str | None] = set()
        self._adapters_started: set[tuple[int, int]] = set()
        self._sockets: list[socket.socket] = []
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
                if not self._lazy:
                    await nursery.start(serve, self.sim)
                    self._serving = True
                self._ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()
        finally:
            for sock in self._sockets:  # those a cancelled serving task never took over
                sock.close()
            self.sim.close()

    def ensure_serving(self, kind: str | None = None) -> None:
        """Start the simulator's listeners of ``kind`` (``ws``, ``http``, ``sse``; None:
        all of them) now, if they wait for their first use.

        Blocks like ``call`` (not through ``trio.from_thread``, which refuses a caller
        running a trio loop of its own); what stopped them starting is raised here. Each
        is bound there and then; a bot that connects before its serving task runs waits in
        the listen backlog.
        """
        if self._serving or kind in self._kinds_started:
            return
        self.call(self._bind_listeners, kind)

    def _bind_listeners(self, kind: str | None) -> None:
        """Start what is not started yet (on the simulator's loop, so never twice).

        Lazy hosts serve only the bot listeners of ``testing.options`` (no control API, no
        outgoing connections), one kind at a time: a NoneBot test binds no HTTP port."""
        if self._serving or kind in self._kinds_started:
            return
        self._sockets += bind_listeners(self.nursery, self.sim, kind, self._adapters_started)
        if kind is None:
            self._serving = True
        else:
            self._kinds_started.add(kind)

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
            result: T
            if sniffio.current_async_library() == "asyncio":
                result = await self._await_from_asyncio(job, token)
            else:  # anyio on trio: the caller runs a trio loop of its own
                result = await anyio.to_thread.run_sync(
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

    async def _await_from_asyncio(self, job: _Cancellable, token: trio.lowlevel.TrioToken
                                  ) -> Any:
        """``job`` on the simulator's loop, its outcome handed straight back to the caller's
        asyncio loop: one thread hop each way, where a worker thread would add two."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[outcome.Outcome[Any]] = loop.create_future()

        def send(result: outcome.Outcome[Any]) -> None:
            def deliver() -> None:
                if not future.done():
                    future.set_result(result)

            with suppress(RuntimeError):  # the caller's loop is gone: nobody reads it
                loop.call_soon_threadsafe(deliver)

        async def run() -> None:
            try:
                value = await job.run()
            except trio.Cancelled:  # the host is stopping
                send(outcome.Error(RuntimeError("qqsim stopped before the wait ended")))
                raise
            except BaseException as exc:  # the caller's failure (a WaitTimeout...)
                send(outcome.Error(exc))
            else:
                send(outcome.Value(value))

        def start() -> None:
            try:
                self.nursery.start_soon(run)
            except RuntimeError:  # the nursery closed: the host is stopping
                send(outcome.Error(RuntimeError("qqsim has stopped")))

        token.run_sync_soon(start)
        return (await future).unwrap()

    def _live_token(self) -> trio.lowlevel.TrioToken:
        if self._token is None or self._finished:
            raise RuntimeError("qqsim has stopped" + (f": {self.error!r}" if self.error else ""))
        return self._token


class LocalHost:
    """A simulator running in the caller's own trio loop (trio tests).

    ``lazy``: the bot listeners start at their first use (``ensure_serving``), as a
    ``ThreadHost``'s do; each is bound there and then, synchronously, and served from a
    task of the host's nursery that starts as soon as the test next yields.
    """

    def __init__(self, sim: Simulator, nursery: trio.Nursery, *, lazy: bool = False) -> None:
        self.sim = sim
        self._nursery = nursery
        self._open = True
        self._lazy = lazy
        self._adapters_started: set[tuple[int, int]] = set()
        self._sockets: list[socket.socket] = []

    @property
    def alive(self) -> bool:
        return self._open

    @property
    def nursery(self) -> trio.Nursery:
        return self._nursery

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def ensure_serving(self, kind: str | None = None) -> None:
        """Start the listeners of ``kind`` (None: all) not started yet, if they are lazy.

        Synchronous, so a sync read (``qq.ws_url``) can do it: the address is known once
        the socket is bound; a bot that connects before the serving task runs waits in
        the listen backlog."""
        if not self._lazy or not self._open:
            return
        self._sockets += bind_listeners(self._nursery, self.sim, kind, self._adapters_started)

    def close_sockets(self) -> None:
        """Close the listening sockets (once the nursery is done): those whose serving task
        was cancelled before it took them over would otherwise stay open."""
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def wait(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        raise RuntimeError("inside a trio test, await the async form instead")

    async def await_(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await fn(*args)


def bind_listeners(nursery: trio.Nursery, sim: Simulator, kind: str | None,
                   started: set[tuple[int, int]]) -> list[socket.socket]:
    """Bind ``sim``'s bot listeners of ``kind`` (all when None) not in ``started`` yet, now,
    and serve each from a task of ``nursery`` started soon (``start_listener_soon``);
    return their sockets (to close once ``nursery`` is done).

    What ``simulator.app.serve`` does for a fixture's world, less its check that each bot is
    a bot account (``options.simulator_config`` made sure of it), whose first query of a
    fresh world costs about a millisecond per test, and without awaiting.
    """
    sockets = []
    for bot_id, onebot in sim.config.bots.items():
        for adapter in onebot.network.enabled():
            key = (bot_id, id(adapter))
            if key in started or kind not in (None, _kind(adapter)):
                continue
            assert isinstance(adapter, WebsocketServerConfig | HttpServerConfig), adapter
            endpoint, sock = start_listener_soon(nursery, sim, bot_id, adapter)
            started.add(key)
            sockets.append(sock)
            sim.endpoints.append(endpoint)
    return sockets


@asynccontextmanager
async def local_host(make: SimFactory, *, listeners_only: bool = False
                     ) -> AsyncIterator[LocalHost]:
    """Serve a simulator in the current trio loop for the ``async with`` block.

    ``listeners_only``: its world's bot listeners are all it serves (no control API, no
    outgoing connections), each started at its first use (``LocalHost.ensure_serving``).
    """
    sim = make()
    host: LocalHost | None = None
    try:
        async with trio.open_nursery() as nursery:
            if not listeners_only:
                await nursery.start(serve, sim)
            host = LocalHost(sim, nursery, lazy=listeners_only)
            try:
                yield host
            finally:
                host._open = False
                nursery.cancel_scope.cancel()
    finally:
        if host is not None:
            host.close_sockets()
        sim.close()


def _kind(adapter: object) -> str:
    """The endpoint kind a bot listener's config gives (an SSE config is an HTTP one too)."""
    if isinstance(adapter, WebsocketServerConfig):
        return "ws"
    return "sse" if isinstance(adapter, HttpSseServerConfig) else "http"


def _as_test_failure(failure: AssertionError) -> AssertionError:
    """A failed wait or expectation, without the trio machinery that carried it across
    threads: pytest then shows the test's lines, and the report says the rest."""
    return failure.with_traceback(None)


def _unwrap(exc: BaseException) -> BaseException:
    """The one error inside trio's exception groups, when there is just one."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
