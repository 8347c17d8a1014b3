"""The ``World`` facade: one object holding every service of one simulated QQ."""

from __future__ import annotations

from ..clock import Clock
from .accounts import Accounts
from .core import EventSink, WorldCore, open_session
from .groups import Groups
from .media import MediaStore
from .messages import Messages
from .requests import Requests


class World:
    """All state of a simulated QQ: accounts, groups, messages and requests.

    Every method is synchronous and commits before it returns, so under trio
    a change is atomic without locks. Listeners hear about each committed
    change as a domain event.
    """

    def __init__(self, *, db_path: str | None = None, clock: Clock | None = None) -> None:
        self.core = WorldCore(open_session(db_path), clock)
        self.accounts = Accounts(self.core)
        self.groups = Groups(self.core, self.accounts)
        self.messages = Messages(self.core, self.accounts, self.groups)
        self.requests = Requests(self.core, self.accounts, self.groups)
        self.media = MediaStore(self.core)

    @property
    def clock(self) -> Clock:
        return self.core.clock

    def now(self) -> int:
        return self.core.now()

    def add_listener(self, sink: EventSink) -> None:
        self.core.add_listener(sink)

    def remove_listener(self, sink: EventSink) -> None:
        self.core.remove_listener(sink)

    def close(self) -> None:
        self.core.session.close()
