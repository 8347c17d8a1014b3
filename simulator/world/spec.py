"""A declarative description of a world (seed files, generated worlds, scenarios)."""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import ConfigError
from ..storable import KeyPath, dotted, find_unstorable


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountSpec(_Spec):
    user_id: int
    nickname: str
    sex: Literal["male", "female", "unknown"] = "unknown"
    age: int = 0
    bot: bool = False
    qq_level: int = 1
    long_nick: str = ""


class MemberSpec(_Spec):
    user_id: int
    role: Literal["admin", "member"] = "member"
    card: str = ""
    title: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_bare_id(cls, value: Any) -> Any:
        return {"user_id": value} if isinstance(value, int) else value


class GroupSpec(_Spec):
    group_id: int
    name: str
    owner: int
    max_member_count: int = 200
    members: list[MemberSpec] = Field(default_factory=list)


class WorldSpec(_Spec):
    """Accounts, friendships (pairs of user ids) and groups."""

    name: str = "world"
    accounts: list[AccountSpec]
    friends: list[tuple[int, int]] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # A lone surrogate (YAML or JSON "\ud800") would fail the database's flush
        # while the world is being built; refuse it here, naming the field.
        found = find_unstorable(value)
        if found is not None:
            raise ValueError(f"{dotted(found.place) or 'the world'}: {found.problem}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> WorldSpec:
        # Each mistake the world would refuse while being built (a member listed twice
        # ends in "已在群中"), found first and said with its place: ``ctx["path"]`` leads
        # a file's reader to the line (``yaml_places``).
        found = first_inconsistency(self)
        if found is not None:
            path, problem = found
            raise PydanticCustomError("world_inconsistent", "{problem}",
                                      {"problem": problem, "path": path})
        return self


Inconsistency = tuple[KeyPath, str]


def first_inconsistency(spec: WorldSpec) -> Inconsistency | None:
    """The first thing in ``spec`` that no world can hold, and where it is."""
    return next(iter([*_account_problems(spec), *_friend_problems(spec),
                      *_group_problems(spec)]), None)


def _account_problems(spec: WorldSpec) -> list[Inconsistency]:
    seen: dict[int, int] = {}
    out: list[Inconsistency] = []
    for index, account in enumerate(spec.accounts):
        if account.user_id in seen:
            out.append((("accounts", index, "user_id"), f"account {account.user_id} is listed "
                        f"twice (first as accounts[{seen[account.user_id]}])"))
        seen.setdefault(account.user_id, index)
    return out


def _friend_problems(spec: WorldSpec) -> list[Inconsistency]:
    known = {a.user_id for a in spec.accounts}
    pairs: set[frozenset[int]] = set()
    out: list[Inconsistency] = []
    for index, (a, b) in enumerate(spec.friends):
        unknown = [uid for uid in (a, b) if uid not in known]
        if unknown:
            out.append((("friends", index), f"friendship [{a}, {b}] names an unknown "
                        f"account {unknown[0]} (not in accounts)"))
        elif a == b:
            out.append((("friends", index), f"{a} cannot be their own friend"))
        elif frozenset((a, b)) in pairs:
            out.append((("friends", index), f"{a} and {b} are listed as friends twice"))
        pairs.add(frozenset((a, b)))
    return out


def _group_problems(spec: WorldSpec) -> list[Inconsistency]:
    known = {a.user_id for a in spec.accounts}
    groups: set[int] = set()
    out: list[Inconsistency] = []
    for index, group in enumerate(spec.groups):
        where: KeyPath = ("groups", index)
        if group.group_id in groups:
            out.append(((*where, "group_id"), f"group {group.group_id} is listed twice"))
        groups.add(group.group_id)
        if group.owner not in known:
            out.append(((*where, "owner"), f"the owner {group.owner} of group "
                        f"{group.group_id} is not in accounts"))
        out += _member_problems(group, where, known)
    return out


def _member_problems(group: GroupSpec, where: KeyPath, known: set[int]) -> list[Inconsistency]:
    seen: dict[int, int] = {}
    out: list[Inconsistency] = []
    for index, member in enumerate(group.members):
        uid, place = member.user_id, (*where, "members", index)
        if uid not in known:
            out.append((place, f"member {uid} of group {group.group_id} is not in accounts"))
        elif uid == group.owner:
            out.append((place, f"{uid} owns group {group.group_id}, so is a member already: "
                        "drop it from members"))
        elif uid in seen:
            out.append((place, f"{uid} is listed twice in group {group.group_id} (first as "
                        f"members[{seen[uid]}])"))
        seen.setdefault(uid, index)
    if len(group.members) + 1 > group.max_member_count:
        out.append(((*where, "members"), f"group {group.group_id} lists "
                    f"{len(group.members) + 1} members with its owner, over its "
                    f"max_member_count {group.max_member_count}"))
    return out


def refuse_unstorable(data: object, text: str, source: str) -> None:
    """Raise a one-line ``ConfigError`` (``file:line: field: problem``) when the parsed
    seed file ``data`` holds a string the world cannot store; ``text`` is its YAML."""
    found = find_unstorable(data)
    if found is None:
        return
    line = _line_of(text, found.path)
    place = f"{source}:{line}" if line else source
    raise ConfigError(f"{place}: {dotted(found.place) or 'the file'}: {found.problem}")


def _line_of(text: str, path: KeyPath) -> int | None:
    """The line of the key (or item) at ``path`` in the YAML ``text``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
