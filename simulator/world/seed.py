"""Building worlds: from a seed file, from a spec, or generated with Faker."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from pydantic import ValidationError

from ..clock import Clock, ManualClock
from ..errors import ConfigError
from ..storable import NotUtf8, decode_utf8
from ..yaml_places import FileProblems, Problem, known_keys, parse, validation_problems
from .core import copy_database
from .spec import WorldSpec, refuse_unstorable
from .world import World

if TYPE_CHECKING:
    from .generate import GeneratedSpec

# The repository's top-level seed_data/ ships inside the package as this (setup.py).
BUNDLED_SEEDS = "simulator.seed_data"
DEFAULT_SEED = "default"


def bundled_seeds() -> list[str]:
    """Names of the seed files qqsim ships (``--seed NAME``)."""
    folder = resources.files(BUNDLED_SEEDS)
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir()
                  if entry.name.endswith(".yaml"))


def seed_path(name_or_path: str) -> Path | Traversable:
    """A seed file given by path, or by name among the bundled ones."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    named = resources.files(BUNDLED_SEEDS).joinpath(f"{name_or_path}.yaml")
    if named.is_file():
        return named
    raise ConfigError(f"no seed file {name_or_path!r} (a YAML file, or one of the bundled "
                      f"seeds: {', '.join(bundled_seeds())})")


def load_spec(name_or_path: str = DEFAULT_SEED) -> WorldSpec:
    """The world a seed file describes; each mistake in it is a line of the
    ``ConfigError``, ``file:line:column: where: what`` (as in scenario files)."""
    path = seed_path(name_or_path)
    source = str(path)
    try:
        text = decode_utf8(path.read_bytes())
    except NotUtf8 as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc}") from None
    data, tree = parse(text, source)
    refuse_unstorable(data, text, source)  # one line, with the line number
    if not isinstance(data, dict):
        raise FileProblems(source, [Problem(1, 1, "", "a seed file is a mapping "
                                            "(accounts:, friends:, groups:)")])
    try:
        return WorldSpec.model_validate(data)
    except ValidationError as exc:
        raise FileProblems(source, validation_problems(exc, tree, _seed_keys())) from None


@cache
def _seed_keys() -> frozenset[str]:
    return known_keys(WorldSpec)


#: Seeded databases kept to copy from, by (spec, start time). Building a world costs
#: ~60 ms (schema plus one commit per row); copying a seeded one costs ~1 ms, which is
#: what makes one fresh world per test cheap. Each copy is private to its world.
_TEMPLATES: OrderedDict[tuple[str, float], sqlite3.Connection] = OrderedDict()
_TEMPLATE_LIMIT = 8
_TEMPLATES_LOCK = threading.Lock()  # worlds may be built on several hosting threads


def _template_key(spec: WorldSpec, clock: Clock | None) -> tuple[str, float] | None:
    # Only a world whose every timestamp is known in advance may be copied: one in
    # memory on a manual clock. A real clock stamps rows with the time of building.
    if not isinstance(clock, ManualClock):
        return None
    return spec.model_dump_json(), clock.now()


def build_world(
    spec: WorldSpec, *, db_path: str | None = None, clock: Clock | None = None
) -> World:
    """A fresh world holding exactly what ``spec`` describes."""
    if db_path is not None:
        return _open_file(spec, db_path, clock)
    key = _template_key(spec, clock)
    if key is None:
        return _seed(World(clock=clock), spec)
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(key)
        if template is not None:
            _TEMPLATES.move_to_end(key)
            return World(clock=clock, template=template)
    world = _seed(World(clock=clock), spec)
    with _TEMPLATES_LOCK:
        _TEMPLATES[key] = copy_database(world.core.session)
        while len(_TEMPLATES) > _TEMPLATE_LIMIT:
            _TEMPLATES.popitem(last=False)[1].close()
    return world


def _open_file(spec: WorldSpec, db_path: str, clock: Clock | None) -> World:
    """The world saved in ``db_path``, or ``spec`` seeded into it when the file is new."""
    world = World(db_path=db_path, clock=clock)
    if world.restored:
        return world
    if world.accounts.exist():
        world.close()
        raise ConfigError(f"{db_path}: holds a world whose building was interrupted; "
                          "remove the file to build it again")
    _seed(world, spec)
    world.mark_seeded(spec.name)
    return world


def _seed(world: World, spec: WorldSpec) -> World:
    with world.core.one_commit():
        return _seed_rows(world, spec)


def _generated(spec: WorldSpec) -> TypeGuard[GeneratedSpec]:
    """Whether ``spec`` was drawn by ``generate.py``. Only that module makes one, so it is
    not imported to ask: a world seeded from a file never loads the generator (start-up
    memory, issue 10)."""
    generate = sys.modules.get(f"{__package__}.generate")
    return generate is not None and isinstance(spec, generate.GeneratedSpec)


def _seed_rows(world: World, spec: WorldSpec) -> World:
    if _generated(spec):  # issue 10: drawn straight into SQLite (generate.py)
        from .generate import populate_world  # lazy for start-up cost

        return populate_world(world, spec)
    for account in spec.accounts:
        world.accounts.add(
            account.user_id,
            account.nickname,
            sex=account.sex,
            age=account.age,
            is_bot=account.bot,
            qq_level=account.qq_level,
            long_nick=account.long_nick,
        )
    for a, b in spec.friends:
        world.accounts.befriend(a, b)
    for group in spec.groups:
        world.groups.create(
            group.group_id, group.name, group.owner, max_members=group.max_member_count
        )
        for member in group.members:
            world.groups.add_member(
                group.group_id,
                member.user_id,
                role=member.role,
                card=member.card,
                title=member.title,
            )
    return world

