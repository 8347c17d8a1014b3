"""The shared machinery every world service uses: storage, clock and outbox.

Storage is one SQLite connection. The SQLModel tables (``tables.py`` and the
services' own) are the schema; cold paths reach them through the ORM session,
hot paths (sending, paging, member lists) through the same connection with
plain SQL. Both write in the same transaction, and every change ends in
``WorldCore.commit``, which is also the one place where a failed write is
rolled back and every derived cache is dropped (``on_rollback``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import attributes
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Session, SQLModel, create_engine

from ..clock import Clock, SystemClock
from ..errors import StoreFailed, Why
from .connection import Statement, WorldConnection, run_statements
from .events import DomainEvent
from .lock import FileLock
from .schema import create_schema

log = logging.getLogger("qqsim.world")
RowT = TypeVar("RowT", bound=SQLModel)
EventSink = Callable[[DomainEvent], None]
#: Called after a rollback: a cache derived from the tables forgets what it knew.
RollbackHook = Callable[[], None]

# Rows of small hot tables kept alive beyond SQLAlchemy's weak identity map (see
# ``_pin_small_rows``). Bounded so a 100k-people world does not end up with every
# member row as a live ORM object: past the bound the oldest pins are released and
# those rows are simply read again from SQLite when next needed.
PIN_LIMIT = 20_000
#: Sends an in-memory world queues at most before their statements run together
#: (``connection``) and are committed: a batch runs at a fraction of the cost of as many
#: single INSERTs, and a commit first copies every page it changes into SQLite's journal
#: (a message changes ~6 pages of 4 KiB; one commit per message was a sixth of a send's
#: time over a WebSocket).
QUEUE_MAX = 32


#: How SQLAlchemy opens a world's connection: a ``WorldConnection`` (``connection``).
_CONNECT_ARGS: dict[str, Any] = {"check_same_thread": False, "factory": WorldConnection}


def open_session(db_path: str | None, template: sqlite3.Connection | None = None) -> Session:
    """An SQLite session: in memory when ``db_path`` is None, else a file.

    With ``template`` (an in-memory database, see ``copy_database``) the new
    in-memory database starts as a copy of it, schema and rows.
    """
    if template is not None:
        copy = sqlite3.connect(":memory:", check_same_thread=False, factory=WorldConnection)
        template.backup(copy)
        session = Session(_copies_engine().connect_to(copy), expire_on_commit=False)
        _pin_small_rows(session)
        return session
    if db_path is None:
        # One shared connection, or every new connection would see an empty database.
        engine = create_engine("sqlite://", connect_args=_CONNECT_ARGS, poolclass=StaticPool)
    else:
        # One connection for the file too: the ORM and the raw hot paths must share it,
        # and so its transaction.
        engine = create_engine(f"sqlite:///{db_path}", poolclass=StaticPool,
                               connect_args=_CONNECT_ARGS)
    session = Session(engine, expire_on_commit=False)
    if db_path is not None:
        _journal_to_wal(raw_connection(session))
    create_schema(raw_connection(session))
    if db_path is not None:
        _drop_obsolete_indexes(raw_connection(session))
    _pin_small_rows(session)
    return session


def _drop_obsolete_indexes(connection: sqlite3.Connection) -> None:
    """A file saved by an older qqsim may hold indexes the schema replaced: writing to
    them would only cost time."""
    from .tables import OBSOLETE_INDEXES  # lazy: start-up cost of the table models

    for name in OBSOLETE_INDEXES:
        connection.execute(f'DROP INDEX IF EXISTS "{name}"')
    connection.commit()


class _CopiesEngine:
    """One engine for every world copied from a template, each on its own connection.

    SQLAlchemy caches compiled statements per engine (per dialect): with an engine per
    world, each new world compiled each ORM statement again, about 1 ms for its first
    read. Copies share this engine's cache; each gets its own connection, handed to the
    pool's ``creator`` (``NullPool``: nothing is kept once a world lets go of it).
    """

    def __init__(self) -> None:
        self._handing: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # worlds may be built on several threads at once
        self.engine = create_engine("sqlite://", creator=self._hand_over, poolclass=NullPool)

    def _hand_over(self) -> sqlite3.Connection:
        assert self._handing is not None, "connections come only from connect_to"
        return self._handing

    def connect_to(self, connection: sqlite3.Connection) -> Connection:
        with self._lock:
            self._handing = connection
            try:
                return self.engine.connect()
            finally:
                self._handing = None


_COPIES: list[_CopiesEngine] = []


def _copies_engine() -> _CopiesEngine:
    if not _COPIES:
        _COPIES.append(_CopiesEngine())
    return _COPIES[0]


def _journal_to_wal(connection: sqlite3.Connection) -> None:
    # WAL: a commit is one append to the log. synchronous=NORMAL skips the fsync at
    # each commit: a killed process loses nothing committed (the OS keeps the log),
    # only a power cut could, which is no concern for a simulator.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _weakly(method: Callable[[], None]) -> Callable[[], None]:
    """``method`` called through a weak reference to its object (gone: nothing)."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None:
            bound()

    return call


def raw_connection(session: Session) -> sqlite3.Connection:
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection


def copy_database(session: Session) -> sqlite3.Connection:
    """A private in-memory copy of everything ``session`` has committed."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    raw_connection(session).backup(copy)
    return copy


def _pin_small_rows(session: Session) -> None:
    """Keep recently loaded account, group, member and friendship rows alive.

    SQLAlchemy's identity map holds rows weakly, so without this each
    ``session.get`` of a row nobody references goes back to SQLite. Messages
    are not pinned, as history can grow without bound; the others are pinned
    up to ``PIN_LIMIT`` rows, oldest released first.
    """
    from .tables import AccountRow, FriendshipRow, GroupRow, MemberRow  # lazy: start-up

    pinned: OrderedDict[int, Any] = OrderedDict()  # by id(): SQLModel rows are unhashable
    session.info["pinned"] = pinned
    small = (AccountRow, FriendshipRow, GroupRow, MemberRow)

    @event.listens_for(session, "loaded_as_persistent")
    @event.listens_for(session, "pending_to_persistent")
    def _pin(_session: Session, instance: object) -> None:
        if isinstance(instance, small):
            pinned[id(instance)] = instance
            if len(pinned) > PIN_LIMIT:
                pinned.popitem(last=False)

    @event.listens_for(session, "persistent_to_deleted")
    def _unpin(_session: Session, instance: object) -> None:
        pinned.pop(id(instance), None)


class WorldCore:
    """Session, connection, clock and event listeners shared by the services of one world."""

    def __init__(self, session: Session, clock: Clock | None = None,
                 lock: FileLock | None = None) -> None:
        self.session = session
        #: The DB-API connection under the session, for the hot paths' plain SQL.
        self.conn = raw_connection(session)
        self.clock: Clock = clock or SystemClock()
        self._lock = lock
        self._engine = session.get_bind()
        #: ``Session._is_clean`` bound once (``_orm_changed``, on every send); None without it.
        self._is_clean: Callable[[], bool] | None = getattr(session, "_is_clean", None)
        self._listeners: list[EventSink] = []
        self._rollback_hooks: list[RollbackHook] = []
        self._deferring = False
        #: The statements of the sends run but not committed yet (``sending``), each send's
        #: first an INSERT; None for a file, where each send is committed before it is answered.
        self._unsaved: list[list[Statement]] | None = [] if lock is None else None
        #: Runs a send's statements (a plain cursor: the connection's own would run the
        #: queue first, and this is what runs it).
        self._cursor = sqlite3.Cursor(self.conn)
        #: In memory, the sends not run yet (``connection``): the connection's own list,
        #: which it runs through ``write_queued`` before anything else. None for a file.
        self._queued: list[list[Statement]] | None = None
        if self._unsaved is not None and isinstance(self.conn, WorldConnection):
            self._queued = self.conn.queued
            # Weakly: whoever keeps the connection must not keep this core (and with it
            # every service of the world) alive.
            self.conn.write_queued = _weakly(self.write_queued)

    def now(self) -> int:
        return int(self.clock.now())

    # -- storing -------------------------------------------------------------

    def commit(self) -> None:
        """Make every change since the last commit durable, or roll all of it back.

        A failure (a string SQLite cannot store, a broken constraint) never
        leaves the session unusable: it is rolled back, caches forget, and the
        caller gets ``StoreFailed`` for its action while the next one works.
        """
        try:
            if self._deferring:
                self.session.flush()  # checked now, made durable at the end of the batch
                return
            self.session.commit()
            self.conn.commit()  # plain-SQL writes the ORM did not see
        except Exception as exc:
            self.rollback()
            raise StoreFailed(Why.STORE_FAILED) from exc
        if self._unsaved:
            self._unsaved.clear()

    @property
    def building(self) -> bool:
        """Inside ``one_commit``: the world is being built, nothing in it has happened yet."""
        return self._deferring

    @contextmanager
    def one_commit(self) -> Iterator[None]:
        """Many changes, one commit at the end (building a world: nobody is listening yet)."""
        self._deferring = True
        try:
            yield
        except BaseException:
            self._deferring = False
            self.rollback()
            raise
        self._deferring = False
        self.commit()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """Plain-SQL writes in one transaction: committed on exit, rolled back on error."""
        try:
            yield self.conn
            if self._orm_changed():
                self.session.flush()  # ORM changes made inside the block go in the same commit
            if not self._deferring:
                self.conn.commit()
                if self._unsaved:
                    self._unsaved.clear()
        except Exception as exc:
            self.rollback()
            if isinstance(exc, sqlite3.Error | UnicodeError):
                raise StoreFailed(Why.STORE_FAILED) from exc
            raise

    @contextmanager
    def sending(self) -> Iterator[list[Statement]]:
        """The block lists one message's plain-SQL statements (its INSERT first) without
        running them; ``sent`` then runs or queues them."""
        statements: list[Statement] = []
        try:
            yield statements
        except Exception as exc:
            self.send_failed(exc)
        self.sent(statements)

    def sent(self, statements: list[Statement]) -> None:
        """Keep a message's statements (its INSERT first), which have not run yet.

        In memory they are queued: ``QUEUE_MAX`` sends run together (``connection``) and
        share one commit. Nothing has to be durable there: a commit is only what a rollback
        goes back to, and a rollback of anything else runs the statements of the sends it
        took back with it again (they were answered; ``write_queued`` keeps them until
        the next commit). A file world runs and commits each send before it is answered,
        as ``writing`` does; so does a send that ORM changes made meanwhile must go in the
        same commit with. The hot path calls this (and ``send_failed``) itself: a
        generator context manager costs ~3 µs a message.
        """
        queued = self._queued
        if queued is not None and not self._orm_changed():
            queued.append(statements)
            if len(queued) >= QUEUE_MAX:
                self.write_queued()
                if not self._deferring:
                    self._commit_sends()
            return
        try:
            if queued:
                self.write_queued()  # the sends queued before this one run first
            run_statements(self._cursor, statements)
            if self._orm_changed():
                self.session.flush()  # ORM changes made meanwhile go in the same commit
            if not self._deferring:
                self._commit_sends()
        except Exception as exc:
            self.send_failed(exc)

    def _commit_sends(self) -> None:
        self.conn.commit()
        if self._unsaved:
            self._unsaved.clear()

    def write_queued(self) -> None:
        """Run the queued sends' statements now, in order; they are then run, not committed
        (kept for a redo after a rollback, as ``sent`` keeps a send it ran)."""
        queued = self._queued
        if not queued:
            return
        sends = list(queued)
        queued.clear()  # the connection's own list: emptied before anything runs
        try:
            run_statements(self._cursor, [s for statements in sends for s in statements])
        except (sqlite3.Error, UnicodeError, OverflowError):
            self._write_one_by_one(sends)
        if self._unsaved is not None:
            self._unsaved.extend(sends)

    def _write_one_by_one(self, sends: list[list[Statement]]) -> None:
        """``write_queued`` when its batch failed: each send on its own, one the batch
        stored before it failed skipped. Nothing queued can fail (``Messages`` checks ids
        and strings first); if one ever does, the log says which, and the others are kept."""
        for statements in sends:
            sql, params = statements[0]  # a message's INSERT, its row id first
            try:
                self._cursor.execute(sql, params)
            except (sqlite3.Error, UnicodeError, OverflowError):
                stored = self._cursor.execute("SELECT 1 FROM message WHERE id = ?",
                                              params[:1]).fetchone()
                if stored is None:
                    log.exception("a message sent could not be stored: %r", params[:3])
                continue
            run_statements(self._cursor, statements[1:])

    def _orm_changed(self) -> bool:
        """Whether the ORM session holds changes not flushed yet.

        ``Session.flush``'s own test; ``new or dirty or deleted`` builds three sets to
        say the same, a tenth of a send's cost in the world. That test is private to
        SQLAlchemy: without it, the public sets answer.
        """
        is_clean = self._is_clean
        if is_clean is None:
            session = self.session
            return bool(session.new or session.dirty or session.deleted)
        return not is_clean()

    def send_failed(self, exc: Exception) -> NoReturn:
        """A send's statements failed: roll back (``rollback``) and raise for the action."""
        self.rollback()
        if isinstance(exc, sqlite3.Error | UnicodeError):
            raise StoreFailed(Why.STORE_FAILED) from exc
        raise exc

    def rollback(self) -> None:
        self.session.rollback()
        self.conn.rollback()
        self._redo_sends()
        self.forget_derived()

    def _redo_sends(self) -> None:
        """Store again the sends a rollback undid (``sending``), and commit them."""
        unsaved, self._unsaved = self._unsaved, [] if self._unsaved is not None else None
        if not unsaved:
            return
        try:
            # On the plain cursor: the queued sends are newer, they run after these.
            for statements in unsaved:
                sql, params = statements[0]
                try:
                    self._cursor.execute(sql, params)
                except sqlite3.IntegrityError:
                    continue  # its row is there: committed by someone after all
                run_statements(self._cursor, statements[1:])
            self.conn.commit()  # the queued sends with them
            if self._unsaved:
                self._unsaved.clear()
        except sqlite3.Error:  # nothing known can fail here; say so if it ever does
            self.conn.rollback()
            log.exception("%d messages sent could not be stored again after a rollback",
                          len(unsaved))

    def on_rollback(self, hook: RollbackHook) -> None:
        """Register a cache to drop after a rollback (and on ``forget_derived``)."""
        self._rollback_hooks.append(hook)

    def forget_derived(self) -> None:
        """Every cache derived from the tables forgets what it knew: the one invalidation."""
        for hook in self._rollback_hooks:
            hook()

    def close(self) -> None:
        try:
            self.session.commit()
            self.conn.commit()
        finally:
            self.session.close()
            if self._lock is not None:
                # A file world lets go of its file. An in-memory one stays readable
                # (tests look at history after the simulator stopped) until dropped.
                engine = self._engine
                if isinstance(engine, Engine):
                    engine.dispose()
                self._lock.release()

    # -- ORM rows beside plain SQL -------------------------------------------

    def flushed(self) -> sqlite3.Connection:
        """The connection, for plain SQL that must see what the ORM changed: its pending
        changes are flushed first (plain SQL does not autoflush as the ORM's queries do;
        a clean session has nothing to flush)."""
        if self._orm_changed():
            self.session.flush()
        return self.conn

    def row(self, row_type: type[RowT], *key: Any) -> RowT | None:
        """The row with primary key ``key``, from the session's identity map when it is there.

        ``Session.get`` checks the identity map too, but through ~3 µs of option
        handling; the hot paths ask for three rows per message.
        """
        found: RowT | None = self.session.identity_map.get((row_type, key, None))
        if found is not None:
            return found
        return self.session.get(row_type, key if len(key) > 1 else key[0])

    def loaded(self, row_type: type[RowT], *key: Any) -> RowT | None:
        """The row with primary key ``key`` if the session holds it (no query)."""
        found: RowT | None = self.session.identity_map.get((row_type, key, None))
        return found

    @staticmethod
    def set_stored(row: object, field: str, value: object) -> None:
        """Tell a loaded ORM row what plain SQL just stored, so it is neither stale nor dirty."""
        attributes.set_committed_value(row, field, value)

    # -- events --------------------------------------------------------------

    def add_listener(self, sink: EventSink) -> None:
        self._listeners.append(sink)

    def remove_listener(self, sink: EventSink) -> None:
        self._listeners.remove(sink)

    def emit(self, event: DomainEvent) -> None:
        """Announce a committed change; listeners must not block or raise."""
        for sink in list(self._listeners):
            sink(event)
