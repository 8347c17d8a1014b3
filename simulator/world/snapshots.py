"""Frozen views of world state handed to callers (never live ORM rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Segment = dict[str, Any]
#: Renders a message's segments as its ``raw_message`` (the OneBot layer's CQ codec), for
#: messages the world posts itself (file uploads, online files, flash transfers).
RawOf = Callable[[list[Segment]], str]


@dataclass(frozen=True)
class Account:
    user_id: int
    nickname: str
    sex: str
    age: int
    is_bot: bool
    qq_level: int
    long_nick: str
    reg_time: int


@dataclass(frozen=True)
class Friend:
    owner_id: int
    friend_id: int
    remark: str
    since: int


@dataclass(frozen=True)
class Group:
    group_id: int
    name: str
    owner_id: int
    max_member_count: int
    whole_mute: bool
    member_count: int
    created_at: int


@dataclass(frozen=True)
class Member:
    group_id: int
    user_id: int
    nickname: str
    role: str
    card: str
    title: str
    join_time: int
    last_sent_time: int
    level: int
    mute_until: int
    sex: str
    age: int
    is_bot: bool
    qq_level: int

    def muted_at(self, now: float) -> bool:
        return self.mute_until > now

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")


@dataclass(frozen=True)
class Request:
    flag: str
    kind: str
    sub_type: str
    user_id: int
    self_id: int
    group_id: int
    comment: str
    time: int
    state: str


@dataclass(frozen=True)
class Message:
    """A stored message with what its sender looked like when it was sent."""

    message_id: int
    chat_type: str
    group_id: int
    sender_id: int
    peer_id: int
    seq: int
    time: int
    segments: list[Segment] = field(hash=False)
    raw_message: str
    recalled: bool
    recalled_by: int
    temp_source: int
    sender_nickname: str
    sender_card: str
    sender_role: str
    group_name: str

    def other_party(self, self_id: int) -> int:
        """The private-chat peer seen from ``self_id``."""
        return self.peer_id if self.sender_id == self_id else self.sender_id
