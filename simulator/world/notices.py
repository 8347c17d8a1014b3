"""System notices kept with each chat's history, as QQ keeps its grey lines.

"李娜 was muted by 张伟", "王芳 joined the group": QQ shows them between the
messages they happened between and keeps them. The world stores one row per
notice when the fact is announced, placed after the chat's newest message at
that moment (``after_seq``: by sequence number, not by a timestamp that a
manual clock gives to everything at once), with the names of the people it
names as they were called then (a card changed later does not rewrite an old
notice). The rows live in the world's database, so a world file (``--db``),
a snapshot and a reload keep them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from ..errors import StoreFailed
from .accounts import Accounts
from .core import WorldCore
from .events import (
    AdminChanged,
    CardChanged,
    DomainEvent,
    EssenceAdded,
    GroupFileUploaded,
    GroupRenamed,
    MemberJoined,
    MemberLeft,
    MemberMuted,
    TitleChanged,
)
from .groups import Groups
from .messages import Messages
from .pokes import Poked
from .tables import chat_key

#: The world facts a chat shows as notices.
NOTICE_EVENTS: tuple[type[DomainEvent], ...] = (
    MemberJoined, MemberLeft, MemberMuted, AdminChanged, GroupRenamed, TitleChanged,
    CardChanged, Poked, GroupFileUploaded, EssenceAdded)
NOTICE_TYPES = frozenset(kind.__name__ for kind in NOTICE_EVENTS)
#: Fields naming a person, resolved to the name shown at the time.
PERSON_FIELDS = ("user_id", "operator_id", "target_id", "sender_id")

ChatOf = tuple[str, int, int]  # ("group", group_id, 0) or ("private", one person, the other)


@dataclass(frozen=True)
class Notice:
    kind: str
    time: int
    after_seq: int
    data: dict[str, Any]
    names: dict[str, str]


def chat_of(event: DomainEvent) -> ChatOf | None:
    """The chat a notice belongs to: its group, or the private chat a poke happened in."""
    group_id = getattr(event, "group_id", 0)
    if group_id:
        return ("group", group_id, 0)
    if isinstance(event, Poked) and event.peer_id:
        return ("private", event.user_id, event.peer_id)
    return None


class Notices:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups,
                 messages: Messages) -> None:
        self._core = core
        self._accounts = accounts
        self._groups = groups
        self._messages = messages

    def display_name(self, user_id: int, group_id: int) -> str:
        """The name QQ shows for ``user_id`` now: the group card, else the nickname."""
        member = self._groups.find_member(group_id, user_id) if group_id else None
        if member is not None and member.card:
            return member.card
        account = self._accounts.find(user_id)
        return account.nickname if account is not None else str(user_id)

    def names_of(self, event: DomainEvent) -> dict[str, str]:
        """The people a fact names, by number, as they are called now."""
        group_id = int(getattr(event, "group_id", 0) or 0)
        found = (getattr(event, key, None) for key in PERSON_FIELDS)
        return {str(uid): self.display_name(uid, group_id)
                for uid in found if isinstance(uid, int) and uid}

    def note(self, event: DomainEvent) -> None:
        """A world listener: store ``event`` if a chat shows it (called right after the change,
        before anything else happens, so the chat's newest message is the one it followed)."""
        if type(event).__name__ not in NOTICE_TYPES or self._core.building:
            return  # a seeded member did not "join": the world starts with them
        chat = chat_of(event)
        if chat is None:
            return
        key = chat_key(*chat)
        data = {f.name: getattr(event, f.name) for f in fields(event)
                if f.name not in ("time", "audience")}
        try:
            after = self._messages.last_seq(chat[0], key)
            with self._core.writing() as conn:
                conn.execute(
                    "INSERT INTO notice (chat_type, chat, after_seq, time, kind, data_json, "
                    "names_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (chat[0], key, after, event.time, type(event).__name__,
                     json.dumps(data, ensure_ascii=False, default=str),
                     json.dumps(self.names_of(event), ensure_ascii=False)))
        except StoreFailed:
            pass  # the fact itself is stored; only its grey line is lost (listeners never raise)

    def between(self, chat: ChatOf, first_seq: int | None, last_seq: int | None,
                limit: int = 500) -> list[Notice]:
        """The chat's notices placed after a message from ``first_seq`` to ``last_seq`` (None:
        from the chat's start / to now), oldest first; the newest ``limit`` of them."""
        where = "chat_type = ? AND chat = ?"
        params: list[object] = [chat[0], chat_key(*chat)]
        if first_seq is not None:
            where += " AND after_seq >= ?"
            params.append(first_seq)
        if last_seq is not None:
            where += " AND after_seq <= ?"
            params.append(last_seq)
        rows = self._core.conn.execute(
            f"SELECT kind, time, after_seq, data_json, names_json FROM notice WHERE {where} "
            "ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [Notice(kind, time, after, json.loads(data), json.loads(names))
                for kind, time, after, data, names in reversed(rows)]
