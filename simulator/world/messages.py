"""Message history: sending, recalling and reading group and private chats.

Message ids imitate NapCat's: the first four bytes of an MD5 over the kernel
message id, chat type and peer, top bit cleared. They look random, never
repeat within a world, and the same world built twice gives the same ids.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from typing import Any

from ..errors import InvalidState, NotFound, PermissionDenied, StoreFailed, Why
from ..jsontext import encode_basestring, spaced
from ..storable import storable
from .accounts import Accounts
from .connection import Statement
from .core import WorldCore
from .events import MessageCreated, MessageRecalled
from .groups import RANK, Groups
from .short_ids import ShortIds
from .snapshots import Message, Segment
from .tables import chat_key

try:
    # CPython's own MD5: for a 30-byte key about half the cost of OpenSSL's (hashlib),
    # whose context set-up dominates. Same digest; one per message sent.
    from _md5 import md5 as _md5  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - a build without it
    from hashlib import md5 as _md5

# QQ lets a member recall their own message for two minutes.
RECALL_WINDOW_SECONDS = 120
_NT_MSG_ID_BASE = 7_300_000_000_000_000_000
_CHAT_TYPE_CODE = {"private": 1, "group": 2}

# Sending and reading history are the hot paths: plain SQL on the world's connection
# (the ``message`` table of ``tables.MessageRow``), no ORM objects per message.
COLUMNS = ("id, message_id, chat_type, chat, group_id, sender_id, peer_id, seq, time, "
           "segments_json, raw_message, recalled, recalled_by, temp_source, "
           "sender_nickname, sender_card")
_INSERT = f"INSERT INTO message ({COLUMNS}) VALUES ({', '.join('?' * 16)})"
_SELECT = f"SELECT {COLUMNS} FROM message"
_SPOKE = "UPDATE member SET last_sent_time = ? WHERE group_id = ? AND user_id = ?"
StoredRow = tuple[Any, ...]
#: A message's columns selected from ``message AS msg`` with ``NAMED_JOINS``, followed by
#: what ``_message_of`` looks up for each: the sender's role now and the group's name
#: (NULL: none). One statement for many messages (``named``), where ``_message_of`` costs
#: two ORM look-ups a message.
NAMED_COLUMNS = ", ".join(f"msg.{name}" for name in COLUMNS.split(", ")) + ", sender.role, g.name"
NAMED_JOINS = (
    "LEFT JOIN member AS sender ON sender.group_id = msg.group_id "
    "AND sender.user_id = msg.sender_id LEFT JOIN qgroup AS g ON g.group_id = msg.group_id"
)


def short_message_id(nt_msg_id: int, chat_type: str, peer: int, salt: int = 0) -> int:
    key = b"%d|%d|%d" % (nt_msg_id, _CHAT_TYPE_CODE[chat_type], peer)
    if salt:
        key += b"|%d" % salt
    value: int = _FIRST_WORD(_md5(key).digest())[0] & 0x7FFFFFFF
    return value or 1


#: The first four bytes of a digest as a big-endian number.
_FIRST_WORD = struct.Struct(">I").unpack_from


def segments_json(segments: list[Segment]) -> str:
    """``spaced(segments)``, as stored in ``segments_json``; a message of one text segment
    (most are) is written without the generic encoder, whose set-up costs ~4x the text's."""
    if len(segments) == 1:
        first = segments[0]
        if type(first) is dict and tuple(first) == _TEXT_KEYS and first["type"] == "text":
            data = first["data"]
            if type(data) is dict and len(data) == 1:
                text = data.get("text")
                if type(text) is str:
                    return f'[{{"type": "text", "data": {{"text": {encode_basestring(text)}}}}}]'
    return spaced(segments)


_TEXT_KEYS = ("type", "data")


class Messages:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups) -> None:
        self._core = core
        self._conn = core.conn
        self._accounts = accounts
        self._groups = groups
        # Derived from the table (MAX queries, the ids), so sending needs no query;
        # forgotten on rollback.
        self._last_row_id: int | None = None
        self._last_seq: dict[int, int] = {}
        self._ids = ShortIds(core.conn)
        core.on_rollback(self._forget)

    def _forget(self) -> None:
        self._last_row_id = None
        self._last_seq.clear()
        self._ids.forget()

    # -- sending -----------------------------------------------------------

    def post_group(
        self, sender_id: int, group_id: int, segments: list[Segment], raw_message: str
    ) -> Message:
        """``sender_id`` speaks in the group, if QQ lets them."""
        self._accounts.require_online(sender_id)
        facts = self._groups.send_facts(group_id, sender_id)
        if facts is None:
            raise PermissionDenied(Why.SEND_NOT_A_MEMBER, user_id=sender_id, group_id=group_id)
        now = self._core.now()  # whole seconds: a mute ends on one (``mute_until`` is too)
        if facts.mute_until > now or (facts.whole_mute and facts.role == "member"):
            raise PermissionDenied(Why.SEND_MUTED, user_id=sender_id, group_id=group_id)
        # The send's statements, listed and kept by hand (``WorldCore.sent`` runs or queues
        # them): this is the hottest write of all, and a generator context manager costs
        # ~3 µs.
        done: list[Statement] = []
        try:
            row = self._store(done, "group", sender_id, group_id, group_id, segments,
                              raw_message, facts.nickname, facts.card, now)
            # Within the same second it is stored already (the facts are kept in step by
            # ``spoke``); an UPDATE writing the same value would still copy its page.
            spoke = facts.last_sent_time != row[8]
            if spoke:
                done.append((_SPOKE, (row[8], group_id, sender_id)))
        except Exception as exc:
            self._core.send_failed(exc)
        self._core.sent(done)
        if spoke:
            self._groups.spoke(group_id, sender_id, facts, row[8])
        message = self._message(row, facts.role, facts.group_name, segments)
        self._announce(message, self._groups.bot_members(group_id))
        return message

    def post_private(
        self,
        sender_id: int,
        target_id: int,
        segments: list[Segment],
        raw_message: str,
        *,
        via_group: int = 0,
    ) -> Message:
        """``sender_id`` writes to ``target_id``: as a friend, or in a temp chat via a group."""
        self._accounts.require_online(sender_id)
        sender = self._accounts.row(sender_id)
        if self._accounts.find(target_id) is None:
            raise NotFound(Why.SEND_NO_PEER, user_id=target_id)
        temp_source = 0
        if not self._accounts.is_friend(sender_id, target_id):
            temp_source = self._temp_chat_group(sender_id, target_id, via_group)
        with self._core.sending() as done:
            row = self._store(done, "private", sender_id, target_id, 0, segments, raw_message,
                              sender.nickname, "", self._core.now(), temp_source)
        message = self._message(row, "", "", segments)
        self._announce(message, self._accounts.bot_ids({sender_id, target_id}))
        return message

    def _temp_chat_group(self, sender_id: int, target_id: int, via_group: int) -> int:
        common = self._groups.common_groups(sender_id, target_id)
        if via_group and via_group in common:
            return via_group
        if common:
            return common[0]
        raise InvalidState(Why.SEND_NO_RELATION, user_id=target_id)

    def _announce(self, message: Message, audience: frozenset[int]) -> None:
        # Filled as ``_message`` fills its snapshot (fields in declaration order: the
        # transcript lists them in ``__dict__`` order).
        event = object.__new__(MessageCreated)
        event.__dict__.update(time=message.time, audience=audience, message=message)
        self._core.emit(event)

    def _store(
        self, done: list[Statement], chat_type: str, sender_id: int, peer_id: int,
        group_id: int, segments: list[Segment], raw_message: str, nickname: str, card: str,
        time: int, temp_source: int = 0,
    ) -> StoredRow:
        """List the INSERT of one message sent at ``time`` in ``done`` (the caller's
        ``sending``: it runs later); returns the row it stores.

        Whatever could make it fail when it runs is checked here, as it would not fail in
        its action then: its id is free (``ShortIds``), its strings are storable.
        """
        last_row = self._last_row_id  # ``_next_row_id``, without its call once cached
        row_id = self._next_row_id() if last_row is None else last_row + 1
        chat = chat_key(chat_type, group_id or sender_id, peer_id)
        peer = group_id if chat_type == "group" else min(sender_id, peer_id)
        nt_msg_id = _NT_MSG_ID_BASE + row_id
        content = segments_json(segments)
        if not (content.isascii() and raw_message.isascii()) and not storable(
                (content, raw_message)):
            raise StoreFailed(Why.STORE_FAILED)  # a lone surrogate: SQLite cannot hold it
        message_id = short_message_id(nt_msg_id, chat_type, peer)
        salt = 0
        while not self._ids.claim(message_id):
            # An MD5 prefix can collide with an earlier message's id: salt it (rare).
            salt += 1
            message_id = short_message_id(nt_msg_id, chat_type, peer, salt)
        last = self._last_seq.get(chat)  # ``last_seq``, without its call once cached
        seq = self._last_seq[chat] = (self.last_seq(chat_type, chat) if last is None
                                      else last) + 1
        # ``recalled`` is 0, not False: sqlite3 looks for an adapter for a bool (~3k
        # instructions), for an int it needs none.
        row = (row_id, message_id, chat_type, chat, group_id, sender_id, peer_id, seq, time,
               content, raw_message, 0, 0, temp_source, nickname, card)
        self._last_row_id = row_id
        done.append((_INSERT, row))
        return row

    def _next_row_id(self) -> int:
        if self._last_row_id is None:
            found = self._conn.execute("SELECT MAX(id) FROM message").fetchone()[0]
            self._last_row_id = int(found or 0)
        return self._last_row_id + 1

    def last_seq(self, chat_type: str, chat: int) -> int:
        """The newest sequence number in a chat (0 when it is empty), by its ``chat_key``;
        cached, so sending costs no MAX() query."""
        last = self._last_seq.get(chat)
        if last is None:
            found = self._conn.execute(
                "SELECT MAX(seq) FROM message WHERE chat_type = ? AND chat = ?", (chat_type, chat)
            ).fetchone()[0]
            last = self._last_seq[chat] = int(found or 0)
        return last

    # -- recalling ---------------------------------------------------------

    def recall(self, actor_id: int, message_id: int) -> Message:
        row = self._find_row(message_id)
        if row is None or row[11]:
            raise NotFound(Why.RECALL_NOT_FOUND, message_id=message_id)
        message = self._message_of(row)
        self._check_recall_allowed(actor_id, message)
        with self._core.writing() as conn:
            conn.execute("UPDATE message SET recalled = 1, recalled_by = ? WHERE id = ?",
                         (actor_id, row[0]))
        message = self._message_of((*row[:11], True, actor_id, *row[13:]))
        if message.chat_type == "group":
            audience = self._groups.bot_members(message.group_id)
        else:
            audience = self._accounts.bot_ids({message.sender_id, message.peer_id})
        self._core.emit(
            MessageRecalled(
                time=self._core.now(), audience=audience, message=message, operator_id=actor_id
            )
        )
        return message

    def _check_recall_allowed(self, actor_id: int, message: Message) -> None:
        fresh = self._core.now() - message.time <= RECALL_WINDOW_SECONDS
        if message.chat_type == "private":
            if actor_id != message.sender_id or not fresh:
                raise PermissionDenied(Why.RECALL_TOO_LATE, message_id=message.message_id)
            return
        group_id = message.group_id
        actor = self._groups.find_member(group_id, actor_id)
        if actor is None:
            raise PermissionDenied(Why.RECALL_NOT_A_MEMBER, user_id=actor_id, group_id=group_id)
        if actor_id == message.sender_id and (fresh or actor.is_admin):
            return
        sender = self._groups.find_member(group_id, message.sender_id)
        sender_rank = RANK[sender.role] if sender else 0
        if actor.is_admin and RANK[actor.role] > sender_rank:
            return
        raise PermissionDenied(Why.RECALL_DENIED, message_id=message.message_id)

    # -- reading -----------------------------------------------------------

    def find(self, message_id: int) -> Message | None:
        row = self._find_row(message_id)
        return None if row is None else self._message_of(row)

    def get(self, message_id: int) -> Message:
        message = self.find(message_id)
        if message is None:
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=message_id)
        return message

    def find_by_row_id(self, row_id: int) -> Message | None:
        row = self._conn.execute(f"{_SELECT} WHERE id = ?", (row_id,)).fetchone()
        return None if row is None else self._message_of(row)

    def row_id(self, message_id: int) -> int | None:
        found = self._conn.execute("SELECT id FROM message WHERE message_id = ?",
                                   (message_id,)).fetchone()
        return None if found is None else int(found[0])

    def by_seq(self, chat_type: str, a: int, b: int, seq: int) -> Message | None:
        """The message with ``seq`` in a group (``a``) or in the private chat of ``a`` and ``b``."""
        row = self._conn.execute(
            f"{_SELECT} WHERE chat_type = ? AND chat = ? AND seq = ?",
            (chat_type, chat_key(chat_type, a, b), seq),
        ).fetchone()
        return None if row is None else self._message_of(row)

    def group_history(self, group_id: int, *, include_recalled: bool = True) -> list[Message]:
        return self._history("group", group_id, group_id, include_recalled)

    def private_history(self, a: int, b: int, *, include_recalled: bool = True) -> list[Message]:
        return self._history("private", a, b, include_recalled)

    def _history(self, chat_type: str, a: int, b: int, include_recalled: bool) -> list[Message]:
        recalled = "" if include_recalled else " AND NOT recalled"
        rows = self._conn.execute(
            f"{_SELECT} WHERE chat_type = ? AND chat = ?{recalled} ORDER BY seq",
            (chat_type, chat_key(chat_type, a, b)),
        )
        return self.messages_of(rows)

    def select(self, where: str, params: tuple[Any, ...]) -> list[Message]:
        """Messages matching an SQL condition on the ``message`` table (for ``History``)."""
        return self.messages_of(self._conn.execute(f"{_SELECT} WHERE {where}", params))

    def _find_row(self, message_id: int) -> StoredRow | None:
        found: StoredRow | None = self._conn.execute(
            f"{_SELECT} WHERE message_id = ?", (message_id,)).fetchone()
        return found

    def messages_of(self, rows: Iterable[StoredRow]) -> list[Message]:
        return [self._message_of(row) for row in rows]

    def named(self, rows: Iterable[StoredRow]) -> list[Message]:
        """Messages from rows of ``NAMED_COLUMNS``: as ``_message_of`` makes them, role and
        group name read with the row (the caller flushes the ORM's changes first)."""
        return [self._message(row, row[16] or "", row[17] or "", json.loads(row[9]))
                for row in rows]

    def _message_of(self, row: StoredRow) -> Message:
        """The stored message; like NapCat's, its names are as sent and the role is current."""
        group_id, sender_id = row[4], row[5]
        if not group_id:
            return self._message(row, "", "", json.loads(row[9]))
        member = self._groups.member_row(group_id, sender_id)
        group = self._groups.find_row(group_id)
        return self._message(row, member.role if member else "", group.name if group else "",
                             json.loads(row[9]))

    @staticmethod
    def _message(row: StoredRow, role: str, group_name: str, segments: list[Segment]
                 ) -> Message:
        # Filling the frozen dataclass's __dict__ is ~3x cheaper than its __init__ (one
        # object.__setattr__ per field): a snapshot is built for every message sent or read.
        message = object.__new__(Message)
        message.__dict__.update(
            message_id=row[1], chat_type=row[2], group_id=row[4], sender_id=row[5],
            peer_id=row[6], seq=row[7], time=row[8], segments=segments, raw_message=row[10],
            recalled=bool(row[11]), recalled_by=row[12], temp_source=row[13],
            sender_nickname=row[14], sender_card=row[15], sender_role=role,
            group_name=group_name,
        )
        return message
