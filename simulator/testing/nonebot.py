"""NoneBot2 in-process: initialised once per test session, pointed at each test's world.

    # conftest.py
    import pytest
    from simulator.testing.nonebot import NoneBotSetup

    @pytest.fixture(scope="session")
    def qqsim_nonebot_setup():
        return NoneBotSetup(plugin_dirs=["src/plugins"], config={"command_start": ["/"]})

    # test_ping.py
    @pytest.mark.asyncio(loop_scope="session")
    async def test_ping(qqsim, qqsim_nonebot):
        qqsim.person(20003).send_group_msg(100100, "/ping")
        await qqsim.expect.message(group=100100, text="pong")

``nonebot.init`` runs once (or not at all when something already ran it,
e.g. nonebug), the OneBot V11 adapter is registered, the plugins load, and
the driver's lifespan starts, all in the session's asyncio loop: that is why
the tests run in it too (``loop_scope="session"``, or
``asyncio_default_test_loop_scope = session`` in the ini). The adapter dials the
world's forward WebSocket, as a deployed bot dials NapCat. Tests with the same
options share one simulator (``simulator.testing.pool``), its world brought back
to its first state for each test, so the connection stays up between them; a
test that changed more than the world ends it, and the next test dials anew.

While connected, the adapter is watched (``NoneBotWatch``): ``wait_quiet``
knows when NoneBot has read every frame, finished every handler and had every
call answered, instead of waiting out an idle window.

Teardown is bounded, each step by a constant here: the calls NoneBot still
awaits get ``TEARDOWN_QUIET`` seconds to be answered; any still open then fail
with ``NetworkError`` (NoneBot runs matchers shielded from cancellation, so a
matcher waiting for an answer can only be ended by one), its handlers get
``TEARDOWN_HANDLERS`` seconds to finish, the connection ``DISCONNECT_TIMEOUT``
to close; matchers left waiting for a next message (``got``, ``pause``) are
dropped. A test never hangs in teardown for NoneBot's 30 s API timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import Simulator
    from ..link import BotLink
    from ..traffic import ActionRecord, FrameRecord
    from .facade import AsyncQQSim
    from .options import QQSimOptions
    from .pool import PooledWorld

#: Seconds a test waits for NoneBot to connect to its world.
CONNECT_TIMEOUT = 10.0
#: Seconds teardown lets the calls NoneBot awaits be answered before failing them.
TEARDOWN_QUIET = 2.0
#: Seconds teardown then gives NoneBot's handlers to finish.
TEARDOWN_HANDLERS = 1.0
#: Seconds teardown gives the connection to close.
DISCONNECT_TIMEOUT = 1.0
#: Seconds the session's end gives NoneBot's shutdown hooks.
SHUTDOWN_TIMEOUT = 5.0
#: ``nonebot.init`` defaults: a driver that can dial the forward WebSocket, and no logs
#: below warnings (each connect would print).
INIT_DEFAULTS: Mapping[str, Any] = {"driver": "~none+~websockets", "log_level": "WARNING"}


@dataclass(frozen=True)
class NoneBotSetup:
    """How to start the bot under test, once per session.

    ``config``: keywords of ``nonebot.init`` (over ``INIT_DEFAULTS``; the driver
    must be able to dial WebSockets: ``~websockets`` or ``~aiohttp``).
    ``plugins``: names for ``nonebot.load_plugin``; ``plugin_dirs``: folders for
    ``nonebot.load_plugins``; ``load``: anything else, called once after those.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    plugins: Sequence[str] = ()
    plugin_dirs: Sequence[str] = ()
    load: Callable[[], None] | None = None


class NoneBotWatch:
    """What NoneBot has in flight on its connection to one test's world.

    Counted on NoneBot's loop, read on the simulator's (another thread), so every
    count changes under one lock and is read whole.
    """

    def __init__(self, bot_id: int, connection: str) -> None:
        self.bot_id = bot_id
        self.connection = connection  # the name of the simulator's listener it dials
        self._lock = threading.Lock()
        self.sent = 0  # frames the simulator sent on it (counted on its loop)
        self.read = 0  # frames NoneBot has read and dispatched
        self.in_hand = 0  # a frame read, not yet dispatched
        self.handling = 0  # events being handled
        self.calling = 0  # API calls awaiting their answer
        self.nudge: Callable[[], None] = _nothing
        self.changed = asyncio.Event()  # on NoneBot's loop, for teardown

    # -- the simulator's side (its loop) --------------------------------------

    def count_sent(self, record: ActionRecord | FrameRecord) -> None:
        """A traffic listener: one more frame on the watched connection."""
        if record.bot_id != self.bot_id or record.connection != self.connection:
            return
        if getattr(record, "response", True):  # a call left unanswered sends nothing
            with self._lock:
                self.sent += 1

    def busy(self) -> str | None:
        with self._lock:
            unread = self.sent - self.read  # a frame in hand is not read yet either
            handling, calling = self.handling, self.calling
        if unread > 0:
            return f"NoneBot has not read {unread} frames yet"
        if handling:
            return f"NoneBot is handling {handling} events"
        if calling:
            return f"NoneBot awaits the answer to {calling} calls"
        return None

    def covers(self, link: BotLink) -> bool:
        return link.self_id == self.bot_id and link.settings.name == self.connection

    # -- NoneBot's side (its loop) ----------------------------------------------

    def _change(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)
        self.changed.set()
        self.nudge()

    def receiving(self) -> None:
        """The adapter asks for the next frame: the one before is dispatched."""
        if self.in_hand:
            self._change(in_hand=-1, read=1)

    def received(self) -> None:
        self._change(in_hand=1)

    def idle(self) -> bool:
        with self._lock:
            return self.handling == 0 and self.calling == 0


def _nothing() -> None:
    return None


class _CountingWebSocket:
    """The adapter's WebSocket, counting the frames it reads."""

    def __init__(self, ws: Any, session: NoneBotSession) -> None:
        self._ws = ws
        self._session = session

    async def receive(self) -> Any:
        watch = self._session.watch
        if watch is not None:
            watch.receiving()
        data = await self._ws.receive()
        watch = self._session.watch
        if watch is not None:
            watch.received()
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)


class NoneBotSession:
    """NoneBot2 started once in this process (see the module doc)."""

    def __init__(self, setup: NoneBotSetup) -> None:
        self.setup = setup
        self.adapter: Any = None
        #: The watch of the connection open now (one test at a time per process).
        self.watch: NoneBotWatch | None = None
        self._started_lifespan = False
        self._connected: dict[str, asyncio.Event] = {}
        self._pool: PooledWorld | None = None

    async def start(self) -> None:
        import nonebot
        from nonebot.adapters.onebot.v11 import Adapter

        try:
            driver = nonebot.get_driver()  # someone (nonebug, a conftest) ran init already
        except ValueError:
            nonebot.init(**{**INIT_DEFAULTS, **self.setup.config})
            driver = nonebot.get_driver()
        if Adapter.get_name() not in driver._adapters:
            driver.register_adapter(Adapter)
        self.adapter = driver._adapters[Adapter.get_name()]
        self._instrument(self.adapter)
        for name in self.setup.plugins:
            nonebot.load_plugin(name)
        for folder in self.setup.plugin_dirs:
            nonebot.load_plugins(folder)
        if self.setup.load is not None:
            self.setup.load()
        if driver._lifespan._task_group is None:  # nonebug may have started it
            await driver._lifespan.startup()
            self._started_lifespan = True

    async def stop(self) -> None:
        import nonebot

        await self._retire_pool()
        if self._started_lifespan:
            # In this task, not one of wait_for's: NoneBot's task group must exit in the
            # task that entered it.
            with suppress(Exception):
                async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                    await nonebot.get_driver()._lifespan.shutdown()

    def _instrument(self, adapter: Any) -> None:
        """Count what the adapter reads, handles and awaits, on this adapter only."""
        if getattr(adapter, "_qqsim_watched", False):
            return
        adapter._qqsim_watched = True
        open_websocket = adapter.websocket
        call_api = adapter._call_api
        bot_connect = adapter.bot_connect

        @asynccontextmanager
        async def websocket(request: Any) -> AsyncIterator[Any]:
            async with open_websocket(request) as ws:
                yield _CountingWebSocket(ws, self)

        def counted(name: str, coroutine: Any) -> Any:
            watch = self.watch
            if watch is None:
                return coroutine
            watch._change(**{name: 1})  # counted when started, before any await

            async def run() -> Any:
                try:
                    return await coroutine
                finally:
                    watch._change(**{name: -1})

            return run()

        def connect(bot: Any) -> None:
            handle_event = bot.handle_event
            bot.handle_event = lambda event: counted("handling", handle_event(event))
            bot_connect(bot)
            self._connected.setdefault(bot.self_id, asyncio.Event()).set()

        adapter.websocket = websocket
        adapter._call_api = lambda bot, api, **data: counted(
            "calling", call_api(bot, api, **data))
        adapter.bot_connect = connect

    # -- per test ------------------------------------------------------------

    def pool_for(self, options: QQSimOptions) -> PooledWorld | None:
        """The kept simulator for a test with ``options`` (``simulator.testing.pool``), or
        None when the test needs its own: other options than the kept one's, or listeners
        that cannot wait for their first use (an ``onebot`` config, the control API)."""
        # Lazy for start-up cost: the plugin loads this module in every pytest session.
        from .pool import PooledWorld

        if options.onebot is not None or options.control:
            return None
        if self._pool is not None and not self._pool.host.alive:
            self._pool = None
        if self._pool is None:
            self._pool = PooledWorld(options)
        return self._pool if self._pool.options == options else None

    @asynccontextmanager
    async def connected(self, qq: AsyncQQSim, bot: int | None = None
                        ) -> AsyncIterator[Any]:
        """NoneBot connected to ``qq``'s world as ``bot`` for the block; yields its ``Bot``.

        On the kept simulator (``pool_for``) the connection of the test before is reused
        and outlives the block, unless the test changed more than the world."""
        import nonebot
        from nonebot.adapters.onebot.v11 import Bot
        from nonebot.matcher import matchers

        chosen = qq.bot if bot is None else bot
        pool = self._pool if self._pool is not None and qq._host is self._pool.host \
            and bot is None else None
        if pool is None:
            await self._retire_pool()  # one connection at a time: the watch is the session's
        before = _matcher_ids(matchers)
        if pool is not None and pool.connection is not None:
            task, watch = pool.connection
        else:
            task, watch = await self._dial(qq, chosen)
            if pool is not None:
                pool.connection = (task, watch)
                pool.settled()
        watch.nudge = qq.watch(watch)
        try:
            found = nonebot.get_bot(str(chosen))
            assert isinstance(found, Bot)
            yield found
        finally:
            await self._settle(qq, watch)
            _drop_new_temporary(matchers, before)
            qq.unwatch(watch)
            watch.nudge = _nothing
            if pool is None or not pool.reusable():
                await self._hang_up(qq, watch, task)
                if pool is not None:
                    pool.connection = None  # its host stops when the test's qqsim goes

    async def _dial(self, qq: AsyncQQSim, chosen: int) -> tuple[asyncio.Task[Any], NoneBotWatch]:
        """Have the adapter dial ``qq``'s forward WebSocket as ``chosen``; wait until it
        is connected (``CONNECT_TIMEOUT``)."""
        from yarl import URL

        qq._host.ensure_serving("ws")
        url, watch = qq._host.call(_watch_listener, qq.sim, chosen)
        self.watch = watch
        self.adapter.onebot_config.onebot_access_token = qq.options.token or None
        ready = self._connected[str(chosen)] = asyncio.Event()
        task = asyncio.create_task(self.adapter._forward_ws(URL(url + "/")))
        try:
            await asyncio.wait_for(ready.wait(), CONNECT_TIMEOUT)
        except TimeoutError:
            await self._hang_up(qq, watch, task)
            raise AssertionError(
                f"NoneBot did not connect to qqsim within {CONNECT_TIMEOUT:g}s") from None
        return task, watch

    async def _settle(self, qq: AsyncQQSim, watch: NoneBotWatch) -> None:
        """Let what the test started finish, each step bounded (see the module doc)."""
        from .waits import WaitTimeout  # lazy for start-up cost (see ``pool_for``)

        # With nothing of NoneBot's in flight, none of its calls is; else they get answers.
        if watch.busy() is not None and qq._host.alive:
            with suppress(WaitTimeout, RuntimeError):  # RuntimeError: the simulator stopped
                await qq.wait_quiet(timeout=TEARDOWN_QUIET)
        self._fail_open_calls()
        await _until(watch.idle, watch.changed, TEARDOWN_HANDLERS)

    async def _hang_up(self, qq: AsyncQQSim, watch: NoneBotWatch, task: asyncio.Task[Any]
                       ) -> None:
        """End a connection (``DISCONNECT_TIMEOUT``) and stop counting what it carried."""
        task.cancel()
        await asyncio.wait({task}, timeout=DISCONNECT_TIMEOUT)
        if qq._host.alive:
            qq._host.call(qq.sim.remove_traffic_listener, watch.count_sent)
        if self.watch is watch:
            self.watch = None

    async def _retire_pool(self) -> None:
        """Hang up on the kept simulator and stop it (another test needs its own world)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if pool.connection is not None:
            task, watch = pool.connection
            task.cancel()
            await asyncio.wait({task}, timeout=DISCONNECT_TIMEOUT)
            if self.watch is watch:
                self.watch = None
        pool.stop()

    def _fail_open_calls(self) -> None:
        from nonebot.exception import NetworkError

        for future in list(self.adapter._result_store._futures.values()):
            if not future.done():
                future.set_exception(NetworkError("qqsim: the test ended before this call "
                                                  "was answered"))


def _watch_listener(sim: Simulator, bot: int) -> tuple[str, NoneBotWatch]:
    """``bot``'s forward WebSocket, which NoneBot dials, and a watch counting what the
    simulator sends on it (on the simulator's loop: one hop for both)."""
    found = [e for e in sim.endpoints if e.kind == "ws" and e.bot_id == bot]
    if not found:
        raise AssertionError(f"bot {bot} has no forward WebSocket listener for NoneBot to "
                             "dial (keep 'ws' in the qqsim transports)")
    watch = NoneBotWatch(bot, found[0].name)
    sim.add_traffic_listener(watch.count_sent)
    return found[0].url, watch


async def _until(condition: Callable[[], bool], changed: asyncio.Event, timeout: float
                 ) -> None:
    """Wait (at most ``timeout`` seconds) until ``condition()``, re-checked on each change."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and (left := deadline - loop.time()) > 0:
        changed.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), left)


def _matcher_ids(matchers: Any) -> set[int]:
    return {id(m) for group in matchers.values() for m in group}


def _drop_new_temporary(matchers: Any, before: set[int]) -> None:
    """Forget matchers a test left waiting (``got``, ``pause``): they would take the next
    test's messages."""
    for priority in list(matchers.keys()):
        group = matchers[priority]
        kept = [m for m in group if id(m) in before or not getattr(m, "temp", False)]
        if len(kept) != len(group):
            matchers[priority] = kept


# -- the pytest fixtures (registered by the qqsim plugin when pytest-asyncio is there) -----

def _fixtures() -> tuple[Any, ...]:
    import pytest
    import pytest_asyncio

    @pytest.fixture(scope="session")
    def qqsim_nonebot_setup() -> NoneBotSetup:
        """What ``qqsim_nonebot`` starts: override it in a conftest (``NoneBotSetup``)."""
        return NoneBotSetup()

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def qqsim_nonebot_session(qqsim_nonebot_setup: NoneBotSetup
                                    ) -> AsyncIterator[NoneBotSession]:
        """NoneBot2 initialised, its plugins loaded, once for the session."""
        session = NoneBotSession(qqsim_nonebot_setup)
        await session.start()
        yield session
        await session.stop()

    @pytest_asyncio.fixture(loop_scope="session")
    async def qqsim_nonebot(request: pytest.FixtureRequest, qqsim: Any,
                            qqsim_nonebot_session: NoneBotSession) -> AsyncIterator[Any]:
        """The session's NoneBot2 connected to this test's world; the value is its ``Bot``."""
        problem = _loop_scope_problem(request.node)
        if problem:
            pytest.fail(problem, pytrace=False)
        async with qqsim_nonebot_session.connected(qqsim) as bot:
            yield bot

    return qqsim_nonebot_setup, qqsim_nonebot_session, qqsim_nonebot


def _loop_scope_problem(item: Any) -> str | None:
    """Why NoneBot's loop would not run during this test, if it would not."""
    import inspect

    if not inspect.iscoroutinefunction(getattr(item, "function", None)):
        return (f"{item.nodeid}: qqsim_nonebot runs NoneBot2 in the session's asyncio loop; "
                "make the test `async def` (pytest-asyncio)")
    marker = item.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope") if marker is not None else None
    if scope is None:
        try:
            scope = item.config.getini("asyncio_default_test_loop_scope")
        except ValueError:  # a pytest-asyncio without the setting
            scope = None
    if scope != "session":
        return (f"{item.nodeid}: qqsim_nonebot runs NoneBot2 in the session's asyncio loop, "
                "and this test runs in its own; mark it @pytest.mark.asyncio(loop_scope="
                "\"session\"), or set asyncio_default_test_loop_scope = session in the ini")
    return None
