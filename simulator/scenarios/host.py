"""``ScenarioHost``: what running a scenario needs of a simulator (``Simulator`` is one).

The scenario engine sits below ``Simulator`` and never imports it: a run acts as people,
moves the clock, arms faults, waits for the bot and reads the world and the transcript,
all through this protocol, which is ``Simulator``'s public surface that scenarios use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..clock import Clock
    from ..faults import FaultPlan
    from ..link import BotLink
    from ..people import Person
    from ..transcript import Transcript
    from ..world import World, WorldSpec
    from ..world.snapshot_store import WorldSnapshot


class ScenarioHost(Protocol):
    @property
    def world(self) -> World: ...

    @property
    def transcript(self) -> Transcript: ...

    @property
    def faults(self) -> FaultPlan: ...

    @property
    def connections(self) -> Sequence[BotLink]: ...

    def person(self, user_id: int) -> Person: ...

    def default_bot(self) -> int: ...

    def reset(self, spec: WorldSpec | None = None, *, profile: str | None = None,
              clock: Clock | None = None) -> None: ...

    def advance(self, seconds: float) -> None: ...

    async def settle(self, cushion: float = 0.0) -> None: ...

    async def wait_until(self, predicate: Callable[[], bool]) -> None: ...

    async def wait_connected(self, bot_id: int | None = None, count: int = 1) -> None: ...

    async def wait_disconnected(self, bot_id: int | None = None) -> None: ...

    def snapshot(self, name: str | None = None) -> WorldSnapshot: ...

    def restore(self, snapshot: WorldSnapshot | str) -> None: ...
