"""Friend requests and group join/invite requests, answered by bot accounts."""

from __future__ import annotations

from sqlmodel import col, func, select

from ..errors import InvalidState, NotFound, Why
from .accounts import Accounts
from .core import WorldCore
from .events import RequestCreated
from .groups import Groups
from .snapshots import Request
from .tables import RequestRow

# NapCat's group flags are 16+ digit notification sequence numbers.
_FLAG_BASE = 1_700_000_000_000_000
# An unanswered friend request drops out of QQ's "new friends" list after a week (qqsim's
# simplification: then it is no longer pending and answering it says "No such request").
FRIEND_REQUEST_TTL = 7 * 86400


def request_of(row: RequestRow) -> Request:
    return Request(
        flag=row.flag,
        kind=row.kind,
        sub_type=row.sub_type,
        user_id=row.user_id,
        self_id=row.self_id,
        group_id=row.group_id,
        comment=row.comment,
        time=row.time,
        state=row.state,
    )


class Requests:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups

    def ask_friend(self, user_id: int, bot_id: int, comment: str = "") -> Request:
        """``user_id`` asks bot ``bot_id`` to be friends."""
        self._accounts.get(user_id)
        if not self._accounts.get(bot_id).is_bot:
            raise InvalidState(Why.NOT_A_BOT, user_id=bot_id)
        if self._accounts.is_friend(user_id, bot_id):
            raise InvalidState(Why.ALREADY_FRIENDS, user_id=user_id, other_id=bot_id)
        return self._create("friend", "", user_id, bot_id, 0, comment)

    def ask_join(self, user_id: int, group_id: int, comment: str = "") -> list[Request]:
        """``user_id`` asks to join; every bot admin of the group gets the request."""
        self._accounts.get(user_id)
        if self._groups.find_member(group_id, user_id) is not None:
            raise InvalidState(Why.ALREADY_IN_GROUP, user_id=user_id, group_id=group_id)
        admins = [
            m.user_id
            for m in self._groups.members(group_id)
            if m.is_bot and m.is_admin
        ]
        return [self._create("group", "add", user_id, bot, group_id, comment) for bot in admins]

    def invite(self, inviter_id: int, bot_id: int, group_id: int) -> Request:
        """``inviter_id`` (a member) invites bot ``bot_id`` into the group."""
        self._groups.member(group_id, inviter_id)
        if self._groups.find_member(group_id, bot_id) is not None:
            raise InvalidState(Why.ALREADY_IN_GROUP, user_id=bot_id, group_id=group_id)
        return self._create("group", "invite", inviter_id, bot_id, group_id, "")

    def _create(
        self, kind: str, sub_type: str, user_id: int, bot_id: int, group_id: int, comment: str
    ) -> Request:
        count = self._db.exec(select(func.count()).select_from(RequestRow)).one()
        row = RequestRow(
            flag=str(_FLAG_BASE + int(count) + 1),
            kind=kind,
            sub_type=sub_type,
            user_id=user_id,
            self_id=bot_id,
            group_id=group_id,
            comment=comment,
            time=self._core.now(),
        )
        self._db.add(row)
        self._core.commit()
        request = request_of(row)
        self._core.emit(
            RequestCreated(time=row.time, audience=frozenset({bot_id}), request=request)
        )
        return request

    def find(self, flag: str) -> Request | None:
        row = self._db.get(RequestRow, flag)
        return None if row is None else request_of(row)

    def is_expired(self, request: Request) -> bool:
        """A pending friend request older than ``FRIEND_REQUEST_TTL`` (world time)."""
        return (request.kind == "friend" and request.state == "pending"
                and self._core.now() - request.time > FRIEND_REQUEST_TTL)

    def pending(self, bot_id: int, kind: str | None = None) -> list[Request]:
        query = select(RequestRow).where(
            RequestRow.self_id == bot_id, RequestRow.state == "pending"
        )
        if kind is not None:
            query = query.where(RequestRow.kind == kind)
        found = [request_of(r) for r in self._db.exec(query.order_by(col(RequestRow.time))).all()]
        return [r for r in found if not self.is_expired(r)]

    def check_approver(self, bot_id: int, flag: str) -> None:
        """Only a group's admins let someone in: raise if ``bot_id`` may not approve the
        join request ``flag`` (invitations and unknown flags are left to ``answer``)."""
        request = self.find(flag)
        if request is None or request.sub_type != "add":
            return
        member = self._groups.find_member(request.group_id, bot_id)
        if member is None or not member.is_admin:
            raise InvalidState(Why.NOT_GROUP_ADMIN, user_id=bot_id, group_id=request.group_id)

    def answer(self, bot_id: int, flag: str, approve: bool, *, kind: str) -> Request:
        """The bot approves or rejects; approval changes the world as QQ would."""
        row = self._db.get(RequestRow, flag)
        if row is None or row.self_id != bot_id or row.kind != kind or row.state != "pending" \
                or self.is_expired(request_of(row)):
            raise NotFound(Why.REQUEST_NOT_FOUND, flag=flag)
        row.state = "approved" if approve else "rejected"
        self._core.commit()
        if approve:
            self._apply_approval(row)
        return request_of(row)

    def _apply_approval(self, row: RequestRow) -> None:
        if row.kind == "friend":
            if not self._accounts.is_friend(row.user_id, row.self_id):
                self._accounts.befriend(row.self_id, row.user_id)
        elif row.sub_type == "add":
            if self._groups.find_member(row.group_id, row.user_id) is None:
                self._groups.add_member(
                    row.group_id, row.user_id, operator_id=row.self_id, kind="approve"
                )
        elif self._groups.find_member(row.group_id, row.self_id) is None:
            self._groups.add_member(
                row.group_id, row.self_id, operator_id=row.user_id, kind="invite"
            )
