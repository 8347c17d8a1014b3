"""Message history: sending, recalling and reading group and private chats.

Message ids imitate NapCat's: the first four bytes of an MD5 over the kernel
message id, chat type and peer, top bit cleared. They look random, never
repeat within a world, and the same world built twice gives the same ids.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import ColumnElement, and_
from sqlmodel import col, func, or_, select

from ..errors import InvalidState, NotFound, PermissionDenied
from .accounts import Accounts
from .core import WorldCore
from .events import MessageCreated, MessageRecalled
from .groups import RANK, Groups
from .snapshots import Message, Segment
from .tables import MessageRow

# QQ lets a member recall their own message for two minutes.
RECALL_WINDOW_SECONDS = 120
_NT_MSG_ID_BASE = 7_300_000_000_000_000_000
_CHAT_TYPE_CODE = {"private": 1, "group": 2}


def short_message_id(nt_msg_id: int, chat_type: str, peer: int, salt: int = 0) -> int:
    key = f"{nt_msg_id}|{_CHAT_TYPE_CODE[chat_type]}|{peer}" + (f"|{salt}" if salt else "")
    value = int.from_bytes(hashlib.md5(key.encode()).digest()[:4], "big") & 0x7FFFFFFF
    return value or 1


class Messages:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups
        self._last_row_id: int | None = None
        self._last_seq: dict[tuple[str, int, int] | tuple[str, int], int] = {}
        self._taken_ids: set[int] = set()
        self._ids_loaded = False

    # -- sending -----------------------------------------------------------

    def post_group(
        self, sender_id: int, group_id: int, segments: list[Segment], raw_message: str
    ) -> Message:
        """``sender_id`` speaks in the group, if QQ lets them."""
        group = self._groups.get(group_id)
        member = self._groups.find_member(group_id, sender_id)
        if member is None:
            raise PermissionDenied(f"发送消息失败: {sender_id} 不是群{group_id}的成员")
        if self._groups.is_muted(group_id, sender_id):
            raise PermissionDenied(f"发送消息失败: {sender_id} 在群{group_id}中被禁言")
        seq = self._next_seq("group", group_id, group_id)
        row = self._store("group", sender_id, group_id, group_id, seq, segments, raw_message)
        self._groups.touch(group_id, sender_id)
        self._db.commit()
        message = self._message_of(row)
        assert message.group_name == group.name
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
        self._accounts.get(sender_id)
        if self._accounts.find(target_id) is None:
            raise NotFound("无法获取用户信息")
        temp_source = 0
        if not self._accounts.is_friend(sender_id, target_id):
            temp_source = self._temp_chat_group(sender_id, target_id, via_group)
        seq = self._next_seq("private", sender_id, target_id)
        row = self._store("private", sender_id, target_id, 0, seq, segments, raw_message)
        row.temp_source = temp_source
        self._db.commit()
        message = self._message_of(row)
        self._announce(message, self._accounts.bot_ids({sender_id, target_id}))
        return message

    def _temp_chat_group(self, sender_id: int, target_id: int, via_group: int) -> int:
        common = self._groups.common_groups(sender_id, target_id)
        if via_group and via_group in common:
            return via_group
        if common:
            return common[0]
        raise InvalidState(f"发送消息失败: {target_id} 不是好友, 也没有共同的群")

    def _announce(self, message: Message, audience: frozenset[int]) -> None:
        self._core.emit(MessageCreated(time=message.time, audience=audience, message=message))

    def _store(
        self,
        chat_type: str,
        sender_id: int,
        peer_id: int,
        group_id: int,
        seq: int,
        segments: list[Segment],
        raw_message: str,
    ) -> MessageRow:
        if self._last_row_id is None:
            self._last_row_id = int(self._db.exec(select(func.max(MessageRow.id))).one() or 0)
        self._last_row_id += 1
        nt_msg_id = _NT_MSG_ID_BASE + self._last_row_id
        peer = group_id if chat_type == "group" else min(sender_id, peer_id)
        message_id, salt = short_message_id(nt_msg_id, chat_type, peer), 0
        while self._id_taken(message_id):  # an MD5 prefix can collide
            salt += 1
            message_id = short_message_id(nt_msg_id, chat_type, peer, salt)
        self._taken_ids.add(message_id)
        row = MessageRow(
            message_id=message_id,
            chat_type=chat_type,
            group_id=group_id,
            sender_id=sender_id,
            peer_id=peer_id,
            seq=seq,
            time=self._core.now(),
            segments_json=json.dumps(segments, ensure_ascii=False),
            raw_message=raw_message,
        )
        sender = self._accounts.find(sender_id)
        member = self._groups.find_member(group_id, sender_id) if group_id else None
        row.sender_nickname = sender.nickname if sender else ""
        row.sender_card = member.card if member else ""
        self._db.add(row)
        return row

    def _id_taken(self, message_id: int) -> bool:
        if not self._ids_loaded:  # a world from a file already has messages
            self._taken_ids.update(self._db.exec(select(MessageRow.message_id)).all())
            self._ids_loaded = True
        return message_id in self._taken_ids

    def _next_seq(self, chat_type: str, a: int, b: int) -> int:
        """The next per-chat sequence number; cached so sending costs no MAX() query."""
        key = (chat_type, a) if chat_type == "group" else (chat_type, min(a, b), max(a, b))
        last = self._last_seq.get(key)
        if last is None:
            found = self._db.exec(
                select(func.max(MessageRow.seq)).where(self._chat_filter(chat_type, a, b))
            ).one()
            last = int(found or 0)
        self._last_seq[key] = last + 1
        return last + 1

    @staticmethod
    def _chat_filter(chat_type: str, a: int, b: int) -> ColumnElement[bool]:
        if chat_type == "group":
            return and_(col(MessageRow.chat_type) == "group", col(MessageRow.group_id) == a)
        pair = or_(
            and_(col(MessageRow.sender_id) == a, col(MessageRow.peer_id) == b),
            and_(col(MessageRow.sender_id) == b, col(MessageRow.peer_id) == a),
        )
        return and_(col(MessageRow.chat_type) == "private", pair)

    # -- recalling ---------------------------------------------------------

    def recall(self, actor_id: int, message_id: int) -> Message:
        row = self._find_row(message_id)
        if row is None or row.recalled:
            raise NotFound("Recall failed")
        self._check_recall_allowed(actor_id, row)
        row.recalled, row.recalled_by = True, actor_id
        self._db.commit()
        message = self._message_of(row)
        if row.chat_type == "group":
            audience = self._groups.bot_members(row.group_id)
        else:
            audience = self._accounts.bot_ids({row.sender_id, row.peer_id})
        self._core.emit(
            MessageRecalled(
                time=self._core.now(), audience=audience, message=message, operator_id=actor_id
            )
        )
        return message

    def _check_recall_allowed(self, actor_id: int, row: MessageRow) -> None:
        fresh = self._core.now() - row.time <= RECALL_WINDOW_SECONDS
        if row.chat_type == "private":
            if actor_id != row.sender_id or not fresh:
                raise PermissionDenied("Recall failed: 只能撤回自己两分钟内发送的消息")
            return
        actor = self._groups.find_member(row.group_id, actor_id)
        if actor is None:
            raise PermissionDenied(f"Recall failed: {actor_id} 不是群{row.group_id}的成员")
        if actor_id == row.sender_id and (fresh or actor.is_admin):
            return
        sender = self._groups.find_member(row.group_id, row.sender_id)
        sender_rank = RANK[sender.role] if sender else 0
        if actor.is_admin and RANK[actor.role] > sender_rank:
            return
        raise PermissionDenied("Recall failed: 无权撤回此消息")

    # -- reading -----------------------------------------------------------

    def find(self, message_id: int) -> Message | None:
        row = self._find_row(message_id)
        return None if row is None else self._message_of(row)

    def get(self, message_id: int) -> Message:
        message = self.find(message_id)
        if message is None:
            raise NotFound("消息不存在")
        return message

    def group_history(self, group_id: int, *, include_recalled: bool = True) -> list[Message]:
        return self._history("group", group_id, group_id, include_recalled)

    def private_history(self, a: int, b: int, *, include_recalled: bool = True) -> list[Message]:
        return self._history("private", a, b, include_recalled)

    def _history(self, chat_type: str, a: int, b: int, include_recalled: bool) -> list[Message]:
        query = select(MessageRow).where(self._chat_filter(chat_type, a, b))
        if not include_recalled:
            query = query.where(~col(MessageRow.recalled))
        rows = self._db.exec(query.order_by(col(MessageRow.seq))).all()
        return [self._message_of(r) for r in rows]

    def _find_row(self, message_id: int) -> MessageRow | None:
        return self._db.exec(select(MessageRow).where(MessageRow.message_id == message_id)).first()

    def _message_of(self, row: MessageRow) -> Message:
        """The stored message; like NapCat's, its names are as sent and the role is current."""
        member = self._groups.find_member(row.group_id, row.sender_id) if row.group_id else None
        group = self._groups.find(row.group_id) if row.group_id else None
        return Message(
            message_id=row.message_id,
            chat_type=row.chat_type,
            group_id=row.group_id,
            sender_id=row.sender_id,
            peer_id=row.peer_id,
            seq=row.seq,
            time=row.time,
            segments=json.loads(row.segments_json),
            raw_message=row.raw_message,
            recalled=row.recalled,
            recalled_by=row.recalled_by,
            temp_source=row.temp_source,
            sender_nickname=row.sender_nickname,
            sender_card=row.sender_card,
            sender_role=member.role if member else "",
            group_name=group.name if group else "",
        )
