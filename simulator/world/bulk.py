"""Bulk loading of generated rows: ``executemany`` into a table's own columns, indexes
built once after the load, and the phases a build reports as it goes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel


@dataclass(frozen=True)
class Phase:
    """One finished step of building: what it wrote and how long it took."""

    name: str
    rows: int
    seconds: float
    detail: str = ""

    def line(self) -> str:
        if not self.rows:
            return f"{self.name}: {self.detail} in {self.seconds:.2f} s"
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.name}: {self.rows:,} rows in {self.seconds:.2f} s{extra}"


Progress = Callable[[Phase], None]


def insert_rows(conn: sqlite3.Connection, table: type[SQLModel], names: Sequence[str],
                rows: Iterable[tuple[Any, ...]]) -> int:
    """``executemany`` into ``table``'s own columns; the columns not in ``names`` get
    their model defaults, so a column added to the table needs no change here."""
    schema: Table = table.__table__  # type: ignore[attr-defined]
    unknown = [n for n in names if n not in schema.columns]
    if unknown:
        raise RuntimeError(f"table {schema.name} has no columns {unknown}: update generate.py")
    others = [c for c in schema.columns if c.name not in names]
    defaults = tuple(_default(schema.name, c) for c in others)
    columns = [*names, *(c.name for c in others)]
    sql = (f"INSERT INTO {schema.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    if defaults:
        rows = (row + defaults for row in rows)
    return conn.executemany(sql, rows).rowcount


@contextmanager
def indexes_deferred(conn: sqlite3.Connection, table: type[SQLModel]) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for a bulk load and create them again after.

    Building an index once over 1M rows is about twice as fast as keeping it up to
    date row by row (random B-tree inserts). The indexes come back from the table's
    own definitions, in the same transaction as the load, so a failed load leaves
    them as they were.
    """
    schema: Table = table.__table__  # type: ignore[attr-defined]
    present = {row[1] for row in conn.execute(f"PRAGMA index_list({schema.name})")}
    deferred = [index for index in schema.indexes if index.name in present]
    if not conn.in_transaction:
        conn.execute("BEGIN")  # DDL does not open a transaction by itself
    for index in deferred:
        conn.execute(f'DROP INDEX "{index.name}"')
    yield
    for index in deferred:
        conn.execute(str(CreateIndex(index).compile(dialect=sqlite_dialect.dialect())))


def _default(table: str, column: Any) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return default.arg
    if column.nullable or column.primary_key:
        return None
    raise RuntimeError(f"{table}.{column.name} has no default: generate.py must fill it")
