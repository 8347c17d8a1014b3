"""A declarative description of a world (seed files, generated worlds, scenarios)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
