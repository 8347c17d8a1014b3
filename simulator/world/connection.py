"""The world's SQLite connection: writes the hot path queued run before anything else.

An in-memory world does not run a message's INSERT while the bot waits for its
answer: ``WorldCore.sent`` queues the send's statements, and they run together
(``executemany``), at most ``QUEUE_MAX`` sends later. Run one by one between the
transport's work, an INSERT cost several times what it costs in a batch (its
code and B-tree pages are cold each time).

The queue is not a second store: every statement on the connection, through it
or through any cursor it made (the ORM's included), every commit and every
backup or serialisation runs the queued writes first, so nothing ever reads or
copies the database without them. A rollback leaves them queued: they belong to
sends already answered (``WorldCore.rollback``). A file world queues nothing;
each send is committed before it is answered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any, Self, TypeVar, overload

Statement = tuple[str, tuple[Any, ...]]
CursorT = TypeVar("CursorT", bound=sqlite3.Cursor)


def _nothing() -> None:
    """The queue's writer until a ``WorldCore`` takes the connection."""


class WorldConnection(sqlite3.Connection):
    """``sqlite3.Connection`` that runs ``queued`` (through ``write_queued``) first.

    ``queued`` holds the statement lists of sends not run yet; ``write_queued`` is set by
    the ``WorldCore`` that owns the connection and empties it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queued: list[list[Statement]] = []
        self.write_queued: Callable[[], None] = _nothing

    @overload
    def cursor(self, factory: None = None) -> sqlite3.Cursor: ...
    @overload
    def cursor(self, factory: Callable[[sqlite3.Connection], CursorT]) -> CursorT: ...
    def cursor(self, factory: Any = None) -> Any:
        # SQLAlchemy reads and writes through cursors: theirs run the queue first too.
        return super().cursor(factory or WorldCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if self.queued:
            self.write_queued()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        if self.queued:
            self.write_queued()
        return super().executemany(sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        if self.queued:
            self.write_queued()
        return super().executescript(script)

    def commit(self) -> None:
        if self.queued:
            self.write_queued()
        super().commit()

    def backup(self, target: sqlite3.Connection, **kwargs: Any) -> None:
        if self.queued:
            self.write_queued()
        super().backup(target, **kwargs)

    def serialize(self, *, name: str = "main") -> bytes:
        if self.queued:
            self.write_queued()
        return super().serialize(name=name)

    def iterdump(self) -> Generator[str, None, None]:
        if self.queued:
            self.write_queued()
        return super().iterdump()


class WorldCursor(sqlite3.Cursor):
    """A cursor of a ``WorldConnection``: runs its queued writes before each statement."""

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        connection: WorldConnection = self.connection  # type: ignore[assignment]
        if connection.queued:
            connection.write_queued()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Self:
        connection: WorldConnection = self.connection  # type: ignore[assignment]
        if connection.queued:
            connection.write_queued()
        return super().executemany(sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        connection: WorldConnection = self.connection  # type: ignore[assignment]
        if connection.queued:
            connection.write_queued()
        return super().executescript(script)


def run_statements(cursor: sqlite3.Cursor, statements: list[Statement]) -> None:
    """Run ``statements`` in order, each run of one SQL text as one ``executemany``."""
    for sql, run in groupby(statements, _SQL):
        rows = [params for _, params in run]
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


_SQL = itemgetter(0)
