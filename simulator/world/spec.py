"""A declarative description of a world (seed files, generated worlds, scenarios)."""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    def _references_exist(self) -> WorldSpec:
        known = {a.user_id for a in self.accounts}
        if len(known) != len(self.accounts):
            raise ValueError("two accounts share a user_id")
        for a, b in self.friends:
            if a not in known or b not in known:
                raise ValueError(f"friendship ({a}, {b}) names an unknown account")
        for group in self.groups:
            missing = [group.owner, *[m.user_id for m in group.members]]
            unknown = [uid for uid in missing if uid not in known]
            if unknown:
                raise ValueError(f"group {group.group_id} names unknown accounts {unknown}")
        return self


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
