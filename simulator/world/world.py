"""The ``World`` facade: one object holding every service of one simulated QQ."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

from ..clock import Clock, SteerableClock
from ..errors import ConfigError
from .accounts import Accounts
from .albums import Albums
from .bulletins import Bulletins
from .core import EventSink, WorldCore, open_session
from .favorites import Favorites
from .files import GroupFiles
from .forward_cards import ForwardCards
from .group_extras import GroupExtras
from .groups import Groups
from .history import History
from .lock import FileLock
from .media import MediaStore
from .messages import Messages
from .meta import WorldMeta
from .notices import Notices
from .pokes import Pokes
from .profiles import Profiles
from .reactions import Reactions
from .reads import Reads
from .requests import Requests
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
        self.profiles = Profiles(self.core, self.accounts)
        self.pokes = Pokes(self.core, self.accounts, self.groups)
        self.social = Social(self.core, self.accounts)
        self.favorites = Favorites(self.core, self.accounts)
        self.albums = Albums(self.core, self.accounts, self.groups)
        self.transfers = Transfers(self.core, self.accounts, self.groups, self.messages)
        self.files = GroupFiles(self.core, self.accounts, self.groups, self.messages)
        self.group_extras = GroupExtras(self.core, self.groups, self.messages)
        self.bulletins = Bulletins(self.core, self.accounts, self.groups, self.messages)
        self.history = History(self.core, self.messages, self.groups)
        self.reads = Reads(self.core, self.history)
        self.reactions = Reactions(self.core, self.messages, self.groups)
        self.forward_cards = ForwardCards(self.core)
        # Stored as they happen, so the chat's newest message is the one each followed.
        self.notices = Notices(self.core, self.accounts, self.groups, self.messages)
        self.core.add_listener(self.notices.note)

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
