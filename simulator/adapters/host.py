"""``TransportHost``: what the adapters need of the simulator they serve.

Adapters never import ``Simulator`` (it sits above them: ``simulator.app`` hands one to
``start_adapter``); they see this protocol, a ``LinkHost`` (what every ``BotLink`` needs)
plus the links they make, the event bus they subscribe to and the connection book.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Protocol

from ..link import LinkHost
from ..onebot.events.render import sees

if TYPE_CHECKING:
    from ..bus import EventBus, Subscription
    from ..link import BotLink
    from ..onebot.context import ConnectionSettings


class TransportHost(LinkHost, Protocol):
    @property
    def bus(self) -> EventBus: ...

    def link(self, bot_id: int, settings: ConnectionSettings | None = None) -> BotLink:
        """A link serving ``bot_id`` on a connection with ``settings``."""
        ...

    def connection_opened(self, link: BotLink) -> None:
        """A bot connection is up: events can flow to ``link``."""
        ...

    def connection_closed(self, link: BotLink) -> None: ...


@contextmanager
def connected(host: TransportHost, link: BotLink) -> Iterator[Subscription]:
    """Hold ``link`` open as a connection of ``host``: the bus subscription its events come
    through, and the connection book (``sim.connections``) while the block runs."""
    # Only events the bot may get a frame for: a bot's own send wakes no event pump.
    accepts = partial(sees, self_id=link.self_id, settings=link.settings)
    with host.bus.subscribe(link.tag, accepts=accepts) as subscription:
        host.connection_opened(link)
        try:
            yield subscription
        finally:
            host.connection_closed(link)
