"""The ``World`` facade: one object holding every service of one simulated QQ."""

from __future__ import annotations

import sqlite3
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from ..clock import Clock, SteerableClock
from ..errors import ConfigError
from .accounts import Accounts
from .core import EventSink, WorldCore, open_session
from .groups import Groups
from .history import History
from .lock import FileLock
from .media import MediaStore
from .messages import Messages
from .meta import WorldMeta
from .notices import Notices
from .pokes import Pokes
from .requests import Requests

if TYPE_CHECKING:
    from .albums import Albums
    from .bulletins import Bulletins
    from .favorites import Favorites
    from .files import GroupFiles
    from .forward_cards import ForwardCards
    from .group_extras import GroupExtras
    from .profiles import Profiles
    from .reactions import Reactions
    from .reads import Reads
    from .social import Social
    from .transfers import Transfers


class World:
    """All state of a simulated QQ: accounts, groups, messages and requests.

    Every method is synchronous and commits before it returns, so under trio
    a change is atomic without locks. Listeners hear about each committed
    change as a domain event.
    """

    def __init__(
        self,
        *,
        db_path: str | None = None,
        clock: Clock | None = None,
        template: sqlite3.Connection | None = None,
    ) -> None:
        """A world in ``db_path`` (in memory if None), or a copy of ``template``'s database.

        A file is locked for this world's lifetime (``ConfigError`` if another
        qqsim holds it). If it holds a saved world, ``restored`` is True and the
        clock resumes where that world's clock stood.
        """
        lock = None
        if db_path is not None:
            lock = FileLock(db_path)
            lock.acquire()
        try:
            self.core = WorldCore(open_session(db_path, template), clock, lock)
        except BaseException as exc:
            if lock is not None:
                lock.release()
            if isinstance(exc, DBAPIError | sqlite3.DatabaseError):
                raise ConfigError(f"{db_path}: not a qqsim world file ({exc.args[0]})") from None
            raise
        self.meta = WorldMeta(self.core)
        self.restored = db_path is not None and self.meta.seeded()
        if self.restored:
            self.meta.resume_clock(self.core.clock)
        # Only a file outlives the process: there the clock is saved each time it moves.
        self._saved_clock: SteerableClock | None = None
        if db_path is not None and isinstance(self.core.clock, SteerableClock):
            self._saved_clock = self.core.clock
            self._saved_clock.add_listener(self._clock_moved)
        self.accounts = Accounts(self.core)
        self.groups = Groups(self.core, self.accounts)
        self.messages = Messages(self.core, self.accounts, self.groups)
        self.requests = Requests(self.core, self.accounts, self.groups)
        self.media = MediaStore(self.core)
        self.pokes = Pokes(self.core, self.accounts, self.groups)
        self.history = History(self.core, self.messages, self.groups)
        # Stored as they happen, so the chat's newest message is the one each followed.
        self.notices = Notices(self.core, self.accounts, self.groups, self.messages)
        self.core.add_listener(self.notices.note)

    # -- services built on first use ---------------------------------------------------
    # Each is a module with its own tables that only some actions reach: an idle server
    # neither imports nor maps them (3.8 MB of its RSS, issue 10). Their tables are in every world
    # all the same (``schema.py``), and none of them listens to events or caches state.

    @cached_property
    def profiles(self) -> Profiles:
        from .profiles import Profiles  # lazy: start-up cost (above)

        return Profiles(self.core, self.accounts)

    @cached_property
    def social(self) -> Social:
        from .social import Social  # lazy: start-up cost (above)

        return Social(self.core, self.accounts)

    @cached_property
    def favorites(self) -> Favorites:
        from .favorites import Favorites  # lazy: start-up cost (above)

        return Favorites(self.core, self.accounts)

    @cached_property
    def albums(self) -> Albums:
        from .albums import Albums  # lazy: start-up cost (above)

        return Albums(self.core, self.accounts, self.groups)

    @cached_property
    def transfers(self) -> Transfers:
        from .transfers import Transfers  # lazy: start-up cost (above)

        return Transfers(self.core, self.accounts, self.groups, self.messages)

    @cached_property
    def files(self) -> GroupFiles:
        from .files import GroupFiles  # lazy: start-up cost (above)

        return GroupFiles(self.core, self.accounts, self.groups, self.messages)

    @cached_property
    def group_extras(self) -> GroupExtras:
        from .group_extras import GroupExtras  # lazy: start-up cost (above)

        return GroupExtras(self.core, self.groups, self.messages)

    @cached_property
    def bulletins(self) -> Bulletins:
        from .bulletins import Bulletins  # lazy: start-up cost (above)

        return Bulletins(self.core, self.accounts, self.groups, self.messages)

    @cached_property
    def reads(self) -> Reads:
        from .reads import Reads  # lazy: start-up cost (above)

        return Reads(self.core, self.history)

    @cached_property
    def reactions(self) -> Reactions:
        from .reactions import Reactions  # lazy: start-up cost (above)

        return Reactions(self.core, self.messages, self.groups)

    @cached_property
    def forward_cards(self) -> ForwardCards:
        from .forward_cards import ForwardCards  # lazy: start-up cost (above)

        return ForwardCards(self.core)

    @property
    def clock(self) -> Clock:
        return self.core.clock

    def now(self) -> int:
        return self.core.now()

    def add_listener(self, sink: EventSink) -> None:
        self.core.add_listener(sink)

    def remove_listener(self, sink: EventSink) -> None:
        self.core.remove_listener(sink)

    def mark_seeded(self, name: str) -> None:
        """Record that the stored world is complete: reopening its file loads it, not seeds it."""
        self.meta.mark_seeded(name, self.core.clock)

    def _clock_moved(self, _seconds: float) -> None:
        self.meta.save_clock(self.core.clock)

    def close(self) -> None:
        if self._saved_clock is not None:
            self._saved_clock.remove_listener(self._clock_moved)
        self.core.close()
