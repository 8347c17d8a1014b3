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


@dataclass(frozen=True)
class InputStatusChanged(DomainEvent):
    """``user_id`` started (or stopped) typing in the private chat with ``peer_id``."""

    user_id: int
    peer_id: int
    event_type: int
    status_text: str


@dataclass(frozen=True)
class BotWentOffline(DomainEvent):
    """A bot account was logged out (kicked, or asked to exit)."""

    user_id: int
    tag: str
    message: str


@dataclass(frozen=True)
class MessageReacted(DomainEvent):
    """Someone added or took back a reaction on a group message; ``count`` is the new total."""

    group_id: int
    message_id: int
    operator_id: int
    emoji_id: str
    count: int
    is_add: bool


@dataclass(frozen=True)
class EssenceAdded(DomainEvent):
    group_id: int
    message_id: int
    sender_id: int
    operator_id: int


@dataclass(frozen=True)
class EssenceRemoved(DomainEvent):
    """Announced for scenarios and transcripts; NapCat reports no event for it."""

    group_id: int
    message_id: int
    sender_id: int
    operator_id: int


@dataclass(frozen=True)
class GroupFileUploaded(DomainEvent):
    """A member put a file in the group's file system (NapCat: ``group_upload``)."""

    group_id: int
    user_id: int
    file_id: str  # the id NapCat reports: the file's MD5
    name: str
    size: int
    busid: int
    #: The file's path in the group's files (go-cqhttp reports it as ``file.id``).
    path: str = ""


@dataclass(frozen=True)
class OnlineFileAnswered(DomainEvent):
    """An online-file offer from ``sender_id`` to ``receiver_id`` was received, refused
    (both told to the sender) or cancelled (told to the receiver)."""

    sender_id: int
    receiver_id: int
    answer: str  # receive | refuse | cancel
