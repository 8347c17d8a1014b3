"""Drawing a generated world: plain rows, no pydantic objects and no database.

Both ways of building a generated world start here (``generate.py``): one
writes the draft into SQLite directly, the other turns it into a ``WorldSpec``.
Only ``random.Random(seed)`` and the locale's word lists (``vocab.py``) decide
what is drawn, so the same arguments always give the same draft.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pydantic import Field, field_validator, model_validator

from .spec import _Spec
from .vocab import Vocabulary

FIRST_BOT = 10001
FIRST_PERSON = 20001
FIRST_GROUP = 100001
# QQ's group size tiers: a generated group gets the smallest one it fits in.
SIZE_TIERS = (200, 500, 1000, 2000, 3000)
FRIEND_SHARE = 0.3  # of the people, friends of each bot
CARD_SHARE = 0.4  # of the members, with a group card
ADMIN_SHARE = 10  # one admin per this many members (at least one)


#: Beyond these, a world is not worth building: 100k people take seconds and ~140 MB, so
#: 10M would take minutes and ~14 GB; group ids (100001...) stay below the people's range.
MAX_PEOPLE = 10_000_000
MAX_GROUPS = 1_000_000


class GenerateParams(_Spec):
    """What ``qqsim run --generate`` takes; the same values give the same world."""

    seed: int
    people: int = Field(default=50, ge=0, le=MAX_PEOPLE)
    groups: int = Field(default=5, ge=0, le=MAX_GROUPS)
    bots: int = Field(default=1, ge=0, le=FIRST_PERSON - FIRST_BOT)
    group_size: int = Field(default=20, ge=1)
    locale: str = "zh_CN"
    #: Messages of history to fill in (group chats and bot-friend private chats).
    messages: int = Field(default=0, ge=0)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, locale: str) -> str:
        # Imported here: Faker costs ~5 MB of start-up memory a seeded world never needs.
        from faker.config import AVAILABLE_LOCALES

        if locale not in AVAILABLE_LOCALES:
            raise ValueError(f"Faker knows no locale {locale!r}")
        return locale

    @model_validator(mode="after")
    def _groups_need_people(self) -> GenerateParams:
        if self.groups and not self.people:
            raise ValueError(f"{self.groups} groups need people to own them: generate at "
                             "least one person (--people)")
        if self.messages and not self.groups and not (self.people and self.bots):
            raise ValueError(f"{self.messages} messages need a chat to go to: generate "
                             "groups (--groups), or people and a bot to befriend them")
        return self



@dataclass(frozen=True, slots=True)
class DraftAccount:
    user_id: int
    nickname: str
    sex: str = "unknown"
    age: int = 0
    is_bot: bool = False
    qq_level: int = 1


@dataclass(slots=True)
class DraftGroup:
    """A group; ``members[0]`` is the owner, then people, then bots (all admins)."""

    group_id: int
    name: str
    max_members: int
    members: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Draft:
    accounts: list[DraftAccount]
    friends: list[tuple[int, int]]
    groups: list[DraftGroup]
    vocabulary: Vocabulary

    def nicknames(self) -> dict[int, str]:
        return {a.user_id: a.nickname for a in self.accounts}


def draw_world(params: GenerateParams) -> Draft:
    """Bots first (``10001``...), then people (``20001``...), friendships, groups."""
    vocabulary = Vocabulary(params.locale)
    rng = random.Random(params.seed)
    bots = _draw_bots(rng, vocabulary, params.bots)
    people = _draw_people(rng, vocabulary, params.people)
    person_ids = range(FIRST_PERSON, FIRST_PERSON + params.people)
    friends = [(bot.user_id, p) for bot in bots for p in person_ids
               if rng.random() < FRIEND_SHARE]
    bot_ids = [b.user_id for b in bots]
    group_names = vocabulary.group_names(rng, params.groups)
    groups = [_draw_group(rng, vocabulary, FIRST_GROUP + i, name, person_ids, bot_ids,
                          params.group_size)
              for i, name in enumerate(group_names)]
    return Draft([*bots, *people], friends, groups, vocabulary)


def _draw_bots(rng: random.Random, vocabulary: Vocabulary, count: int) -> list[DraftAccount]:
    names = vocabulary.token("first_name").draw(rng, count)
    return [DraftAccount(FIRST_BOT + i, f"{name}Bot", is_bot=True)
            for i, name in enumerate(names)]


def _draw_people(rng: random.Random, vocabulary: Vocabulary, count: int
                 ) -> list[DraftAccount]:
    # Whole columns at once: rng.choices(k=...) is far cheaper than a call per person.
    sexes = rng.choices(("male", "female"), k=count)
    names = vocabulary.names(rng, sexes)
    ages = rng.choices(range(16, 61), k=count)
    levels = rng.choices(range(1, 65), k=count)
    return [DraftAccount(FIRST_PERSON + i, names[i], sexes[i], ages[i], False, levels[i])
            for i in range(count)]


def _draw_group(rng: random.Random, vocabulary: Vocabulary, group_id: int, name: str,
                person_ids: range, bot_ids: list[int], size: int) -> DraftGroup:
    chosen = rng.sample(person_ids, min(size, len(person_ids)))
    admins = max(1, (len(chosen) - 1) // ADMIN_SHARE) if len(chosen) > 1 else 0
    with_card = [rng.random() < CARD_SHARE for _ in chosen[1:]]
    cards = iter(vocabulary.user_names(rng, sum(with_card)))
    group = DraftGroup(group_id, name, _tier(len(chosen) + len(bot_ids)))
    group.members = [*chosen, *bot_ids]
    group.roles = ["owner", *(["admin"] * admins),
                   *(["member"] * (len(chosen) - 1 - admins)), *(["admin"] * len(bot_ids))]
    group.cards = ["", *(next(cards) if card else "" for card in with_card),
                   *([""] * len(bot_ids))]
    return group


def _tier(members: int) -> int:
    return next((tier for tier in SIZE_TIERS if tier >= members), members)
