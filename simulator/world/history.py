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

from ..errors import NotFound, Why
from .core import WorldCore
from .groups import Groups
from .messages import Messages
from .snapshots import Message
from .tables import chat_key

# Raw ids look like QQNT's 19-digit msgIds; the row id makes each one unique.
NT_MSG_ID_BASE = 7_300_000_000_000_000_000
# NapCat's short ids are positive int32 values; anything larger is a raw id.
INT32_MAX = 2**31 - 1
#: One chat, standing messages only: the prefix of every paging query below. It is
#: the leading columns of ``ix_message_chat_seq``, so a page reads its rows in seq
#: order straight from the index, the same work at 1k or 1M messages in the chat.
_IN_CHAT = "chat_type = ? AND chat = ? AND NOT recalled"


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
        self._conn = core.conn
        self._messages = messages
        self._groups = groups

    # -- raw ids -----------------------------------------------------------

    def nt_msg_id(self, message_id: int) -> str:
        """The raw (QQNT) id of a stored message."""
        row_id = self._messages.row_id(message_id)
        if row_id is None:
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=message_id)
        return str(NT_MSG_ID_BASE + row_id)

    def find_by_nt_id(self, nt_msg_id: str) -> Message | None:
        if not nt_msg_id.isdigit() or int(nt_msg_id) <= NT_MSG_ID_BASE:
            return None
        return self._messages.find_by_row_id(int(nt_msg_id) - NT_MSG_ID_BASE)

    def find_ref(self, ref: str) -> Message | None:
        """A message named by NapCat's short id or by its raw id (both as text)."""
        text = ref.strip()
        if not text.lstrip("-").isdigit():
            return None
        if -INT32_MAX - 1 <= int(text) <= INT32_MAX:
            return self._messages.find(int(text))
        return self.find_by_nt_id(text)

    # -- what an account can see ----------------------------------------------

    def can_see(self, viewer_id: int, message: Message) -> bool:
        """QQ shows an account the messages of groups it is in and of its own private chats."""
        if message.chat_type == "group":
            return self._groups.find_member(message.group_id, viewer_id) is not None
        return viewer_id in (message.sender_id, message.peer_id)

    def find_visible(self, viewer_id: int, message_id: int) -> Message | None:
        """The message by its short id, if ``viewer_id`` can see it."""
        message = self._messages.find(message_id)
        return message if message is not None and self.can_see(viewer_id, message) else None

    def visible_to(self, viewer_id: int, message_id: int) -> Message:
        """The message by its short id; one ``viewer_id`` cannot see is as good as missing."""
        message = self.find_visible(viewer_id, message_id)
        if message is None:
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=message_id)
        return message

    def find_visible_ref(self, viewer_id: int, ref: str) -> Message | None:
        """The message a short or raw id names (``find_ref``), if ``viewer_id`` can see it."""
        message = self.find_ref(ref)
        return message if message is not None and self.can_see(viewer_id, message) else None

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
        where = _IN_CHAT
        params: tuple[object, ...] = _chat_params(self_id, chat)
        newest_first = anchor is None or older
        if anchor is not None:
            where += " AND seq <= ?" if older else " AND seq >= ?"
            params = (*params, anchor.seq)
        order = "DESC" if newest_first else "ASC"
        messages = self._messages.select(f"{where} ORDER BY seq {order} LIMIT ?",
                                         (*params, count))
        if newest_first:
            messages.reverse()
        return messages

    def latest_seq(self, self_id: int, chat: ChatRef) -> int:
        """The sequence number of the chat's newest message (recalled or not), 0 if none."""
        found = self._conn.execute("SELECT MAX(seq) FROM message WHERE chat_type = ? AND chat = ?",
                                   _chat_params(self_id, chat)).fetchone()[0]
        return int(found or 0)

    def count_after(self, self_id: int, chat: ChatRef, seq: int) -> int:
        """Messages from others after ``seq`` that still stand."""
        found = self._conn.execute(
            f"SELECT COUNT(*) FROM message WHERE {_IN_CHAT} AND seq > ? AND sender_id != ?",
            (*_chat_params(self_id, chat), seq, self_id),
        ).fetchone()[0]
        return int(found)

    # -- recent chats ----------------------------------------------------------

    def recent(self, self_id: int, count: int | None = None) -> list[RecentChat]:
        """The account's chats, newest message first: its groups and private chats."""
        newest = [*self._newest_in_groups(self_id), *self._newest_in_private(self_id)]
        newest.sort(key=lambda pair: (pair[1].time, pair[0]), reverse=True)
        if count is not None:
            newest = newest[: max(count, 0)]
        return [RecentChat(ChatRef.of(message, self_id), message, str(NT_MSG_ID_BASE + row_id))
                for row_id, message in newest]

    def _newest_in_groups(self, self_id: int) -> list[tuple[int, Message]]:
        found = []
        for group_id in self._groups.ids_of_user(self_id):
            row = self._conn.execute(
                f"SELECT id FROM message WHERE {_IN_CHAT} ORDER BY seq DESC LIMIT 1",
                ("group", group_id),
            ).fetchone()
            if row is not None:
                found.append(row[0])
        return self._with_messages(found)

    def _newest_in_private(self, self_id: int) -> list[tuple[int, Message]]:
        # Two index searches (sent, received; the partial private-chat indexes) rather
        # than one OR, which SQLite answers by scanning every private message.
        mine = "SELECT id, chat FROM message WHERE chat_type = 'private' AND NOT recalled AND"
        rows = self._conn.execute(
            f"SELECT MAX(id) FROM ({mine} sender_id = ? UNION ALL {mine} peer_id = ?) "
            "GROUP BY chat",
            (self_id, self_id),
        ).fetchall()
        return self._with_messages([row[0] for row in rows])

    def _with_messages(self, row_ids: list[int]) -> list[tuple[int, Message]]:
        pairs = []
        for row_id in row_ids:
            message = self._messages.find_by_row_id(row_id)
            if message is not None:
                pairs.append((row_id, message))
        return pairs


def _chat_params(self_id: int, chat: ChatRef) -> tuple[str, int]:
    if chat.chat_type == "group":
        return "group", chat.peer_id
    return "private", chat_key("private", self_id, chat.peer_id)
