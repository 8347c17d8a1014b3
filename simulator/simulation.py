"""The simulator: one world, its event bus, recorded traffic, faults and the transcript.

``Simulator`` is the public entry point. Build one from a ``SimulatorConfig``, serve it
(``simulator.app.open_simulator`` / ``serve``), act as any simulated person through
``sim.person(uid)`` and read history through ``sim.history``. This module serves nothing:
``simulator.app`` starts the adapters and the control API around it.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import trio

from .bus import EventBus
from .clock import Clock, SteerableClock
from .config import SimulatorConfig
from .coverage import Recorder
from .endpoint import Endpoint
from .errors import ConfigError
from .faults import Fault, FaultNotSupported, FaultPlan, Level
from .link import BotLink
from .lint import Linter
from .onebot.context import ConnectionSettings
from .onebot.profiles import PROFILES, Profile
from .onebot.registry import REGISTRY
from .people import Person
from .recording import DEFAULT_BUDGET, RecordLog, without_huge_strings
from .storage import Storage
from .traffic import (
    ActionRecord,
    FrameRecord,
    TrafficListener,
    action_of,
    action_plain,
    frame_of,
    frame_plain,
)
from .transcript import Transcript
from .world import DomainEvent, Message, World, WorldSpec, build_world, load_spec
from .world.snapshot_store import Shelf, WorldSnapshot, restore_snapshot, take_snapshot

if TYPE_CHECKING:
    from .recorder import ScenarioRecorder

log = logging.getLogger("qqsim")


class Simulator:
    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        spec: WorldSpec | None = None,
        clock: Clock | None = None,
        record_budget: int = 4 * DEFAULT_BUDGET,
    ) -> None:
        """``record_budget``: bytes kept in memory of recorded traffic, a quarter each
        for ``actions`` and ``frames``, half for the ``transcript``'s other entries (its
        calls and frames are read from ``actions`` and ``frames``; ``simulator.recording``:
        the oldest go first, in each log on its own)."""
        self.config = config or SimulatorConfig()
        self.profile: Profile = self._profile(self.config.profile)
        self.spec = spec or load_spec(self.config.seed)
        self.world: World = build_world(self.spec, db_path=self.config.db_path, clock=clock)
        self.storage = Storage(self.config.storage_dir)
        self.bus = EventBus(self.config.event_buffer)
        self.world.add_listener(self.bus.publish)
        self.endpoints: list[Endpoint] = []
        #: Calls bots made and frames they were sent, oldest first, within a byte budget.
        self.actions: RecordLog[ActionRecord] = RecordLog(
            action_plain, action_of, budget=record_budget // 4)
        self.connections: list[BotLink] = []
        self.frames: RecordLog[FrameRecord] = RecordLog(
            frame_plain, frame_of, budget=record_budget // 4)
        self._traffic_seq = itertools.count(1)
        self._traffic_listeners: list[TrafficListener] = []
        self._connections_changed = trio.Event()
        #: Set when the world, the traffic or the clock moved; made only while someone waits
        #: (every call and every world change would otherwise build a new trio.Event).
        self._world_changed: trio.Event | None = None
        self.world.add_listener(self._on_world_change)
        self._clock_moved = trio.Event()
        #: Everything that happens, as JSON-lines-ready entries (``transcript.py``); its
        #: calls and frames are the records kept in ``actions`` and ``frames``.
        self.transcript = Transcript(self._world_now, budget=record_budget // 2,
                                     calls=self.actions, frames=self.frames)
        #: Faults armed for bots' calls and connections (``simulator.faults``).
        self.faults = FaultPlan(lambda: self.world.clock.now())
        self.faults.validator = self._check_fault_support
        self.faults.add_listener(self.transcript.fault)
        #: Bot calls being answered right now (counted by ``BotLink.handle``).
        self.calls_in_flight = 0
        #: Set while a transport answers a call or renders an event frame (``BotLink``): its
        #: records and the world entries it causes may be serialised later (``recording``:
        #: no user code gets their objects).
        self.lazy_records = False
        #: What bots called and received, against the profile's surface (``simulator.coverage``).
        self.coverage = Recorder(self)
        #: Snapshots saved under a name (``snapshot(name)``, scenarios, the control API).
        self.snapshots = Shelf()
        #: Bot behaviour real QQ would punish, found in its calls (``simulator.lint``).
        self.lint = Linter(self)
        self._attach_world()

    @cached_property
    def recorder(self) -> ScenarioRecorder:
        """Records what people and the bot do as a scenario, while switched on (built on
        first use: it listens only once started)."""
        # Lazy for start-up cost: a simulator nobody records with never loads the recorder
        # (nor, through it, the scenario engine).
        from .recorder import ScenarioRecorder

        return ScenarioRecorder(self)

    # -- acting and reading ------------------------------------------------

    def person(self, user_id: int) -> Person:
        """Act as simulated person ``user_id`` (send, recall, request, join, ...)."""
        self.world.accounts.get(user_id)
        return Person(self, user_id)

    def history(
        self, *, group_id: int | None = None, user_id: int | None = None,
        peer_id: int | None = None,
    ) -> list[Message]:
        """A group's messages, or the private chat between ``user_id`` and ``peer_id``."""
        if group_id is not None:
            return self.world.messages.group_history(group_id)
        if user_id is None or peer_id is None:
            raise ValueError("give group_id, or both user_id and peer_id")
        return self.world.messages.private_history(user_id, peer_id)

    def url(self, kind: str, bot_id: int | None = None) -> str:
        """Where ``kind`` (``ws``, ``http``, ``sse``, ``control``...) listens; for ``bot_id``
        when given (the control listener serves every bot)."""
        for endpoint in self.endpoints:
            if endpoint.kind == kind and (bot_id is None or endpoint.bot_id in (bot_id, None)):
                return endpoint.url
        raise LookupError(f"no {kind} endpoint for bot {bot_id} (have "
                          f"{[(e.kind, e.bot_id) for e in self.endpoints]})")

    def link(self, bot_id: int, settings: ConnectionSettings | None = None) -> BotLink:
        """A connection-less link: call actions as bot ``bot_id`` in-process."""
        if not self.world.accounts.get(bot_id).is_bot:
            raise ConfigError(f"{bot_id} is not a bot account")
        return BotLink(self, bot_id, settings or ConnectionSettings(name="inproc"))

    def record_action(
        self, link: BotLink, action: str, params: Any, body: dict[str, Any], elapsed_ms: float,
        *, fault: str | None = None, short: bool = False,
    ) -> None:
        """Keep one answered call; ``short``: the caller knows no string in ``params`` is
        huge (they came in a short frame), so they are kept without looking."""
        # A huge parameter is cut before anyone marshals or copies it (``recording``).
        transcript = self.transcript
        record = ActionRecord(link.self_id, link.settings.name, action,
                              params if short else without_huge_strings(params), body, elapsed_ms,
                              self._world_now(), next(self._traffic_seq), fault,
                              transcript.claim())
        # Kept in ``actions`` by the transcript (its "action" entry is read from there),
        # then the traffic listeners (called here, not as one of them, their loop inline:
        # calls less on every call and frame; a copy, as one may remove itself).
        transcript.action(record, self.lazy_records)
        for listener in list(self._traffic_listeners):
            listener(record)
        if self._world_changed is not None:  # ``wait_until`` predicates may be about calls
            self._wake_waiters()

    def record_frame(self, link: BotLink, event: dict[str, Any]) -> None:
        """Links call this for every event frame they hand a bot (kept in ``sim.frames``)."""
        transcript = self.transcript
        record = FrameRecord(link.self_id, link.settings.name, event, self._world_now(),
                             next(self._traffic_seq), transcript.claim())
        transcript.frame(record, self.lazy_records)  # kept in ``frames``
        for listener in list(self._traffic_listeners):  # as in ``record_action``
            listener(record)

    def _world_now(self) -> int:
        """``world.now()`` without its two layers (``World.now``, ``WorldCore.now``): read
        for every call, frame and transcript entry. ``world`` may be replaced (``reset``)."""
        return int(self.world.core.clock.now())

    def add_traffic_listener(self, listener: TrafficListener) -> None:
        """Hear of every action and frame as it is recorded; must not block or raise."""
        self._traffic_listeners.append(listener)

    def remove_traffic_listener(self, listener: TrafficListener) -> None:
        if listener in self._traffic_listeners:
            self._traffic_listeners.remove(listener)

    def _on_world_change(self, event: object) -> None:
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        if self._world_changed is not None:
            self._world_changed.set()
            self._world_changed = None

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every world change,
        every action a bot calls, and every move of the clock.

        Wrap it in ``trio.fail_after`` to bound the wait.
        """
        while not predicate():
            if self._world_changed is None:
                self._world_changed = trio.Event()
            await self._world_changed.wait()

    # -- connections -------------------------------------------------------

    def connection_opened(self, link: BotLink) -> None:
        """Adapters call this when a bot connection is up (and events can flow)."""
        # The handlers load now, not within the bot's first call: its first answer would
        # otherwise take the import (~0.2 s), and a bot's call timeout may be short.
        REGISTRY.declare_all()
        link.connected_at = self.world.now()
        self.connections.append(link)
        self.transcript.connection(link, "opened")
        self._notify_connections()

    def connection_closed(self, link: BotLink) -> None:
        if link in self.connections:
            self.connections.remove(link)
            self.transcript.connection(link, "closed")
        self._notify_connections()

    def _notify_connections(self) -> None:
        self._connections_changed.set()
        self._connections_changed = trio.Event()

    async def wait_connected(self, bot_id: int | None = None, count: int = 1) -> None:
        """Wait until ``count`` connections serve ``bot_id`` (any bot when None)."""
        while sum(1 for link in self.connections
                  if bot_id is None or link.self_id == bot_id) < count:
            await self._connections_changed.wait()

    async def wait_disconnected(self, bot_id: int | None = None) -> None:
        """Wait until no connection serves ``bot_id`` (any bot when None)."""
        while any(bot_id is None or link.self_id == bot_id for link in self.connections):
            await self._connections_changed.wait()

    def default_bot(self) -> int:
        bots = self.world.accounts.bots()
        if not bots:
            raise ConfigError("the world has no bot account")
        return bots[0].user_id

    def close(self) -> None:
        self.world.close()
        self.storage.close()

    # -- time, faults, transcript, reset (scenarios, tests, the console) -----

    def advance(self, seconds: float) -> None:
        """Move the world clock forward: mute expiry, timestamps, request expiry, heartbeats
        and timed faults follow. Code sleeping in ``sleep_world`` wakes when its time comes.
        """
        clock = self.world.clock
        if not isinstance(clock, SteerableClock):
            raise ConfigError(f"this world's clock ({type(clock).__name__}) cannot be advanced")
        clock.advance(seconds)

    async def sleep_world(self, seconds: float) -> None:
        """Sleep until the world clock has moved ``seconds`` forward.

        A ``SystemClock`` moves with real time, and both clocks jump when
        advanced; a ``ManualClock`` moves only when advanced. After a jump past
        several deadlines a sleeper wakes once, not once per missed deadline.
        """
        clock = self.world.clock
        deadline = clock.now() + seconds
        while (remaining := deadline - clock.now()) > 0:
            moved = self._clock_moved
            real_time = getattr(clock, "follows_real_time", True)
            with trio.move_on_after(remaining if real_time else math.inf):
                await moved.wait()
            if self.world.clock is not clock:  # ``reset`` brought a new clock: start over
                clock = self.world.clock
                deadline = clock.now() + seconds

    def is_quiet(self) -> bool:
        """No bot call is being answered and no event waits for a connection to take it."""
        return self.calls_in_flight == 0 and self.bus.pending() == 0

    async def settle(self, cushion: float = 0.0) -> None:
        """Wait until every task of this process is blocked: what was triggered is sent.

        Use it after advancing the clock or injecting events, before checking
        what went out; the bot under test runs elsewhere and is not waited for.
        """
        from trio.testing import wait_all_tasks_blocked

        await wait_all_tasks_blocked(cushion)

    def snapshot(self, name: str | None = None) -> WorldSnapshot:
        """The whole world now: state, history, ids and the clock (kept as ``name`` if given)."""
        snap = take_snapshot(self.world)
        if name is not None:
            self.snapshots.put(name, snap)
        return snap

    def restore(self, snapshot: WorldSnapshot | str) -> None:
        """Bring the world back to ``snapshot`` (or the one saved under that name).

        Connections stay open and see the restored world; bots get no event for it.
        Recorded traffic, faults and the transcript go on (it notes the restore).
        """
        name = snapshot if isinstance(snapshot, str) else ""
        snap = self.snapshots.get(snapshot) if isinstance(snapshot, str) else snapshot
        restore_snapshot(self.world, snap)
        self.transcript.add("snapshot", restored=name)
        self._on_clock_moved(0)  # sleepers and waiters re-read the world and its clock

    def _profile(self, name: str) -> Profile:
        """The named profile, with the options of ``config`` that adjust it."""
        if name not in PROFILES:
            raise ConfigError(f"unknown profile {name!r} (know {list(PROFILES)})")
        profile = PROFILES[name]
        if self.config.immediate_send_failures:
            return replace(profile, kernel_send_timeout=None)
        return profile

    def reset(self, spec: WorldSpec | None = None, *, profile: str | None = None,
              clock: Clock | None = None) -> None:
        """Throw the world away and build a fresh one (from ``spec``, else the same spec).

        Bot connections stay open and see the new world; faults, recorded
        actions and frames, and the transcript start empty. ``clock`` replaces
        the world's clock (default: keep it). Needs an in-memory world.
        """
        if self.config.db_path is not None:
            raise ConfigError("reset rebuilds the world in memory; this one lives in a file")
        if profile is not None:
            self.profile = self._profile(profile)
        old = self.world
        self._detach_world()
        self.spec = spec or self.spec
        self.world = build_world(self.spec, clock=clock or old.clock)
        self.world.add_listener(self.bus.publish)
        self.world.add_listener(self._on_world_change)
        self._attach_world()
        old.close()
        self.faults.clear()
        self.transcript.clear()  # its calls and frames too: ``actions``, ``frames``
        self._on_clock_moved(0)  # sleepers re-read the (maybe new) clock

    def _attach_world(self) -> None:
        """Listen to the world's changes and clock (the bus and waiters are hooked already)."""
        self.world.add_listener(self._transcribe_world)
        if isinstance(self.world.clock, SteerableClock):
            self.world.clock.add_listener(self._on_clock_moved)

    def _detach_world(self) -> None:
        for sink in (self.bus.publish, self._on_world_change, self._transcribe_world):
            self.world.remove_listener(sink)
        if isinstance(self.world.clock, SteerableClock):
            self.world.clock.remove_listener(self._on_clock_moved)

    def _transcribe_world(self, event: DomainEvent) -> None:
        self.transcript.world(event, self.lazy_records)

    def _on_clock_moved(self, seconds: float) -> None:
        if seconds:
            self.transcript.clock(seconds)
        self._clock_moved.set()
        self._clock_moved = trio.Event()
        self._wake_waiters()

    def _check_fault_support(self, fault: Fault) -> None:
        """Refuse a wire-level fault no live connection of its target can apply."""
        if fault.level is Level.ACTION:
            return
        who = f"bot {fault.bot}" if fault.bot is not None else "any bot"
        if fault.connection is not None:
            who += f" named {fault.connection!r}"
        targets = [link for link in self.connections
                   if (fault.bot is None or link.self_id == fault.bot)
                   and (fault.connection is None or link.settings.name == fault.connection)]
        if not targets:
            raise FaultNotSupported(f"{fault.kind}: no live connection of {who} to apply it to")
        unable = [link.tag for link in targets if fault.kind not in link.wire_faults]
        if unable:
            raise FaultNotSupported(
                f"{fault.kind} cannot be applied on {', '.join(unable)}: that adapter does not "
                "support it; name a connection that does (connection: <adapter name>)"
            )
