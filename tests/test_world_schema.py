"""The world's schema runs as kept SQL (``simulator/world/schema.py``), not ``create_all``:
it must stay what the table classes say, and build the database ``create_all`` builds."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import SQLModel

import simulator.world
from simulator.world import build_world, load_spec
from simulator.world.schema import TABLE_MODULES, create_schema, ddl_from_tables
from simulator.world.schema_ddl import TABLES

Master = list[tuple[str, str, str, str]]


def _master(connection: sqlite3.Connection) -> Master:
    return sorted(connection.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def _made_by_create_all(path: Path) -> Master:
    ddl_from_tables()  # imports every module defining tables
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        return _master(connection)


def test_the_kept_ddl_is_what_the_table_classes_say() -> None:
    # On failure: python -m simulator.world.schema (rewrites schema_ddl.py), then review.
    assert ddl_from_tables() == TABLES


def test_every_module_defining_a_table_is_listed() -> None:
    for module in pkgutil.iter_modules(simulator.world.__path__):
        importlib.import_module(f"simulator.world.{module.name}")
    homes = {mapper.class_.__module__ for mapper in SQLModel._sa_registry.mappers}
    assert {home.rsplit(".", 1)[1] for home in homes if home.startswith("simulator.")} \
        == set(TABLE_MODULES)
    assert set(TABLES) == {table.name for table in SQLModel.metadata.sorted_tables}


def test_the_script_builds_what_create_all_builds(tmp_path: Path) -> None:
    connection = sqlite3.connect(":memory:")
    create_schema(connection)
    assert _master(connection) == _made_by_create_all(tmp_path / "all.db")


def test_an_older_file_keeps_its_tables_and_gains_the_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    build_world(load_spec(), db_path=str(path)).close()
    with sqlite3.connect(path) as older:  # as if saved before group albums existed
        older.execute("DROP TABLE group_album")
    world = build_world(load_spec(), db_path=str(path))
    assert world.restored and world.accounts.exist()
    assert _master(world.core.conn) == _made_by_create_all(tmp_path / "all.db")
    assert world.albums.albums(100100, 10001) == []
    world.close()
