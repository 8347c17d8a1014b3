"""Domain events: facts the world announces after each change.

Each event names the bot accounts that can see it (``audience``); the OneBot
layer renders one event per bot connection from these facts, so events carry
every value needed to render them (no world look-ups at render time).
"""

from __future__ import annotations

from dataclasses import dataclass

from .snapshots import Message, Request


@dataclass(frozen=True)
class DomainEvent:
    time: int
    audience: frozenset[int]


@dataclass(frozen=True)
class MessageCreated(DomainEvent):
    message: Message


@dataclass(frozen=True)
class MessageRecalled(DomainEvent):
    message: Message
    operator_id: int


@dataclass(frozen=True)
class MemberMuted(DomainEvent):
    """``user_id`` 0 means the whole group; ``duration`` 0 means lifted."""

    group_id: int
    user_id: int
    operator_id: int
    duration: int


@dataclass(frozen=True)
class AdminChanged(DomainEvent):
    group_id: int
    user_id: int
    is_admin: bool


@dataclass(frozen=True)
class MemberLeft(DomainEvent):
    """``kind`` is NapCat's sub_type: leave, kick, kick_me or disband."""

    group_id: int
    user_id: int
    operator_id: int
    kind: str


@dataclass(frozen=True)
class MemberJoined(DomainEvent):
    """``kind`` is NapCat's sub_type: approve or invite."""

    group_id: int
    user_id: int
    operator_id: int
    kind: str


@dataclass(frozen=True)
class FriendAdded(DomainEvent):
    user_id: int
    friend_id: int


@dataclass(frozen=True)
class RequestCreated(DomainEvent):
    request: Request


@dataclass(frozen=True)
class GroupRenamed(DomainEvent):
    group_id: int
    operator_id: int
    name: str


@dataclass(frozen=True)
class CardChanged(DomainEvent):
    group_id: int
    user_id: int
    card_old: str
    card_new: str


@dataclass(frozen=True)
class TitleChanged(DomainEvent):
    group_id: int
    user_id: int
    title: str


@dataclass(frozen=True)
class ProfileLiked(DomainEvent):
    user_id: int
    operator_id: int
    operator_nick: str
    times: int
