"""Generated worlds: Faker-flavoured, reproducible, and quick to build at 100k people.

``generated_world(seed, ...)`` describes a generated world without building
it: a ``GeneratedSpec`` holds the generation parameters and only the bot
accounts (what the CLI and the test harness need before the world exists).
When ``build_world`` seeds it, ``populate_world`` draws the world (``draft``)
and writes it straight into the freshly created tables with ``executemany``,
one transaction per phase, optionally followed by a message history
(``history_fill``). Going through ``WorldSpec`` objects and one ORM commit per
row took 151-160 s and 1.1 GB for 100k people and 10k groups.

``generate_spec`` turns the same draft into a full ``WorldSpec`` (for
``qqsim seed --generate`` and small test worlds); both paths store the same
rows for the same arguments.

The same seed gives the same world, but not the world it gave before issue 10:
names, cards and group names are now drawn from Faker's word lists with
``random.Random(seed)`` instead of by Faker's own calls, so a seed's people,
groups and memberships differ from those of earlier versions.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .bulk import Phase as Phase
from .bulk import Progress as Progress
from .bulk import insert_rows
from .draft import MAX_GROUPS as MAX_GROUPS
from .draft import MAX_PEOPLE as MAX_PEOPLE
from .draft import Draft, GenerateParams, draw_world
from .history_fill import fill_history
from .spec import AccountSpec, GroupSpec, MemberSpec, WorldSpec
from .tables import AccountRow, FriendshipRow, GroupRow, MemberRow

if TYPE_CHECKING:
    from .world import World

log = logging.getLogger(__name__)

#: Accounts are registered a year before the world starts (as ``Accounts.add`` does).
REG_AGE_SECONDS = 86400 * 365


class GeneratedSpec(WorldSpec):
    """A generated world not yet drawn: ``accounts`` lists only its bots.

    Everything that reads a spec before the world exists wants the bots (which
    bot accounts to serve); the people, friendships, groups and history are
    drawn into the database by ``populate_world`` when the world is built.
    """

    generate: GenerateParams


def generated_world(seed: int, **arguments: Any) -> GeneratedSpec:
    """A generated world to hand to ``build_world`` (see ``GenerateParams`` for arguments)."""
    params = GenerateParams(seed=seed, **arguments)
    bots = draw_world(params.model_copy(update={"people": 0, "groups": 0})).accounts
    return GeneratedSpec(name=f"generated-{seed}", generate=params,
                         accounts=[AccountSpec(user_id=a.user_id, nickname=a.nickname, bot=True)
                                   for a in bots])


def generate_spec(seed: int, **arguments: Any) -> WorldSpec:
    """The generated world as a full ``WorldSpec``: every account, friendship and group.

    Meant for seed files and small worlds; it has no message history (a
    ``WorldSpec`` cannot hold one): use ``generated_world(messages=...)``.
    """
    params = GenerateParams(seed=seed, **arguments)
    if params.messages:
        raise ValueError("a WorldSpec holds no history: use generated_world(messages=...)")
    draft = draw_world(params)
    accounts = [AccountSpec(user_id=a.user_id, nickname=a.nickname, sex=a.sex,
                            age=a.age, bot=a.is_bot, qq_level=a.qq_level)
                for a in draft.accounts]
    groups = [GroupSpec(group_id=g.group_id, name=g.name, owner=g.members[0],
                        max_member_count=g.max_members,
                        members=[MemberSpec(user_id=uid, role=role, card=card)
                                 for uid, role, card in zip(g.members[1:], g.roles[1:],
                                                            g.cards[1:], strict=True)])
              for g in draft.groups]
    return WorldSpec(name=f"generated-{seed}", accounts=accounts, friends=draft.friends,
                     groups=groups)


# -- writing a draft into the tables ----------------------------------------------------


def populate_world(world: World, spec: GeneratedSpec, progress: Progress | None = None) -> World:
    """Fill a freshly created, empty ``world`` with the generated world ``spec`` describes.

    Called by ``build_world`` (through ``_seed``). Progress goes to ``progress``,
    else to this module's logger (the CLI shows it on stderr).
    """
    report = progress or _log_phase
    conn = world.core.conn
    world.core.commit()  # nothing pending: the phases below own their transactions
    draft = populate(conn, spec.generate, world.now(), report)
    if spec.generate.messages:
        fill_history(conn, draft, spec.generate, world.now(), report)
    world.core.forget_derived()  # the phases wrote with plain SQL, behind every cache
    return world


def _log_phase(phase: Phase) -> None:
    log.info("qqsim: generating: %s", phase.line())


def populate(conn: sqlite3.Connection, params: GenerateParams, now: int,
             progress: Progress) -> Draft:
    """Draw the world of ``params`` and write it (no history); returns the draft."""
    started = time.perf_counter()
    draft = draw_world(params)
    people = len(draft.accounts) - params.bots
    progress(Phase("drawing", 0, time.perf_counter() - started,
                   f"{people:,} people, {len(draft.groups):,} groups, bots: {params.bots}"))
    _phase(conn, progress, "accounts", lambda: _write_accounts(conn, draft, now))
    _phase(conn, progress, "friendships", lambda: _write_friends(conn, draft, now))
    _phase(conn, progress, "groups", lambda: _write_groups(conn, draft, now))
    _phase(conn, progress, "memberships", lambda: _write_members(conn, draft, now))
    return draft


def _phase(conn: sqlite3.Connection, progress: Progress, name: str,
           write: Callable[[], int]) -> None:
    """One phase in one transaction: all of its rows, or (on error) none."""
    started = time.perf_counter()
    try:
        rows = write()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    progress(Phase(name, rows, time.perf_counter() - started))


def _write_accounts(conn: sqlite3.Connection, draft: Draft, now: int) -> int:
    reg_time = now - REG_AGE_SECONDS
    return insert_rows(conn, AccountRow,
                       ("user_id", "nickname", "sex", "age", "is_bot", "qq_level", "reg_time"),
                       ((a.user_id, a.nickname, a.sex, a.age, a.is_bot, a.qq_level, reg_time)
                        for a in draft.accounts))


def _write_friends(conn: sqlite3.Connection, draft: Draft, now: int) -> int:
    # Stored both ways, as ``Accounts.befriend`` stores them.
    both_ways = ((x, y) for a, b in draft.friends for x, y in ((a, b), (b, a)))
    return insert_rows(conn, FriendshipRow, ("owner_id", "friend_id", "since"),
                       ((owner, friend, now) for owner, friend in both_ways))


def _write_groups(conn: sqlite3.Connection, draft: Draft, now: int) -> int:
    return insert_rows(conn, GroupRow,
                       ("group_id", "name", "owner_id", "max_member_count", "member_count",
                        "created_at"),
                       ((g.group_id, g.name, g.members[0], g.max_members, len(g.members), now)
                        for g in draft.groups))


def _write_members(conn: sqlite3.Connection, draft: Draft, now: int) -> int:
    return insert_rows(conn, MemberRow, ("group_id", "user_id", "role", "card", "join_time"),
                       ((g.group_id, uid, role, card, now)
                        for g in draft.groups
                        for uid, role, card in zip(g.members, g.roles, g.cards, strict=True)))
