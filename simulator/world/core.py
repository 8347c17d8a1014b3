"""The shared machinery every world service uses: storage, clock and outbox."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from ..clock import Clock, SystemClock
from .events import DomainEvent

EventSink = Callable[[DomainEvent], None]


def open_session(db_path: str | None, template: sqlite3.Connection | None = None) -> Session:
    """An SQLite session: in memory when ``db_path`` is None, else a file.

    With ``template`` (an in-memory database, see ``copy_database``) the new
    in-memory database starts as a copy of it, schema and rows.
    """
    if template is not None:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        template.backup(copy)
        engine = create_engine("sqlite://", creator=lambda: copy, poolclass=StaticPool)
    elif db_path is None:
        # One shared connection, or every new connection would see an empty database.
        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    else:
        engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    if template is None:
        SQLModel.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    _pin_small_rows(session)
    return session


def copy_database(session: Session) -> sqlite3.Connection:
    """A private in-memory copy of everything ``session`` has committed."""
    source = session.connection().connection.driver_connection
    assert isinstance(source, sqlite3.Connection)
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(copy)
    return copy


def _pin_small_rows(session: Session) -> None:
    """Keep every loaded account, group, member and friendship row alive.

    SQLAlchemy's identity map holds rows weakly, so without this each
    ``session.get`` of a row nobody references goes back to SQLite. The world
    is the database's only writer, so pinned rows never go stale; messages
    are not pinned, as history can grow without bound.
    """
    from .tables import AccountRow, FriendshipRow, GroupRow, MemberRow

    pinned: dict[int, Any] = {}  # by id(): SQLModel rows are unhashable
    session.info["pinned"] = pinned
    small = (AccountRow, FriendshipRow, GroupRow, MemberRow)

    @event.listens_for(session, "loaded_as_persistent")
    @event.listens_for(session, "pending_to_persistent")
    def _pin(_session: Session, instance: object) -> None:
        if isinstance(instance, small):
            pinned[id(instance)] = instance

    @event.listens_for(session, "persistent_to_deleted")
    def _unpin(_session: Session, instance: object) -> None:
        pinned.pop(id(instance), None)


class WorldCore:
    """Session, clock and event listeners shared by the services of one world."""

    def __init__(self, session: Session, clock: Clock | None = None) -> None:
        self.session = session
        self.clock: Clock = clock or SystemClock()
        self._listeners: list[EventSink] = []

    def now(self) -> int:
        return int(self.clock.now())

    def add_listener(self, sink: EventSink) -> None:
        self._listeners.append(sink)

    def remove_listener(self, sink: EventSink) -> None:
        self._listeners.remove(sink)

    def emit(self, event: DomainEvent) -> None:
        """Announce a committed change; listeners must not block or raise."""
        for sink in list(self._listeners):
            sink(event)
