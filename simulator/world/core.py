"""The shared machinery every world service uses: storage, clock and outbox."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from ..clock import Clock, SystemClock
from .events import DomainEvent

EventSink = Callable[[DomainEvent], None]


def open_session(db_path: str | None) -> Session:
    """An SQLite session: in memory when ``db_path`` is None, else a file."""
    if db_path is None:
        # One shared connection, or every new connection would see an empty database.
        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    else:
        engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine)
    return Session(engine, expire_on_commit=False)


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
