"""Reading chats as a QQ client does: pages of history, raw message ids, recent chats.

A chat is seen from one account: a group it is in, or a private chat with
one other person (friend or temp chat, QQ keeps them as one conversation).
Recalled messages are gone from every listing here, as they are from a QQ
client's message list.

QQNT names each message by a long ``msgId`` string besides NapCat's short id;
bots meet it in ``get_recent_contact`` and may pass it back wherever NapCat
accepts a raw id, so the world derives one stable raw id per stored message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case
from sqlmodel import col, func, or_, select

from ..errors import NotFound
from .core import WorldCore
from .groups import Groups
from .messages import Messages
from .snapshots import Message
from .tables import MessageRow

# Raw ids look like QQNT's 19-digit msgIds; the row id makes each one unique.
NT_MSG_ID_BASE = 7_300_000_000_000_000_000
# NapCat's short ids are positive int32 values; anything larger is a raw id.
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class ChatRef:
    """A conversation seen from one account: a group, or the person on the other side."""

    chat_type: str  # "group" | "private"
    peer_id: int

    @classmethod
    def of(cls, message: Message, self_id: int) -> ChatRef:
        if message.chat_type == "group":
            return cls("group", message.group_id)
        return cls("private", message.other_party(self_id))


@dataclass(frozen=True)
class RecentChat:
    """A conversation and its newest message still standing (not recalled)."""

    chat: ChatRef
    message: Message
    nt_msg_id: str


class History:
    def __init__(self, core: WorldCore, messages: Messages, groups: Groups) -> None:
        self._db = core.session
        self._messages = messages
        self._groups = groups

    # -- raw ids -----------------------------------------------------------

    def nt_msg_id(self, message_id: int) -> str:
        """The raw (QQNT) id of a stored message."""
        row_id = self._db.exec(
            select(MessageRow.id).where(MessageRow.message_id == message_id)
        ).first()
        if row_id is None:
            raise NotFound("消息不存在")
        return str(NT_MSG_ID_BASE + row_id)

    def find_by_nt_id(self, nt_msg_id: str) -> Message | None:
        if not nt_msg_id.isdigit() or int(nt_msg_id) <= NT_MSG_ID_BASE:
            return None
        row = self._db.get(MessageRow, int(nt_msg_id) - NT_MSG_ID_BASE)
        return None if row is None else self._messages.find(row.message_id)

    def find_ref(self, ref: str) -> Message | None:
        """A message named by NapCat's short id or by its raw id (both as text)."""
        text = ref.strip()
        if not text.lstrip("-").isdigit():
            return None
        if -INT32_MAX - 1 <= int(text) <= INT32_MAX:
            return self._messages.find(int(text))
        return self.find_by_nt_id(text)

    # -- paging --------------------------------------------------------------

    def page(
        self, self_id: int, chat: ChatRef, *, anchor: Message | None, count: int, older: bool
    ) -> list[Message]:
        """Up to ``count`` messages, oldest first; the anchor itself is included.

        Without an anchor: the newest ``count``. With one: the anchor and the
        messages after it, or (``older``) the anchor and the messages before it.
        """
        if count <= 0:
            return []
        query = select(MessageRow).where(self._chat_filter(self_id, chat))
        query = query.where(~col(MessageRow.recalled))
        newest_first = anchor is None or older
        if anchor is not None:
            seq = col(MessageRow.seq)
            query = query.where(seq <= anchor.seq if older else seq >= anchor.seq)
        order = col(MessageRow.seq).desc() if newest_first else col(MessageRow.seq)
        rows = list(self._db.exec(query.order_by(order).limit(count)).all())
        if newest_first:
            rows.reverse()
        return [self._messages.get(row.message_id) for row in rows]

    def latest_seq(self, self_id: int, chat: ChatRef) -> int:
        """The sequence number of the chat's newest message (recalled or not), 0 if none."""
        found = self._db.exec(
            select(func.max(MessageRow.seq)).where(self._chat_filter(self_id, chat))
        ).one()
        return int(found or 0)

    def count_after(self, self_id: int, chat: ChatRef, seq: int) -> int:
        """Messages from others after ``seq`` that still stand."""
        query = (
            select(func.count())
            .select_from(MessageRow)
            .where(self._chat_filter(self_id, chat))
            .where(col(MessageRow.seq) > seq, col(MessageRow.sender_id) != self_id)
            .where(~col(MessageRow.recalled))
        )
        return int(self._db.exec(query).one())

    @staticmethod
    def _chat_filter(self_id: int, chat: ChatRef) -> ColumnElement[bool]:
        if chat.chat_type == "group":
            return and_(col(MessageRow.chat_type) == "group",
                        col(MessageRow.group_id) == chat.peer_id)
        pair = or_(
            and_(col(MessageRow.sender_id) == self_id, col(MessageRow.peer_id) == chat.peer_id),
            and_(col(MessageRow.sender_id) == chat.peer_id, col(MessageRow.peer_id) == self_id),
        )
        return and_(col(MessageRow.chat_type) == "private", pair)

    # -- recent chats ----------------------------------------------------------

    def recent(self, self_id: int, count: int | None = None) -> list[RecentChat]:
        """The account's chats, newest message first: its groups and private chats."""
        newest_rows = [*self._newest_group_rows(self_id), *self._newest_private_rows(self_id)]
        newest_rows.sort(key=lambda row: (row.time, row.id or 0), reverse=True)
        if count is not None:
            newest_rows = newest_rows[: max(count, 0)]
        chats = []
        for row in newest_rows:
            message = self._messages.get(row.message_id)
            chats.append(RecentChat(ChatRef.of(message, self_id), message,
                                    str(NT_MSG_ID_BASE + (row.id or 0))))
        return chats

    def _newest_group_rows(self, self_id: int) -> list[MessageRow]:
        group_ids = [g.group_id for g in self._groups.of_user(self_id)]
        if not group_ids:
            return []
        newest = (
            select(func.max(MessageRow.id))
            .where(col(MessageRow.chat_type) == "group", col(MessageRow.group_id).in_(group_ids))
            .where(~col(MessageRow.recalled))
            .group_by(col(MessageRow.group_id))
        )
        return list(self._db.exec(select(MessageRow).where(col(MessageRow.id).in_(newest))).all())

    def _newest_private_rows(self, self_id: int) -> list[MessageRow]:
        other = case(
            (col(MessageRow.sender_id) == self_id, col(MessageRow.peer_id)),
            else_=col(MessageRow.sender_id),
        )
        newest = (
            select(func.max(MessageRow.id))
            .where(col(MessageRow.chat_type) == "private")
            .where(or_(col(MessageRow.sender_id) == self_id, col(MessageRow.peer_id) == self_id))
            .where(~col(MessageRow.recalled))
            .group_by(other)
        )
        return list(self._db.exec(select(MessageRow).where(col(MessageRow.id).in_(newest))).all())
