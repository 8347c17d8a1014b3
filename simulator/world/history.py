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
from .messages import NAMED_COLUMNS, NAMED_JOINS, Messages, StoredRow
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
    """A conversation and its newest message still standing (not recalled), with what
    QQ's recent-contact list shows of the peer (read with it, not a look-up per chat)."""

    chat: ChatRef
    message: Message
    nt_msg_id: str
    #: The group's name, or the other person's nickname.
    peer_name: str = ""
    #: A private chat's peer as the account's friend: its remark for them; None: no friend.
    friend_remark: str | None = None


class History:
    def __init__(self, core: WorldCore, messages: Messages, groups: Groups) -> None:
        self._core = core
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
    # A bot may be in 10k groups: each query below answers for all of its chats at once
    # (a query or two ORM look-ups per chat held the event loop for seconds).

    def recent(self, self_id: int, count: int | None = None) -> list[RecentChat]:
        """The account's chats, newest message first: its groups and private chats."""
        conn = self._core.flushed()  # roles, names, friends the ORM changed count
        # (time, id) of each chat's newest standing message first; whole rows (JSON to
        # decode) only for the chats kept.
        newest = [*conn.execute(_NEWEST_IN_GROUPS, (self_id,)),
                  *conn.execute(_NEWEST_IN_PRIVATE, {"me": self_id})]
        newest.sort(reverse=True)
        if count is not None:
            newest = newest[: max(count, 0)]
        rows = self._recent_rows(self_id, [row_id for _, row_id in newest])
        messages = self._messages.named(rows)
        return [RecentChat(ChatRef.of(message, self_id), message, str(NT_MSG_ID_BASE + row[0]),
                           row[18] or "", row[19])
                for row, message in zip(rows, messages, strict=True)]

    def _recent_rows(self, self_id: int, row_ids: list[int]) -> list[StoredRow]:
        """The messages ``row_ids`` names, in that order, as ``_RECENT_ROWS`` reads them."""
        found: dict[int, StoredRow] = {}
        for start in range(0, len(row_ids), CHUNK):
            chunk = row_ids[start:start + CHUNK]
            params: dict[str, int] = {f"i{n}": row_id for n, row_id in enumerate(chunk)}
            marks = ", ".join(f":{name}" for name in params)
            params["me"] = self_id
            found.update((row[0], row) for row in self._conn.execute(
                f"{_RECENT_ROWS} ({marks})", params))
        return [found[row_id] for row_id in row_ids]

    def latest_seqs(self, self_id: int) -> list[tuple[ChatRef, int]]:
        """The chats ``recent`` lists, each with ``latest_seq`` (what marking it read needs)."""
        conn = self._core.flushed()  # memberships the ORM changed count
        groups = conn.execute(_GROUP_SEQS, (self_id,))
        private = conn.execute(_PRIVATE_SEQS, {"me": self_id})
        return [*((ChatRef("group", group_id), seq) for group_id, seq in groups),
                *((ChatRef("private", peer_id if sender_id == self_id else sender_id), seq)
                  for sender_id, peer_id, seq in private)]


#: Row ids an ``IN`` list names at most: well under SQLite's limit on parameters (999
#: before 3.32).
CHUNK = 500
#: The newest standing message of one group (``_IN_CHAT``), for a correlated subquery on
#: ``mine``, a membership: read backwards along ``ix_message_chat_seq``.
_NEWEST_ID_IN_GROUP = ("SELECT id FROM message WHERE chat_type = 'group' "
                       "AND chat = mine.group_id AND NOT recalled ORDER BY seq DESC LIMIT 1")
#: (time, id) of the newest standing message of each group of an account.
_NEWEST_IN_GROUPS = (
    "SELECT msg.time, msg.id FROM member AS mine "
    f"JOIN message AS msg ON msg.id = ({_NEWEST_ID_IN_GROUP}) WHERE mine.user_id = ?"
)
# Two index searches (sent, received; the partial private-chat indexes) rather than one
# OR, which SQLite answers by scanning every private message.
_MINE = "SELECT id, chat FROM message WHERE chat_type = 'private' AND NOT recalled AND"
#: The newest standing message of each private chat of an account (``:me``).
_NEWEST_PRIVATE_IDS = (f"SELECT MAX(id) FROM ({_MINE} sender_id = :me UNION ALL "
                       f"{_MINE} peer_id = :me) GROUP BY chat")
#: (time, id) of the newest standing message of each private chat of an account.
_NEWEST_IN_PRIVATE = f"SELECT time, id FROM message WHERE id IN ({_NEWEST_PRIVATE_IDS})"
#: The other person of a private message (``Message.other_party``).
_PEER = "CASE WHEN msg.sender_id = :me THEN msg.peer_id ELSE msg.sender_id END"
#: Messages by row id (an ``IN`` list follows) as ``NAMED_COLUMNS``, then the peer's name
#: (the group's, or the other person's nickname) and ``:me``'s remark for them as a
#: friend (NULL: no friend, or a group).
_RECENT_ROWS = (
    f"SELECT {NAMED_COLUMNS}, CASE WHEN msg.chat_type = 'group' THEN g.name "
    f"ELSE peer.nickname END, friend.remark FROM message AS msg {NAMED_JOINS} "
    f"LEFT JOIN account AS peer ON msg.chat_type = 'private' AND peer.user_id = {_PEER} "
    "LEFT JOIN friendship AS friend ON msg.chat_type = 'private' "
    f"AND friend.owner_id = :me AND friend.friend_id = {_PEER} WHERE msg.id IN"
)
#: ``latest_seq`` of each group of an account with a standing message (``recent``'s).
_GROUP_SEQS = (
    "SELECT mine.group_id, (SELECT MAX(seq) FROM message WHERE chat_type = 'group' "
    "AND chat = mine.group_id) FROM member AS mine WHERE mine.user_id = ? "
    "AND EXISTS (SELECT 1 FROM message WHERE chat_type = 'group' "
    "AND chat = mine.group_id AND NOT recalled)"
)
#: ``latest_seq`` of each private chat ``recent`` lists, with its newest message's two
#: people (the peer is the other one, as ``ChatRef.of`` takes it).
_PRIVATE_SEQS = (
    "SELECT msg.sender_id, msg.peer_id, (SELECT MAX(seq) FROM message AS other "
    "WHERE other.chat_type = 'private' AND other.chat = msg.chat) FROM message AS msg "
    f"WHERE msg.id IN ({_NEWEST_PRIVATE_IDS})"
)


def _chat_params(self_id: int, chat: ChatRef) -> tuple[str, int]:
    if chat.chat_type == "group":
        return "group", chat.peer_id
    return "private", chat_key("private", self_id, chat.peer_id)
