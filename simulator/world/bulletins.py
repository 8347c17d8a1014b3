"""What a group pins for everyone: essence messages and group notices (announcements).

Only admins (and the owner) set or remove essence messages and publish or
delete notices. Essence entries are keyed the way QQ keys them, by the
message's real sequence number and its random, so they can be removed by
either the message or that pair.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, func, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .accounts import Accounts
from .core import WorldCore
from .events import EssenceAdded, EssenceRemoved
from .groups import Groups
from .messages import Messages
from .tables import MemberRow


def message_random(message_id: int) -> int:
    """The kernel's per-message random (QQ sends it with each message; stable here)."""
    digest = hashlib.md5(f"qqsim-msg-random|{message_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class EssenceRow(SQLModel, table=True):
    __tablename__ = "group_essence"
    group_id: int = Field(primary_key=True)
    message_id: int = Field(primary_key=True)
    seq: int
    random: int
    sender_id: int
    operator_id: int
    time: int


class NoticeRow(SQLModel, table=True):
    __tablename__ = "group_notice"
    notice_id: str = Field(primary_key=True)
    group_id: int = Field(index=True)
    sender_id: int
    time: int
    text: str
    images_json: str = "[]"  # [{"id", "width", "height"}]
    pinned: int = 0
    notice_type: int = 1
    is_show_edit_card: int = 0
    tip_window_type: int = 0
    confirm_required: int = 1


@dataclass(frozen=True)
class Essence:
    group_id: int
    message_id: int
    seq: int
    random: int
    sender_id: int
    sender_nick: str
    operator_id: int
    operator_nick: str
    time: int


@dataclass(frozen=True)
class NoticeImage:
    id: str
    width: int
    height: int


@dataclass(frozen=True)
class Notice:
    notice_id: str
    group_id: int
    sender_id: int
    time: int
    text: str
    images: tuple[NoticeImage, ...]
    pinned: int
    notice_type: int
    is_show_edit_card: int
    tip_window_type: int
    confirm_required: int


class Bulletins:
    def __init__(
        self, core: WorldCore, accounts: Accounts, groups: Groups, messages: Messages
    ) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups
        self._messages = messages

    # -- essence -----------------------------------------------------------

    def essences(self, group_id: int) -> list[Essence]:
        """The group's essence messages, most recently set first."""
        rows = self._db.exec(
            select(EssenceRow).where(EssenceRow.group_id == group_id)
            .order_by(col(EssenceRow.time).desc(), col(EssenceRow.seq).desc())
        ).all()
        return [self._essence_of(r) for r in rows]

    def essences_in_groups_of(self, user_id: int) -> list[Essence]:
        """The essence messages of every group ``user_id`` is in: by group, then as
        ``essences`` lists them. One query: a bot may be in 10k groups."""
        groups = select(MemberRow.group_id).where(MemberRow.user_id == user_id)
        rows = self._db.exec(
            select(EssenceRow).where(col(EssenceRow.group_id).in_(groups))
            .order_by(col(EssenceRow.group_id), col(EssenceRow.time).desc(),
                      col(EssenceRow.seq).desc())
        ).all()
        return [self._essence_of(r) for r in rows]

    def find_essence(self, group_id: int, seq: int, random: int) -> Essence | None:
        row = self._essence_row(group_id, seq, random)
        return None if row is None else self._essence_of(row)

    def add_essence(self, actor_id: int, message_id: int) -> Essence:
        """An admin marks a group message as essence; the group's bots hear of it."""
        message = self._messages.find(message_id)
        if message is None or message.chat_type != "group":
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=message_id)
        self._require_admin(actor_id, message.group_id)
        if message.recalled:
            raise InvalidState(Why.MESSAGE_RECALLED, message_id=message_id)
        if self._db.get(EssenceRow, (message.group_id, message_id)) is not None:
            raise InvalidState(Why.ALREADY_ESSENCE, message_id=message_id)
        row = EssenceRow(group_id=message.group_id, message_id=message_id, seq=message.seq,
                         random=message_random(message_id), sender_id=message.sender_id,
                         operator_id=actor_id, time=self._core.now())
        self._db.add(row)
        self._core.commit()
        self._announce(EssenceAdded, row, actor_id)
        return self._essence_of(row)

    def remove_essence(self, actor_id: int, group_id: int, seq: int, random: int) -> Essence:
        """An admin takes a message (by real seq and random) out of the essence list."""
        row = self._essence_row(group_id, seq, random)
        if row is None:
            raise NotFound(Why.ESSENCE_NOT_FOUND, group_id=group_id, seq=seq)
        self._require_admin(actor_id, group_id)
        essence = self._essence_of(row)
        self._db.delete(row)
        self._core.commit()
        self._announce(EssenceRemoved, row, actor_id)
        return essence

    def _essence_row(self, group_id: int, seq: int, random: int) -> EssenceRow | None:
        return self._db.exec(
            select(EssenceRow).where(EssenceRow.group_id == group_id, EssenceRow.seq == seq,
                                     EssenceRow.random == random)
        ).first()

    def _announce(
        self, kind: type[EssenceAdded] | type[EssenceRemoved], row: EssenceRow, actor_id: int
    ) -> None:
        self._core.emit(kind(time=self._core.now(), audience=self._groups.bot_members(
            row.group_id), group_id=row.group_id, message_id=row.message_id,
            sender_id=row.sender_id, operator_id=actor_id))

    def _essence_of(self, row: EssenceRow) -> Essence:
        return Essence(
            group_id=row.group_id, message_id=row.message_id, seq=row.seq, random=row.random,
            sender_id=row.sender_id, sender_nick=self._nick(row.group_id, row.sender_id),
            operator_id=row.operator_id, operator_nick=self._nick(row.group_id, row.operator_id),
            time=row.time,
        )

    def _nick(self, group_id: int, user_id: int) -> str:
        member = self._groups.find_member(group_id, user_id)
        if member is not None:
            return member.card or member.nickname
        account = self._accounts.find(user_id)
        return account.nickname if account else ""

    # -- notices -----------------------------------------------------------

    def notices(self, group_id: int) -> list[Notice]:
        """The group's notices: pinned ones first, then newest first."""
        rows = self._db.exec(
            select(NoticeRow).where(NoticeRow.group_id == group_id)
            .order_by(col(NoticeRow.pinned).desc(), col(NoticeRow.time).desc(),
                      col(NoticeRow.notice_id))
        ).all()
        return [_notice_of(r) for r in rows]

    def publish_notice(
        self,
        actor_id: int,
        group_id: int,
        text: str,
        *,
        images: tuple[NoticeImage, ...] = (),
        pinned: int = 0,
        notice_type: int = 1,
        is_show_edit_card: int = 0,
        tip_window_type: int = 0,
        confirm_required: int = 1,
    ) -> Notice:
        """An admin publishes a notice to the group."""
        self._require_admin(actor_id, group_id)
        if not text.strip():
            raise InvalidState(Why.EMPTY_NOTICE, group_id=group_id)
        serial = int(self._db.exec(select(func.count()).select_from(NoticeRow)).one()) + 1
        row = NoticeRow(
            notice_id=hashlib.md5(f"qqsim-notice|{group_id}|{serial}".encode()).hexdigest(),
            group_id=group_id, sender_id=actor_id, time=self._core.now(), text=text,
            images_json=json.dumps([i.__dict__ for i in images]), pinned=pinned,
            notice_type=notice_type,
            is_show_edit_card=is_show_edit_card, tip_window_type=tip_window_type,
            confirm_required=confirm_required,
        )
        self._db.add(row)
        self._core.commit()
        return _notice_of(row)

    def delete_notice(self, actor_id: int, group_id: int, notice_id: str) -> None:
        row = self._db.get(NoticeRow, notice_id)
        if row is None or row.group_id != group_id:
            raise NotFound(Why.NOTICE_NOT_FOUND, notice_id=notice_id)
        self._require_admin(actor_id, group_id)
        self._db.delete(row)
        self._core.commit()

    def _require_admin(self, actor_id: int, group_id: int) -> None:
        if not self._groups.member(group_id, actor_id).is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)


def _notice_of(row: NoticeRow) -> Notice:
    images = tuple(NoticeImage(**i) for i in json.loads(row.images_json))
    return Notice(
        notice_id=row.notice_id, group_id=row.group_id, sender_id=row.sender_id, time=row.time,
        text=row.text, images=images, pinned=row.pinned, notice_type=row.notice_type,
        is_show_edit_card=row.is_show_edit_card, tip_window_type=row.tip_window_type,
        confirm_required=row.confirm_required,
    )
