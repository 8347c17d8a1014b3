"""What a test holds: ``QQSim`` (sync tests) and ``AsyncQQSim`` (asyncio, anyio and trio tests).

Both have the same surface. Acting and reading (``person``, ``world``,
``history``, ``faults``, ``advance``, ``call``...) are plain calls in both:
each is one short world change or read, done where the simulator runs. What
waits (``wait_until``, ``wait_connected``, ``wait_quiet``, ``start_bot``,
``run_scenario``, checking an expectation) blocks in ``QQSim`` and is
awaited in ``AsyncQQSim``, where it never blocks the test's event loop.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..adapters import start_adapter
from ..app import Endpoint, Simulator
from ..clock import parse_duration
from ..config import WebsocketClientConfig
from ..scenarios.engine import ScenarioResult, run_scenario
from ..scenarios.expect import Expectations
from ..scenarios.loader import LoadedScenario, load_file, load_text
from ..scenarios.runner import transcript_text
from ..traffic import ActionRecord
from ..transcript import Entry
from . import process, waits
from .expectations import AsyncExpectation, Book, Built, Expect, Expectation
from .host import Host, ThreadHost
from .options import QQSimOptions
from .remote import Remote

if TYPE_CHECKING:
    from ..faults import FaultPlan
    from ..people import Person
    from ..world import Message, World

T = TypeVar("T")
Source = str | Path


class ScenarioFailed(AssertionError):
    """A scenario run from a test did not pass; ``str()`` has its report and transcript."""

    shows_transcript = True

    def __init__(self, result: ScenarioResult) -> None:
        report = [result.headline()]
        if result.message:
            report.append(result.message)
        if result.entries:
            report += ["transcript of this test:", transcript_text(result)]
        super().__init__("\n".join(report))
        self.result = result


class _QQSimBase:
    def __init__(self, host: Host, options: QQSimOptions,
                 log_dir: Callable[[], Path] | None = None) -> None:
        self._host = host
        self.options = options
        #: The simulator itself; touch it only from where it runs (see ``person``/``world``).
        self.sim: Simulator = host.sim
        self._log_dir = log_dir or _temporary_dir
        self._bot_processes: list[process.BotProcess] = []
        self._counter = itertools.count(1)
        #: Calls and messages from now on (remade when a scenario rebuilds the world).
        self._expectations = host.call(self._new_expectations)
        self._book = Book(self.sim, options.within, self._expect_blocking, self._expect_async)
        #: Bots ``wait_quiet`` sees into (``watch``), and how they wake it.
        self._watches: list[waits.BotWatch] = []
        self._nudge = waits.Nudge()

    # -- who and where ------------------------------------------------------

    @property
    def bots(self) -> list[int]:
        """The bot accounts served (each with its listeners)."""
        return list(self.sim.config.bots) or [self._host.call(self.sim.default_bot)]

    @property
    def bot(self) -> int:
        """The first served bot: the default of every helper that takes ``bot``."""
        return self.bots[0]

    @property
    def endpoints(self) -> list[Endpoint]:
        self._host.ensure_serving()
        return self._host.call(lambda: list(self.sim.endpoints))

    def url(self, kind: str, bot: int | None = None) -> str:
        """Where ``kind`` (``ws``, ``http``, ``sse``, ``control``) listens for ``bot``."""
        wanted = self.bot if bot is None else bot
        self._host.ensure_serving(kind)
        return self._host.call(lambda: self.sim.url(kind, wanted))

    @property
    def ws_url(self) -> str:
        """The default bot's forward WebSocket, e.g. ``ws://127.0.0.1:41234``."""
        return self.url("ws")

    @property
    def http_url(self) -> str:
        return self.url("http")

    def env(self, bot: int | None = None) -> dict[str, str]:
        """``QQSIM_*`` variables pointing a bot at its listeners (see ``start_bot``)."""
        chosen = self.bot if bot is None else bot
        self._host.ensure_serving()
        return self._host.call(process.bot_env, self.sim, chosen, self.options.token)

    # -- acting and reading ---------------------------------------------------

    def _remote(self, get: Callable[[], T], label: str) -> T:
        if isinstance(self._host, ThreadHost):
            return cast(T, Remote(self._host, get, label))
        return get()

    def person(self, user_id: int) -> Person:
        """Act as simulated person ``user_id``: send, recall, poke, join, request..."""
        found = self._host.call(self.sim.person, user_id)
        return self._remote(lambda: found, f"person({user_id})")

    @property
    def world(self) -> World:
        """The world, to read state (``qq.world.groups.member(g, u)``) or change it."""
        return self._remote(lambda: self.sim.world, "world")

    @property
    def faults(self) -> FaultPlan:
        """Arm faults: ``qq.faults.fail("send_group_msg", retcode=100)``, ``no_reply``..."""
        return self._remote(lambda: self.sim.faults, "faults")

    def history(self, *, group_id: int | None = None, user_id: int | None = None,
                peer_id: int | None = None) -> list[Message]:
        """A group's messages, or the private chat between ``user_id`` and ``peer_id``."""
        return self._host.call(lambda: self.sim.history(group_id=group_id, user_id=user_id,
                                                        peer_id=peer_id))

    def calls(self, *actions: str, bot: int | None = None) -> list[ActionRecord]:
        """The calls bots made (of these actions, by this bot), oldest first."""

        def read() -> list[ActionRecord]:
            return [r for r in self.sim.actions
                    if (not actions or r.action in actions) and bot in (None, r.bot_id)]

        return self._host.call(read)

    def call(self, action: str, params: Any = None, *, bot: int | None = None
             ) -> dict[str, Any]:
        """Call ``action`` in-process as ``bot``; the envelope a bot would get."""
        chosen = self.bot if bot is None else bot
        return self._host.call(lambda: self.sim.link(chosen).call(action, params or {}))

    def connected(self, bot: int | None = None) -> int:
        """How many connections serve ``bot`` (any bot when None) right now."""
        return self._host.call(lambda: sum(1 for link in self.sim.connections
                                           if bot is None or link.self_id == bot))

    def advance(self, seconds: float | str) -> None:
        """Move world time forward (``90``, ``"10m"``, ``"1h30m"``): mutes expire,
        heartbeats and timed faults follow."""
        self._host.call(self.sim.advance, parse_duration(seconds))

    def now(self) -> int:
        """World time, Unix seconds."""
        return self._host.call(self.sim.world.now)

    def transcript(self) -> list[Entry]:
        """Everything that happened so far, as the transcript's entries."""
        if not self._host.alive:
            return list(self.sim.transcript.entries)
        return self._host.call(lambda: list(self.sim.transcript.entries))

    def transcript_text(self, last: int = waits.TRANSCRIPT_TAIL) -> str:
        """The latest ``last`` entries as readable lines (0: all)."""
        if not self._host.alive:
            return waits.transcript_tail(self.sim, last)
        return self._host.call(waits.transcript_tail, self.sim, last)

    def is_quiet(self) -> bool:
        """Nothing in flight right now (see ``wait_quiet``)."""
        return self._host.call(lambda: waits.in_flight(self.sim, self._watches) is None)

    def watch(self, watch: waits.BotWatch) -> Callable[[], None]:
        """Let ``wait_quiet`` see into a bot (``simulator.testing.nonebot`` does this for
        NoneBot2); returns what the bot calls whenever its state changed."""
        self._watches.append(watch)
        return self._nudge

    def unwatch(self, watch: waits.BotWatch) -> None:
        if watch in self._watches:
            self._watches.remove(watch)

    def unchecked(self) -> list[Built]:
        """Expectations built but not checked yet."""
        return self._book.unchecked()

    # -- the operations behind the waits (run where the simulator runs) ----------

    def _new_expectations(self) -> Expectations:
        return Expectations(self.sim, within=self.options.within)

    async def _with_expectations(self, check: Callable[[Expectations], Awaitable[T]]) -> T:
        return await check(self._expectations)

    def _expect_blocking(self, check: Callable[[Expectations], Awaitable[T]]) -> T:
        __tracebackhide__ = True
        result: T = self._host.wait(self._with_expectations, check)
        return result

    async def _expect_async(self, check: Callable[[Expectations], Awaitable[T]]) -> T:
        __tracebackhide__ = True
        return await self._host.await_(self._with_expectations, check)

    def _wait_until(self, predicate: Callable[[], bool], timeout: float | None,
                    what: str | None) -> Callable[[], Awaitable[None]]:
        name = what or f"until {getattr(predicate, '__name__', 'the condition')}() holds"
        return lambda: waits.wait_until(self.sim, predicate, self._within(timeout), name)

    def _wait_connected(self, bot: int | None, count: int, timeout: float
                        ) -> Callable[[], Awaitable[None]]:
        what = f"for {count} connection(s) of {'any bot' if bot is None else f'bot {bot}'}"
        return lambda: waits.bounded(self.sim, what, timeout,
                                     lambda: self.sim.wait_connected(bot, count))

    def _wait_disconnected(self, bot: int | None, timeout: float
                           ) -> Callable[[], Awaitable[None]]:
        what = f"until {'no bot' if bot is None else f'bot {bot}'} is connected"
        return lambda: waits.bounded(self.sim, what, timeout,
                                     lambda: self.sim.wait_disconnected(bot))

    def _within(self, timeout: float | None) -> float:
        return self.options.within if timeout is None else timeout

    async def _scenario(self, source: Source, bot: int | None, check: bool) -> ScenarioResult:
        loaded = _load_scenario(source)
        self._expectations.close()
        try:
            result = await run_scenario(self.sim, loaded, bot=bot)
        finally:  # the transcript started again with the new world: so do expectations
            self._expectations = self._new_expectations()
        if check and not result.passed:
            raise ScenarioFailed(result)
        return result

    async def _start_bot(self, command: Sequence[str], bot: int | None, env: dict[str, str],
                         cwd: Source | None, reverse_ws: str | None,
                         connect_timeout: float | None) -> process.BotProcess:
        chosen = self.bot if bot is None else bot
        log = self._log_dir() / f"bot-{next(self._counter)}.log"
        already = sum(1 for link in self.sim.connections if link.self_id == chosen)
        started = await process.launch(self.sim, command, bot=chosen, token=self.options.token,
                                       log=log, env=env, cwd=cwd)
        self._bot_processes.append(started)  # stopped at the end, whatever happens next
        if reverse_ws is not None:
            await process.serve_reverse_ws(self.sim, self._host.nursery, chosen, reverse_ws,
                                           self.options.token)
        if connect_timeout is not None:
            await process.wait_connected(self.sim, started, connect_timeout, already)
        return started

    async def _stop_bots(self) -> None:
        while self._bot_processes:
            await process.stop_bot(self._bot_processes.pop())

    async def _serve(self, config: Any, bot: int | None) -> Endpoint:
        endpoint = await start_adapter(self._host.nursery, self.sim,
                                       self.bot if bot is None else bot, config)
        self.sim.endpoints.append(endpoint)
        return endpoint


class QQSim(_QQSimBase):
    """The ``qqsim`` fixture in a sync test: waits block until done (or time out)."""

    def __init__(self, host: Host, options: QQSimOptions,
                 log_dir: Callable[[], Path] | None = None) -> None:
        super().__init__(host, options, log_dir)
        #: Build expectations: ``qq.expect.action("send_msg", text="pong").check()``.
        self.expect: Expect[Expectation] = Expect(self._book, Expectation)

    def wait_until(self, predicate: Callable[[], bool], timeout: float | None = None,
                   what: str | None = None) -> None:
        """Wait until ``predicate()`` holds (re-checked on every world change, call and
        clock move; it runs on the simulator's thread)."""
        __tracebackhide__ = True
        self._host.wait(self._wait_until(predicate, timeout, what))

    def wait_connected(self, bot: int | None = None, count: int = 1,
                       timeout: float = 30.0) -> None:
        __tracebackhide__ = True
        self._host.wait(self._wait_connected(bot, count, timeout))

    def wait_disconnected(self, bot: int | None = None, timeout: float = 30.0) -> None:
        __tracebackhide__ = True
        self._host.wait(self._wait_disconnected(bot, timeout))

    def wait_quiet(self, idle: float | None = None, timeout: float | None = None) -> None:
        """Wait until nothing is in flight: no call being answered, no event undelivered,
        and a watched bot (in-process NoneBot2) has read every frame, finished its handlers
        and got every answer. A bot in another process also gets ``idle`` seconds with
        nothing new (default ``waits.UNWATCHED_IDLE``)."""
        __tracebackhide__ = True
        self._host.wait(waits.wait_quiet, self.sim, idle, self._within(timeout),
                        self._watches, self._nudge)

    def sleep_world(self, seconds: float) -> None:
        self._host.wait(self.sim.sleep_world, seconds)

    def run_scenario(self, source: Source, *, bot: int | None = None,
                     check: bool = True) -> ScenarioResult:
        """Play a scenario file (a path, or YAML text) on a fresh world built for it;
        raise ``ScenarioFailed`` unless it passes (``check=False``: just return)."""
        __tracebackhide__ = True
        return self._host.wait(self._scenario, source, bot, check)

    def start_bot(self, command: Sequence[str], *, bot: int | None = None,
                  env: dict[str, str] | None = None, cwd: Source | None = None,
                  reverse_ws: str | None = None,
                  connect_timeout: float | None = 30.0) -> process.BotProcess:
        """Start the bot under test (see ``simulator.testing.process``); wait until it
        connected (``connect_timeout=None``: don't). Stopped when the test ends."""
        __tracebackhide__ = True
        self._host.ensure_serving()
        return self._host.wait(self._start_bot, command, bot, env or {}, cwd, reverse_ws,
                               connect_timeout)

    def wait_bot_exit(self, bot: process.BotProcess, timeout: float = 30.0) -> int:
        """Wait until the bot process ends by itself; return its exit status."""
        __tracebackhide__ = True
        return self._host.wait(process.wait_exit, bot, timeout)

    def stop_bot(self, bot: process.BotProcess) -> None:
        """Terminate the bot process (killed after a short grace)."""
        self._host.wait(process.stop_bot, bot)

    def serve(self, config: WebsocketClientConfig | Any, bot: int | None = None) -> Endpoint:
        """Start one more NapCat adapter (e.g. a reverse WebSocket) for ``bot`` now."""
        self._host.ensure_serving()
        return self._host.wait(self._serve, config, bot)


class AsyncQQSim(_QQSimBase):
    """The ``qqsim`` fixture in an async test: waits are awaited, the loop runs on."""

    def __init__(self, host: Host, options: QQSimOptions,
                 log_dir: Callable[[], Path] | None = None) -> None:
        super().__init__(host, options, log_dir)
        #: Build expectations: ``await qq.expect.action("send_msg", text="pong")``.
        self.expect: Expect[AsyncExpectation] = Expect(self._book, AsyncExpectation)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float | None = None,
                         what: str | None = None) -> None:
        """Wait until ``predicate()`` holds (re-checked on every world change, call and
        clock move; it runs where the simulator runs)."""
        __tracebackhide__ = True
        await self._host.await_(self._wait_until(predicate, timeout, what))

    async def wait_connected(self, bot: int | None = None, count: int = 1,
                             timeout: float = 30.0) -> None:
        __tracebackhide__ = True
        await self._host.await_(self._wait_connected(bot, count, timeout))

    async def wait_disconnected(self, bot: int | None = None, timeout: float = 30.0) -> None:
        __tracebackhide__ = True
        await self._host.await_(self._wait_disconnected(bot, timeout))

    async def wait_quiet(self, idle: float | None = None, timeout: float | None = None
                         ) -> None:
        """Wait until nothing is in flight (see ``QQSim.wait_quiet``)."""
        __tracebackhide__ = True
        await self._host.await_(waits.wait_quiet, self.sim, idle, self._within(timeout),
                                self._watches, self._nudge)

    async def sleep_world(self, seconds: float) -> None:
        await self._host.await_(self.sim.sleep_world, seconds)

    async def run_scenario(self, source: Source, *, bot: int | None = None,
                           check: bool = True) -> ScenarioResult:
        """Play a scenario file (a path, or YAML text) on a fresh world built for it;
        raise ``ScenarioFailed`` unless it passes (``check=False``: just return)."""
        __tracebackhide__ = True
        return await self._host.await_(self._scenario, source, bot, check)

    async def start_bot(self, command: Sequence[str], *, bot: int | None = None,
                        env: dict[str, str] | None = None, cwd: Source | None = None,
                        reverse_ws: str | None = None,
                        connect_timeout: float | None = 30.0) -> process.BotProcess:
        """Start the bot under test; wait until it connected. Stopped when the test ends."""
        __tracebackhide__ = True
        self._host.ensure_serving()
        return await self._host.await_(self._start_bot, command, bot, env or {}, cwd,
                                       reverse_ws, connect_timeout)

    async def wait_bot_exit(self, bot: process.BotProcess, timeout: float = 30.0) -> int:
        """Wait until the bot process ends by itself; return its exit status."""
        __tracebackhide__ = True
        return await self._host.await_(process.wait_exit, bot, timeout)

    async def stop_bot(self, bot: process.BotProcess) -> None:
        """Terminate the bot process (killed after a short grace)."""
        await self._host.await_(process.stop_bot, bot)

    async def serve(self, config: WebsocketClientConfig | Any, bot: int | None = None
                    ) -> Endpoint:
        """Start one more NapCat adapter (e.g. a reverse WebSocket) for ``bot`` now."""
        self._host.ensure_serving()
        return await self._host.await_(self._serve, config, bot)


def _load_scenario(source: Source) -> LoadedScenario:
    if isinstance(source, str) and "\n" in source:
        return load_text(source)
    return load_file(source)


def _temporary_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="qqsim-bots-"))
