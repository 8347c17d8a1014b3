"""Whole-world snapshots: take one, go on, and come back to it (or save it to a file).

A snapshot is a private in-memory copy of the world's database, made with
SQLite's backup API: every table (accounts, groups, members, history, files,
requests...), so message ids and per-chat sequence numbers go on from where
they stood, plus the instant the world's clock showed. Restoring copies it
back *into* the world's own connection, so the ``World`` object, its
services and everyone holding them stay valid; what the session and the
services derived from the old tables (the ORM identity map, pinned rows,
caches) is dropped. A snapshot file is an SQLite database like a ``--db``
world file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from weakref import WeakKeyDictionary

from ..errors import ConfigError
from .core import copy_database
from .tables import WorldMetaRow
from .world import World

#: ``world_meta`` key holding the clock's instant at the time of the snapshot.
SNAPSHOT_TIME = "snapshot_time"


class WorldSnapshot:
    """One moment of a world. Restore it any number of times; ``close`` frees its memory."""

    def __init__(self, db: sqlite3.Connection, time: float) -> None:
        self.db = db
        #: What the world's clock showed when the snapshot was taken.
        self.time = time
        self._schema: frozenset[tuple[str, str, str]] | None = None

    def save(self, path: str | Path) -> None:
        """Write the snapshot to ``path`` (replacing it), as one SQLite file."""
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        out = sqlite3.connect(partial)
        try:
            self.db.backup(out)
        finally:
            out.close()
        partial.replace(target)  # a reader never sees half a snapshot

    @classmethod
    def load(cls, path: str | Path) -> WorldSnapshot:
        """A snapshot saved by ``save``; ``ConfigError`` naming the file if it is not one."""
        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: no such snapshot file")
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            disk = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                disk.backup(memory)
            finally:
                disk.close()
            return cls(memory, _snapshot_time(memory))
        except (sqlite3.DatabaseError, ValueError):
            memory.close()
            raise ConfigError(f"{source}: not a qqsim snapshot file") from None

    def schema(self) -> frozenset[tuple[str, str, str]]:
        """Its tables and indexes (``restore`` refuses a snapshot of another schema)."""
        if self._schema is None:
            self._schema = _schema(self.db)
        return self._schema

    def to_bytes(self) -> bytes:
        """The snapshot as the bytes of an SQLite file (what ``save`` writes)."""
        return self.db.serialize()

    @classmethod
    def from_bytes(cls, data: bytes) -> WorldSnapshot:
        """A snapshot from ``to_bytes``' output; ``ConfigError`` if it is not one."""
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            memory.deserialize(data)
            return cls(memory, _snapshot_time(memory))
        except (sqlite3.DatabaseError, ValueError, OverflowError):
            memory.close()
            raise ConfigError("not a qqsim snapshot file") from None

    def close(self) -> None:
        self.db.close()


def take_snapshot(world: World) -> WorldSnapshot:
    """A copy of everything ``world`` has committed, and its clock's instant."""
    now = world.clock.now()
    world.core.commit()  # sends an in-memory world has not committed yet (``sending``)
    copy = copy_database(world.core.session)
    copy.execute(f"INSERT OR REPLACE INTO {WorldMetaRow.__tablename__} (key, value) "
                 "VALUES (?, ?)", (SNAPSHOT_TIME, repr(now)))
    copy.commit()
    return WorldSnapshot(copy, now)


def restore_snapshot(world: World, snapshot: WorldSnapshot) -> None:
    """Make ``world`` exactly what it was when ``snapshot`` was taken, clock included.

    No domain event is emitted: nothing happened in the world, it went back.
    """
    core = world.core
    schema, in_file = _facts(world)
    if snapshot.schema() != schema:
        raise ConfigError("the snapshot's tables are not this qqsim's (another version made it?)")
    core.commit()
    session = core.session
    session.expunge_all()  # rows of the old tables must not answer for the new ones
    pinned = session.info.get("pinned")
    if pinned is not None:
        pinned.clear()
    snapshot.db.backup(core.conn)
    core.forget_derived()
    set_to = getattr(world.clock, "set_to", None)
    if set_to is not None:
        set_to(snapshot.time)
    if in_file:
        world.meta.save_clock(world.clock)  # reopened, the file resumes at the restored time


def _snapshot_time(db: sqlite3.Connection) -> float:
    found = db.execute(f"SELECT value FROM {WorldMetaRow.__tablename__} WHERE key = ?",
                       (SNAPSHOT_TIME,)).fetchone()
    if found is None:
        raise ValueError("no snapshot time")
    return float(found[0])


class Shelf:
    """Snapshots kept under names (the scenario step, the control API, the console)."""

    def __init__(self) -> None:
        self._named: dict[str, WorldSnapshot] = {}

    def put(self, name: str, snapshot: WorldSnapshot) -> None:
        old = self._named.get(name)
        self._named[name] = snapshot
        if old is not None and old is not snapshot:
            old.close()

    def get(self, name: str) -> WorldSnapshot:
        found = self._named.get(name)
        if found is None:
            known = ", ".join(sorted(self._named)) or "none"
            raise ConfigError(f"no snapshot named {name!r} (saved: {known})")
        return found

    def names(self) -> list[str]:
        return sorted(self._named)

    def forget(self, name: str) -> None:
        found = self._named.pop(name, None)
        if found is not None:
            found.close()

    def items(self) -> list[tuple[str, WorldSnapshot]]:
        return sorted(self._named.items())

    def __contains__(self, name: object) -> bool:
        return name in self._named


def _schema(db: sqlite3.Connection) -> frozenset[tuple[str, str, str]]:
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    return frozenset((str(kind), str(name), str(sql)) for kind, name, sql in rows)


#: Per world: its schema and whether it lives in a file (neither changes while it is open).
_FACTS: WeakKeyDictionary[World, tuple[frozenset[tuple[str, str, str]], bool]] = (
    WeakKeyDictionary())


def _facts(world: World) -> tuple[frozenset[tuple[str, str, str]], bool]:
    found = _FACTS.get(world)
    if found is None:
        files = world.core.conn.execute("PRAGMA database_list").fetchall()
        in_file = any(name == "main" and path for _, name, path in files)
        found = _FACTS[world] = (_schema(world.core.conn), in_file)
    return found
