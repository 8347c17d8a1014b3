"""Group settings, each account's group remarks, daily check-ins and the group todo.

Settings are the group's own (join option, search flags, member permissions,
portrait...) and only its admins change them. A remark is what one account
calls a group, visible only to that account. Check-ins count per day of
China time, as QQ counts them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, SQLModel, col, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .core import WorldCore
from .groups import Groups
from .messages import Messages
from .requests import request_of
from .snapshots import Message, Request
from .tables import RequestRow

#: QQ's day starts at midnight Beijing time (UTC+8).
CHINA_UTC_OFFSET = 8 * 3600
INVITE_POLICIES = ("disabled", "require_approval", "no_approval", "no_approval_under_100")
#: QQ's add options: 1 anyone, 2 needs verification, 3 nobody, 4 answer the question,
#: 5 answer the question and wait for an admin.
ADD_OPTIONS = (1, 2, 3, 4, 5)
#: QQ's daily @all allowance, for the group and for each admin.
AT_ALL_PER_GROUP = 10
AT_ALL_PER_MEMBER = 10


def china_day(timestamp: int) -> int:
    return (timestamp + CHINA_UTC_OFFSET) // 86400


class GroupSettingsRow(SQLModel, table=True):
    __tablename__ = "group_settings"
    group_id: int = Field(primary_key=True)
    add_option: int = 2
    question: str = ""
    answer: str = ""
    robot_member_switch: int = 0
    robot_member_examine: int = 0
    no_code_finger_open: int = 0
    no_finger_open: int = 0
    invite_policy: str = "require_approval"
    allow_upload_album: bool = True
    allow_temporary_session: bool = True
    allow_create_group: bool = True
    new_members_see_history: bool = True
    portrait: str = ""  # media name of the current group portrait
    portrait_seq: int = 0  # how many times the portrait changed


class GroupRemarkRow(SQLModel, table=True):
    __tablename__ = "group_remark"
    self_id: int = Field(primary_key=True)
    group_id: int = Field(primary_key=True)
    remark: str = ""


class SignInRow(SQLModel, table=True):
    __tablename__ = "group_sign_in"
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(index=True)
    user_id: int
    day: int = Field(index=True)
    time: int


class GroupTodoRow(SQLModel, table=True):
    __tablename__ = "group_todo"
    group_id: int = Field(primary_key=True)
    message_id: int
    seq: int
    setter_id: int
    set_at: int
    completed_json: str = "[]"  # members who marked it done


@dataclass(frozen=True)
class GroupSettings:
    group_id: int
    add_option: int
    question: str
    answer: str
    robot_member_switch: int
    robot_member_examine: int
    no_code_finger_open: int
    no_finger_open: int
    invite_policy: str
    allow_upload_album: bool
    allow_temporary_session: bool
    allow_create_group: bool
    new_members_see_history: bool
    portrait: str
    portrait_seq: int


@dataclass(frozen=True)
class SignIn:
    group_id: int
    user_id: int
    time: int
    rank: int


@dataclass(frozen=True)
class GroupTodo:
    group_id: int
    message_id: int
    seq: int
    setter_id: int
    set_at: int
    completed_by: tuple[int, ...]


@dataclass(frozen=True)
class AtAllUse:
    """@all mentions made in a group today (China time): by anyone, and by one member."""

    by_group: int
    by_member: int

    @property
    def left_for_group(self) -> int:
        return max(0, AT_ALL_PER_GROUP - self.by_group)

    @property
    def left_for_member(self) -> int:
        return max(0, AT_ALL_PER_MEMBER - self.by_member)

    @property
    def exceeded(self) -> bool:
        """More mentions than QQ allows a day (a mention just sent counted)."""
        return self.by_group > AT_ALL_PER_GROUP or self.by_member > AT_ALL_PER_MEMBER

    def allows(self, is_admin: bool) -> bool:
        """Whether the member may @all once more today: admins only, while both have some left."""
        return is_admin and self.left_for_group > 0 and self.left_for_member > 0


def mentions_all(message: Message) -> bool:
    return any(s["type"] == "at" and s["data"].get("qq") == "all" for s in message.segments)


_SETTING_FIELDS = frozenset(GroupSettings.__dataclass_fields__) - {
    "group_id", "portrait", "portrait_seq"}


class GroupExtras:
    def __init__(self, core: WorldCore, groups: Groups, messages: Messages) -> None:
        self._core = core
        self._db = core.session
        self._groups = groups
        self._messages = messages

    # -- settings ----------------------------------------------------------

    def settings(self, group_id: int) -> GroupSettings:
        self._groups.get(group_id)
        row = self._db.get(GroupSettingsRow, group_id) or GroupSettingsRow(group_id=group_id)
        return GroupSettings(**{name: getattr(row, name)
                                for name in GroupSettings.__dataclass_fields__})

    def update_settings(self, actor_id: int, group_id: int, **changes: Any) -> GroupSettings:
        """An admin changes some settings; ``None`` values are left as they are."""
        unknown = set(changes) - _SETTING_FIELDS
        if unknown:
            raise ValueError(f"unknown group settings {sorted(unknown)}")
        policy, option = changes.get("invite_policy"), changes.get("add_option")
        if policy is not None and policy not in INVITE_POLICIES:
            raise InvalidState(Why.UNKNOWN_INVITE_POLICY, policy=policy)
        if option is not None and option not in ADD_OPTIONS:
            raise InvalidState(Why.UNKNOWN_JOIN_OPTION, option=option)
        row = self._admin_settings_row(actor_id, group_id)
        for name, value in changes.items():
            if value is not None:
                setattr(row, name, value)
        self._core.commit()
        return self.settings(group_id)

    def set_portrait(self, actor_id: int, group_id: int, media_name: str) -> GroupSettings:
        row = self._admin_settings_row(actor_id, group_id)
        row.portrait, row.portrait_seq = media_name, row.portrait_seq + 1
        self._core.commit()
        return self.settings(group_id)

    def _admin_settings_row(self, actor_id: int, group_id: int) -> GroupSettingsRow:
        if not self._groups.member(group_id, actor_id).is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)
        row = self._db.get(GroupSettingsRow, group_id)
        if row is None:
            row = GroupSettingsRow(group_id=group_id)
            self._db.add(row)
        return row

    # -- remarks -----------------------------------------------------------

    def remark(self, self_id: int, group_id: int) -> str:
        """What ``self_id`` calls the group ("" if nothing)."""
        row = self._db.get(GroupRemarkRow, (self_id, group_id))
        return "" if row is None else row.remark

    def remarks(self, self_id: int) -> dict[int, str]:
        """What ``self_id`` calls each group it has named, by group id: one query, where
        ``remark`` per group cost a ``Session.get`` each for a bot in 10k groups."""
        rows = self._core.flushed().execute(
            "SELECT group_id, remark FROM group_remark WHERE self_id = ?", (self_id,))
        return {group_id: remark for group_id, remark in rows}

    def set_remark(self, self_id: int, group_id: int, remark: str) -> None:
        self._groups.member(group_id, self_id)
        row = self._db.get(GroupRemarkRow, (self_id, group_id))
        if row is None:
            self._db.add(GroupRemarkRow(self_id=self_id, group_id=group_id, remark=remark))
        else:
            row.remark = remark
        self._core.commit()

    # -- notifications -----------------------------------------------------

    def group_notifications(self, bot_id: int) -> list[Request]:
        """Every group join request and invitation addressed to ``bot_id``, newest first."""
        rows = self._db.exec(
            select(RequestRow)
            .where(RequestRow.self_id == bot_id, RequestRow.kind == "group")
            .order_by(col(RequestRow.time).desc(), col(RequestRow.flag).desc())
        ).all()
        return [request_of(r) for r in rows]

    # -- check-ins ---------------------------------------------------------

    def sign_in(self, user_id: int, group_id: int) -> bool:
        """``user_id`` checks in; False if they already did today."""
        self._groups.member(group_id, user_id)
        now = self._core.now()
        day = china_day(now)
        done = self._db.exec(
            select(SignInRow).where(SignInRow.group_id == group_id, SignInRow.day == day,
                                    SignInRow.user_id == user_id)
        ).first()
        if done is not None:
            return False
        self._db.add(SignInRow(group_id=group_id, user_id=user_id, day=day, time=now))
        self._core.commit()
        return True

    def signed_today(self, group_id: int) -> list[SignIn]:
        """Today's check-ins, first one first."""
        rows = self._db.exec(
            select(SignInRow)
            .where(SignInRow.group_id == group_id,
                   SignInRow.day == china_day(self._core.now()))
            .order_by(col(SignInRow.time), col(SignInRow.id))
        ).all()
        return [SignIn(r.group_id, r.user_id, r.time, rank)
                for rank, r in enumerate(rows, start=1)]

    # -- the @all quota ----------------------------------------------------

    def at_all_used(self, group_id: int, user_id: int) -> AtAllUse:
        """Today's @all mentions in the group, all of them and ``user_id``'s."""
        today = china_day(self._core.now())
        sent = [m for m in self._messages.group_history(group_id)
                if china_day(m.time) == today and mentions_all(m)]
        return AtAllUse(len(sent), sum(1 for m in sent if m.sender_id == user_id))

    # -- the group todo ----------------------------------------------------

    def todo(self, group_id: int) -> GroupTodo | None:
        row = self._db.get(GroupTodoRow, group_id)
        if row is None:
            return None
        return GroupTodo(row.group_id, row.message_id, row.seq, row.setter_id, row.set_at,
                         tuple(json.loads(row.completed_json)))

    def message_by_seq(self, group_id: int, seq: int) -> Message | None:
        return self._messages.by_seq("group", group_id, 0, seq)

    def set_todo(self, actor_id: int, group_id: int, seq: int) -> GroupTodo:
        """An admin makes the message with real seq ``seq`` the group's todo."""
        if not self._groups.member(group_id, actor_id).is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)
        message = self.message_by_seq(group_id, seq)
        if message is None or message.recalled:
            raise NotFound(Why.MESSAGE_NOT_FOUND, group_id=group_id, seq=seq)
        row = self._db.get(GroupTodoRow, group_id)
        if row is not None:
            self._db.delete(row)
            self._db.flush()
        self._db.add(GroupTodoRow(group_id=group_id, message_id=message.message_id, seq=seq,
                                  setter_id=actor_id, set_at=self._core.now()))
        self._core.commit()
        todo = self.todo(group_id)
        assert todo is not None
        return todo

    def complete_todo(self, user_id: int, group_id: int, seq: int) -> GroupTodo:
        """A member marks the current todo done (for themselves)."""
        self._groups.member(group_id, user_id)
        row = self._current_todo(group_id, seq)
        done = json.loads(row.completed_json)
        if user_id not in done:
            row.completed_json = json.dumps([*done, user_id])
            self._core.commit()
        todo = self.todo(group_id)
        assert todo is not None
        return todo

    def cancel_todo(self, actor_id: int, group_id: int, seq: int) -> None:
        """An admin withdraws the group's todo."""
        if not self._groups.member(group_id, actor_id).is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)
        self._db.delete(self._current_todo(group_id, seq))
        self._core.commit()

    def _current_todo(self, group_id: int, seq: int) -> GroupTodoRow:
        row = self._db.get(GroupTodoRow, group_id)
        if row is None or row.seq != seq:
            raise NotFound(Why.TODO_NOT_FOUND, group_id=group_id, seq=seq)
        return row
