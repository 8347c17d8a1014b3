"""The simulator: one world, its event bus, and the adapters that serve bots.

``Simulator`` is the public entry point. Build one from a ``SimulatorConfig``,
run it inside a trio nursery (``open_simulator``), act as any simulated person
through ``sim.person(uid)`` and read history through ``sim.history``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import trio

from .bus import EventBus
from .clock import Clock
from .config import SimulatorConfig
from .errors import ConfigError
from .onebot.context import ConnectionSettings
from .onebot.profiles import PROFILES, Profile
from .people import Person
from .storage import Storage
from .world import Message, World, WorldSpec, build_world, load_spec

if TYPE_CHECKING:
    from .link import BotLink

log = logging.getLogger("qqsim")


@dataclass(frozen=True)
class Endpoint:
    """A listener (or outgoing connection) qqsim runs, as the CLI prints it."""

    bot_id: int | None
    kind: str
    name: str
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])


@dataclass(frozen=True)
class ActionRecord:
    """One action a bot called, with the response it got."""

    bot_id: int
    connection: str
    action: str
    params: Any
    response: dict[str, Any]
    elapsed_ms: float
    time: int


class Simulator:
    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        spec: WorldSpec | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or SimulatorConfig()
        if self.config.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.config.profile!r} (know {list(PROFILES)})")
        self.profile: Profile = PROFILES[self.config.profile]
        self.spec = spec or load_spec(self.config.seed)
        self.world: World = build_world(self.spec, db_path=self.config.db_path, clock=clock)
        self.storage = Storage(self.config.storage_dir)
        self.bus = EventBus(self.config.event_buffer)
        self.world.add_listener(self.bus.publish)
        self.endpoints: list[Endpoint] = []
        self.actions: deque[ActionRecord] = deque(maxlen=10_000)
        self.connections: list[BotLink] = []
        self._connections_changed = trio.Event()
        self._world_changed = trio.Event()
        self.world.add_listener(self._on_world_change)

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

    def link(self, bot_id: int, settings: ConnectionSettings | None = None) -> BotLink:
        """A connection-less link: call actions as bot ``bot_id`` in-process."""
        from .link import BotLink

        if not self.world.accounts.get(bot_id).is_bot:
            raise ConfigError(f"{bot_id} is not a bot account")
        return BotLink(self, bot_id, settings or ConnectionSettings(name="inproc"))

    def record_action(
        self, link: BotLink, action: str, params: Any, body: dict[str, Any], elapsed_ms: float
    ) -> None:
        self.actions.append(
            ActionRecord(link.self_id, link.settings.name, action, params, body, elapsed_ms,
                         self.world.now())
        )

    def _on_world_change(self, event: object) -> None:
        self._world_changed.set()
        self._world_changed = trio.Event()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every world change.

        Wrap it in ``trio.fail_after`` to bound the wait.
        """
        while not predicate():
            await self._world_changed.wait()

    # -- connections -------------------------------------------------------

    def connection_opened(self, link: BotLink) -> None:
        """Adapters call this when a bot connection is up (and events can flow)."""
        self.connections.append(link)
        self._notify_connections()

    def connection_closed(self, link: BotLink) -> None:
        if link in self.connections:
            self.connections.remove(link)
        self._notify_connections()

    def _notify_connections(self) -> None:
        self._connections_changed.set()
        self._connections_changed = trio.Event()

    async def wait_connected(self, bot_id: int | None = None, count: int = 1) -> None:
        """Wait until ``count`` connections serve ``bot_id`` (any bot when None)."""
        while sum(1 for link in self.connections
                  if bot_id is None or link.self_id == bot_id) < count:
            await self._connections_changed.wait()

    def default_bot(self) -> int:
        bots = self.world.accounts.bots()
        if not bots:
            raise ConfigError("the world has no bot account")
        return bots[0].user_id

    # -- serving -----------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[list[Endpoint]] = trio.TASK_STATUS_IGNORED
                  ) -> None:
        """Start every enabled adapter and the control API; serve until cancelled."""
        from .adapters import start_adapter
        from .control.api import serve_control

        async with trio.open_nursery() as nursery:
            for bot_id, onebot in self.config.bots.items():
                self.link(bot_id)  # fails early on an unknown bot
                for adapter in onebot.network.enabled():
                    endpoint = await start_adapter(nursery, self, bot_id, adapter)
                    self.endpoints.append(endpoint)
            if self.config.control_port is not None:
                endpoint = await nursery.start(serve_control, self)
                self.endpoints.append(endpoint)
            task_status.started(list(self.endpoints))

    def close(self) -> None:
        self.world.close()
        self.storage.close()


@asynccontextmanager
async def open_simulator(
    config: SimulatorConfig | None = None, *, spec: WorldSpec | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[Simulator]:
    """Run a simulator for the duration of the ``async with`` block."""
    sim = Simulator(config, spec=spec, clock=clock)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(sim.run)
            yield sim
            nursery.cancel_scope.cancel()
    finally:
        sim.close()
