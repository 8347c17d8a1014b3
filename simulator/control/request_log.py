"""The requests the console lists: every friend, join and invite request since it started.

Kept apart from the routes (``acting.py``) because it must follow the bus from the
moment the control listener starts, while the routes, and Quart with them, are built
on the listener's first request (``api.serve_control``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import trio

from ..world import DomainEvent, Request, RequestCreated

if TYPE_CHECKING:
    from ..simulation import Simulator

__all__ = ["RequestLog"]


class RequestLog:
    """Every request created since the console started, by flag, to show how it was answered.

    The world answers "which requests are pending for bot X"; the console also
    shows the ones a bot already approved or rejected. It follows the event bus
    (which survives ``sim.reset``), subscribed from construction so nothing
    created before ``follow`` runs is missed; the bus's overflow policy applies.
    """

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._flags: dict[str, None] = {}  # insertion-ordered set
        self._subscription = sim.bus.subscribe("console requests")

    async def follow(self) -> None:
        with self._subscription:
            async for event in self._subscription.receive:
                self._note(event)

    def _note(self, event: DomainEvent) -> None:
        if isinstance(event, RequestCreated):
            self._flags[event.request.flag] = None

    def all(self) -> list[Request]:
        # Take what the bus holds for us now, so a request made just before is listed.
        while True:
            try:
                self._note(self._subscription.receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
        found = (self._sim.world.requests.find(flag) for flag in self._flags)
        return [request for request in found if request is not None]
