"""Building worlds: from a seed file, from a spec, or generated with Faker."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import yaml
from faker import Faker
from pydantic import ValidationError

from ..clock import Clock, ManualClock
from ..errors import ConfigError
from .core import copy_database
from .spec import AccountSpec, GroupSpec, MemberSpec, WorldSpec
from .world import World

# seed_data/ lives beside the package in the repository (pip install -e .).
SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
DEFAULT_SEED = "default"


def seed_path(name_or_path: str) -> Path:
    """A seed file given by path, or by name inside ``seed_data/``."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    named = SEED_DIR / f"{name_or_path}.yaml"
    if named.exists():
        return named
    raise ConfigError(f"no seed file {name_or_path!r} (looked in {SEED_DIR})")


def load_spec(name_or_path: str = DEFAULT_SEED) -> WorldSpec:
    path = seed_path(name_or_path)
    try:
        return WorldSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


#: Seeded databases kept to copy from, by (spec, start time). Building a world costs
#: ~60 ms (schema plus one commit per row); copying a seeded one costs ~1 ms, which is
#: what makes one fresh world per test cheap. Each copy is private to its world.
_TEMPLATES: OrderedDict[tuple[str, float], sqlite3.Connection] = OrderedDict()
_TEMPLATE_LIMIT = 8
_TEMPLATES_LOCK = threading.Lock()  # worlds may be built on several hosting threads


def _template_key(
    spec: WorldSpec, db_path: str | None, clock: Clock | None
) -> tuple[str, float] | None:
    # Only a world whose every timestamp is known in advance may be copied: one in
    # memory on a manual clock. A real clock stamps rows with the time of building.
    if db_path is not None or not isinstance(clock, ManualClock):
        return None
    return spec.model_dump_json(), clock.now()


def build_world(
    spec: WorldSpec, *, db_path: str | None = None, clock: Clock | None = None
) -> World:
    """A fresh world holding exactly what ``spec`` describes."""
    key = _template_key(spec, db_path, clock)
    if key is None:
        return _seed(World(db_path=db_path, clock=clock), spec)
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


def _seed(world: World, spec: WorldSpec) -> World:
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


def generate_spec(
    seed: int,
    *,
    people: int = 50,
    groups: int = 5,
    bots: int = 1,
    group_size: int = 20,
    locale: str = "zh_CN",
) -> WorldSpec:
    """A random but reproducible world: the same arguments give the same world."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    accounts = [
        AccountSpec(user_id=10001 + i, nickname=f"{fake.first_name()}Bot", bot=True)
        for i in range(bots)
    ]
    for i in range(people):
        sex = rng.choice(["male", "female"])
        name = fake.name_male() if sex == "male" else fake.name_female()
        accounts.append(
            AccountSpec(
                user_id=20001 + i, nickname=name, sex=sex, age=rng.randint(16, 60),
                qq_level=rng.randint(1, 64),
            )
        )
    person_ids = [a.user_id for a in accounts if not a.bot]
    bot_ids = [a.user_id for a in accounts if a.bot]
    friends = [(bot, p) for bot in bot_ids for p in person_ids if rng.random() < 0.3]
    group_specs = [
        _generate_group(fake, rng, 100001 + i, person_ids, bot_ids, group_size)
        for i in range(groups)
    ]
    return WorldSpec(
        name=f"generated-{seed}", accounts=accounts, friends=friends, groups=group_specs
    )


def _generate_group(
    fake: Faker,
    rng: random.Random,
    group_id: int,
    person_ids: list[int],
    bot_ids: list[int],
    size: int,
) -> GroupSpec:
    chosen = rng.sample(person_ids, min(size, len(person_ids)))
    owner, rest = chosen[0], chosen[1:]
    admins = set(rest[: max(1, len(rest) // 10)])
    members = [
        MemberSpec(
            user_id=uid,
            role="admin" if uid in admins else "member",
            card=fake.user_name() if rng.random() < 0.4 else "",
        )
        for uid in rest
    ]
    members += [MemberSpec(user_id=bot, role="admin") for bot in bot_ids]
    return GroupSpec(group_id=group_id, name=f"{fake.word()}{fake.word()}群", owner=owner,
                     members=members)
