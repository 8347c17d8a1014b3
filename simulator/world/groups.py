"""Groups and their members: roles, cards, titles, mutes, joins and leaves.

Permission rules follow QQ: the owner outranks admins, admins outrank members,
and nobody acts on someone of equal or higher rank (except on themselves where
QQ allows it, such as one's own card).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlmodel import col, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .accounts import Accounts
from .core import WorldCore
from .events import (
    AdminChanged,
    CardChanged,
    GroupRenamed,
    MemberJoined,
    MemberLeft,
    MemberMuted,
    TitleChanged,
)
from .send_facts import SenderCache, SenderFacts
from .snapshots import Group, Member
from .tables import AccountRow, GroupRow, MemberRow

RANK = {"owner": 2, "admin": 1, "member": 0}
_MEMBERS_SQL = (
    "SELECT m.group_id, m.user_id, a.nickname, m.role, m.card, m.title, m.join_time, "
    "m.last_sent_time, m.level, m.mute_until, a.sex, a.age, a.is_bot, a.qq_level "
    "FROM member AS m JOIN account AS a ON a.user_id = m.user_id "
    "WHERE m.group_id = ? ORDER BY m.user_id"
)
_MEMBER_FIELDS = tuple(Member.__dataclass_fields__)
#: A person's groups in ``Group`` field order, one join (``of_user``): a bot may be in
#: 10k groups, and a ``Session.get`` per group cost ~0.2 ms. LEFT: a membership without
#: its group fails as ``get`` would.
_GROUPS_OF_USER_SQL = (
    "SELECT m.group_id, g.name, g.owner_id, g.max_member_count, g.whole_mute, "
    "g.member_count, g.created_at FROM member AS m LEFT JOIN qgroup AS g "
    "ON g.group_id = m.group_id WHERE m.user_id = ? ORDER BY m.group_id"
)
#: Members kept in listed groups' member lists, in all (about 0.5 KB each).
MEMBER_CACHE_LIMIT = 50_000


def _member_from(row: tuple[object, ...]) -> Member:
    # Filling the frozen dataclass's __dict__ directly is ~4x cheaper than its
    # __init__ (which sets each field through object.__setattr__): this runs per member.
    member = object.__new__(Member)
    member.__dict__.update(zip(_MEMBER_FIELDS, row, strict=True))
    member.__dict__["is_bot"] = bool(row[12])
    return member


def _with_fields(member: Member, **changes: object) -> Member:
    changed = object.__new__(Member)
    changed.__dict__.update(member.__dict__, **changes)
    return changed
# QQ caps a single mute at 30 days.
MAX_MUTE_SECONDS = 30 * 86400


class Groups:
    def __init__(self, core: WorldCore, accounts: Accounts) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        # Derived from the member table, dropped by ``_commit_members`` when a group's
        # members change, and all at once on rollback or an account change (``forget``).
        self._bot_members: dict[int, frozenset[int]] = {}
        self._member_lists: OrderedDict[int, dict[int, Member]] = OrderedDict()
        self._cached_members = 0
        #: What sending needs (``send_facts``): dropped with the member lists, and by
        #: ``mute_all`` and ``rename`` (the group's own row).
        self._senders = SenderCache()
        core.on_rollback(self.forget)

    def forget(self) -> None:
        self._bot_members.clear()
        self._member_lists.clear()
        self._cached_members = 0
        self._senders.clear()

    # -- reading -----------------------------------------------------------

    def find(self, group_id: int) -> Group | None:
        row = self._core.row(GroupRow, group_id)
        return None if row is None else self._group_of(row)

    def get(self, group_id: int) -> Group:
        group = self.find(group_id)
        if group is None:
            raise NotFound(Why.GROUP_NOT_FOUND, group_id=group_id)
        return group

    def all(self) -> list[Group]:
        rows = self._db.exec(select(GroupRow).order_by(col(GroupRow.group_id))).all()
        return [self._group_of(r) for r in rows]

    def of_user(self, user_id: int) -> list[Group]:
        """The groups ``user_id`` is in, by id: one query however many there are."""
        return [self._group_from(row)
                for row in self._core.flushed().execute(_GROUPS_OF_USER_SQL, (user_id,))]

    @staticmethod
    def _group_from(row: tuple[Any, ...]) -> Group:
        group_id, name, owner_id, max_members, whole_mute, member_count, created_at = row
        if name is None:  # the LEFT JOIN found no group row
            raise NotFound(Why.GROUP_NOT_FOUND, group_id=group_id)
        return Group(group_id=group_id, name=name, owner_id=owner_id,
                     max_member_count=max_members, whole_mute=bool(whole_mute),
                     member_count=member_count, created_at=created_at)

    def ids_of_user(self, user_id: int) -> list[int]:
        """The groups ``user_id`` is in, by id (no snapshots: a bot may be in 10k groups)."""
        rows = self._core.conn.execute(
            "SELECT group_id FROM member WHERE user_id = ? ORDER BY group_id", (user_id,))
        return [row[0] for row in rows]

    def find_member(self, group_id: int, user_id: int) -> Member | None:
        row = self._core.row(MemberRow, group_id, user_id)
        return None if row is None else self._member_of(row)

    def member(self, group_id: int, user_id: int) -> Member:
        member = self.find_member(group_id, user_id)
        if member is None:
            raise NotFound(Why.MEMBER_NOT_FOUND, group_id=group_id, user_id=user_id)
        return member

    def joined(self, group_id: int, user_id: int) -> Group:
        """A group ``user_id`` is in (QQ shows a group's details only to its members)."""
        group = self.get(group_id)
        if self.find_member(group_id, user_id) is None:
            raise InvalidState(Why.BOT_NOT_IN_GROUP, group_id=group_id)
        return group

    def require_admin(self, group_id: int, user_id: int) -> Member:
        """``user_id`` as a member who may manage the group (an admin or the owner)."""
        member = self.member(group_id, user_id)
        if not member.is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=user_id, group_id=group_id)
        return member

    def members(self, group_id: int) -> list[Member]:
        """Every member, by user id; kept for the most recently listed groups."""
        cached = self._member_lists.get(group_id)
        if cached is None:
            # Plain SQL, one join: a 3000-member group must not cost 6000 ORM lookups.
            rows = self._core.conn.execute(_MEMBERS_SQL, (group_id,))
            cached = {member.user_id: member for member in map(_member_from, rows)}
            self._keep_members(group_id, cached)
        self._member_lists.move_to_end(group_id)
        return list(cached.values())

    def _keep_members(self, group_id: int, members: dict[int, Member]) -> None:
        self._member_lists[group_id] = members
        self._cached_members += len(members)
        while self._cached_members > MEMBER_CACHE_LIMIT and len(self._member_lists) > 1:
            _, dropped = self._member_lists.popitem(last=False)
            self._cached_members -= len(dropped)

    def _commit_members(self, group_id: int) -> None:
        """Commit a change to the group's members, and forget what was derived from them."""
        self._core.commit()
        self._bot_members.pop(group_id, None)
        self._senders.drop(group_id)
        dropped = self._member_lists.pop(group_id, None)
        if dropped is not None:
            self._cached_members -= len(dropped)

    def spoke(self, group_id: int, user_id: int, facts: SenderFacts, time: int) -> None:
        """The member just spoke (the caller stored ``time`` with plain SQL)."""
        facts.last_sent_time = time
        row = self._core.loaded(MemberRow, group_id, user_id)
        if row is not None:  # a row not loaded is read from SQLite when next needed
            self._core.set_stored(row, "last_sent_time", time)
        cached = self._member_lists.get(group_id)
        if cached is not None and user_id in cached:
            cached[user_id] = _with_fields(cached[user_id], last_sent_time=time)

    def send_facts(self, group_id: int, user_id: int) -> SenderFacts | None:
        """What sending needs of a member (None: not one); see ``send_facts.py``."""
        facts = self._senders.get(group_id, user_id)
        if facts is None:
            member = self.member_row(group_id, user_id)
            group = self._group_row(group_id)  # NotFound before "not a member"
            if member is None:
                return None
            facts = SenderFacts(member, group, self._accounts.row(user_id))
            self._senders.keep(group_id, user_id, facts)
        return facts

    # -- live rows, for the world's own hot paths (never handed out) ----------

    def find_row(self, group_id: int) -> GroupRow | None:
        return self._core.row(GroupRow, group_id)

    def row(self, group_id: int) -> GroupRow:
        return self._group_row(group_id)

    def member_row(self, group_id: int, user_id: int) -> MemberRow | None:
        return self._core.row(MemberRow, group_id, user_id)

    def bot_members(self, group_id: int) -> frozenset[int]:
        """Bot accounts in the group (cached: asked on every message, changed rarely)."""
        cached = self._bot_members.get(group_id)
        if cached is not None:
            return cached
        ids = self._db.exec(
            select(MemberRow.user_id)
            .join(AccountRow, col(AccountRow.user_id) == col(MemberRow.user_id))
            .where(MemberRow.group_id == group_id, col(AccountRow.is_bot))
        ).all()
        self._bot_members[group_id] = frozenset(ids)
        return self._bot_members[group_id]

    def common_groups(self, a: int, b: int) -> list[int]:
        return sorted(set(self.ids_of_user(a)).intersection(self.ids_of_user(b)))

    def is_muted(self, group_id: int, user_id: int) -> bool:
        """Whether the member cannot speak now (own mute or whole-group mute)."""
        member = self.member(group_id, user_id)
        if member.muted_at(self._core.clock.now()):
            return True
        return self.get(group_id).whole_mute and not member.is_admin

    # -- creating and membership -------------------------------------------

    def create(self, group_id: int, name: str, owner_id: int, *, max_members: int = 200) -> Group:
        self._accounts.get(owner_id)
        if self._db.get(GroupRow, group_id) is not None:
            raise InvalidState(Why.GROUP_EXISTS, group_id=group_id)
        now = self._core.now()
        self._db.add(
            GroupRow(
                group_id=group_id,
                name=name,
                owner_id=owner_id,
                max_member_count=max_members,
                member_count=1,
                created_at=now,
            )
        )
        self._db.add(MemberRow(group_id=group_id, user_id=owner_id, role="owner", join_time=now))
        self._commit_members(group_id)
        return self.get(group_id)

    def add_member(
        self,
        group_id: int,
        user_id: int,
        *,
        role: str = "member",
        card: str = "",
        title: str = "",
        operator_id: int = 0,
        kind: str = "approve",
    ) -> Member:
        group = self.get(group_id)
        self._accounts.get(user_id)
        if self.find_member(group_id, user_id) is not None:
            raise InvalidState(Why.ALREADY_IN_GROUP, user_id=user_id, group_id=group_id)
        if group.member_count >= group.max_member_count:
            raise InvalidState(Why.GROUP_FULL, group_id=group_id)
        now = self._core.now()
        row = MemberRow(
            group_id=group_id, user_id=user_id, role=role, card=card, title=title, join_time=now
        )
        self._db.add(row)
        self._group_row(group_id).member_count += 1
        self._commit_members(group_id)
        self._core.emit(
            MemberJoined(
                time=now,
                audience=self.bot_members(group_id),
                group_id=group_id,
                user_id=user_id,
                operator_id=operator_id,
                kind=kind,
            )
        )
        return self._member_of(row)

    def remove_member(self, group_id: int, user_id: int, *, operator_id: int, kind: str) -> None:
        """Take ``user_id`` out of the group; everyone who was in it hears about it."""
        row = self._member_row(group_id, user_id)
        audience = self.bot_members(group_id)
        self._db.delete(row)
        self._group_row(group_id).member_count -= 1
        self._commit_members(group_id)
        self._core.emit(
            MemberLeft(
                time=self._core.now(),
                audience=audience,
                group_id=group_id,
                user_id=user_id,
                operator_id=operator_id,
                kind=kind,
            )
        )

    def leave(self, group_id: int, user_id: int) -> bool:
        """``user_id`` quits; QQ refuses an owner (who must disband) - returns False."""
        member = self.member(group_id, user_id)
        if member.role == "owner":
            return False
        self.remove_member(group_id, user_id, operator_id=user_id, kind="leave")
        return True

    def kick(self, actor_id: int, group_id: int, user_id: int) -> None:
        self._require_outranks(actor_id, group_id, user_id)
        self.remove_member(group_id, user_id, operator_id=actor_id, kind="kick")

    # -- administration ----------------------------------------------------

    def mute(self, actor_id: int, group_id: int, user_id: int, duration: int) -> None:
        """Mute for ``duration`` seconds; 0 lifts the mute."""
        target = self.member(group_id, user_id)
        actor = self.member(group_id, actor_id)
        if target.role == "owner":
            raise PermissionDenied(Why.CANNOT_MUTE_OWNER, group_id=group_id, user_id=user_id)
        if target.role == "admin" and actor.role != "owner":
            raise PermissionDenied(Why.CANNOT_MUTE_ADMIN, group_id=group_id, user_id=user_id)
        if not actor.is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)
        duration = max(0, min(duration, MAX_MUTE_SECONDS))
        now = self._core.now()
        row = self._member_row(group_id, user_id)
        row.mute_until = now + duration if duration else 0
        self._commit_members(group_id)
        self._emit_mute(group_id, user_id, actor_id, duration)

    def mute_all(self, actor_id: int, group_id: int, enable: bool) -> None:
        self.require_admin(group_id, actor_id)
        row = self._db.get(GroupRow, group_id)
        assert row is not None
        row.whole_mute = enable
        self._core.commit()
        self._senders.drop(group_id)
        # NapCat reports a whole-group mute as user 0 with duration -1.
        self._emit_mute(group_id, 0, actor_id, -1 if enable else 0)

    def _emit_mute(self, group_id: int, user_id: int, operator_id: int, duration: int) -> None:
        self._core.emit(
            MemberMuted(
                time=self._core.now(),
                audience=self.bot_members(group_id),
                group_id=group_id,
                user_id=user_id,
                operator_id=operator_id,
                duration=duration,
            )
        )

    def set_admin(self, actor_id: int, group_id: int, user_id: int, enable: bool) -> None:
        if self.member(group_id, actor_id).role != "owner":
            raise PermissionDenied(Why.NOT_GROUP_OWNER, user_id=actor_id, group_id=group_id)
        row = self._member_row(group_id, user_id)
        if row.role == "owner" or (row.role == "admin") == enable:
            return
        row.role = "admin" if enable else "member"
        self._commit_members(group_id)
        self._core.emit(
            AdminChanged(
                time=self._core.now(),
                audience=self.bot_members(group_id),
                group_id=group_id,
                user_id=user_id,
                is_admin=enable,
            )
        )

    def set_card(self, actor_id: int, group_id: int, user_id: int, card: str) -> None:
        row = self._member_row(group_id, user_id)
        if actor_id != user_id:
            self._require_outranks(actor_id, group_id, user_id)
        old, row.card = row.card, card
        self._commit_members(group_id)
        if old != card:
            self._core.emit(
                CardChanged(
                    time=self._core.now(),
                    audience=self.bot_members(group_id),
                    group_id=group_id,
                    user_id=user_id,
                    card_old=old,
                    card_new=card,
                )
            )

    def set_title(self, actor_id: int, group_id: int, user_id: int, title: str) -> None:
        if self.member(group_id, actor_id).role != "owner":
            raise PermissionDenied(Why.NOT_GROUP_OWNER, user_id=actor_id, group_id=group_id)
        row = self._member_row(group_id, user_id)
        row.title = title
        self._commit_members(group_id)
        self._core.emit(
            TitleChanged(
                time=self._core.now(),
                audience=self.bot_members(group_id),
                group_id=group_id,
                user_id=user_id,
                title=title,
            )
        )

    def rename(self, actor_id: int, group_id: int, name: str) -> None:
        self.require_admin(group_id, actor_id)
        row = self._db.get(GroupRow, group_id)
        assert row is not None
        row.name = name
        self._core.commit()
        self._senders.drop(group_id)
        self._core.emit(
            GroupRenamed(
                time=self._core.now(),
                audience=self.bot_members(group_id),
                group_id=group_id,
                operator_id=actor_id,
                name=name,
            )
        )

    # -- helpers -----------------------------------------------------------

    def _require_outranks(self, actor_id: int, group_id: int, user_id: int) -> None:
        actor = self.member(group_id, actor_id)
        target = self.member(group_id, user_id)
        if RANK[actor.role] <= RANK[target.role]:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)

    def _group_row(self, group_id: int) -> GroupRow:
        row = self._core.row(GroupRow, group_id)
        if row is None:
            raise NotFound(Why.GROUP_NOT_FOUND, group_id=group_id)
        return row

    def _member_row(self, group_id: int, user_id: int) -> MemberRow:
        row = self._core.row(MemberRow, group_id, user_id)
        if row is None:
            raise NotFound(Why.MEMBER_NOT_FOUND, group_id=group_id, user_id=user_id)
        return row

    def _group_of(self, row: GroupRow) -> Group:
        return Group(
            group_id=row.group_id,
            name=row.name,
            owner_id=row.owner_id,
            max_member_count=row.max_member_count,
            whole_mute=row.whole_mute,
            member_count=row.member_count,
            created_at=row.created_at,
        )

    def _member_of(self, row: MemberRow) -> Member:
        account = self._accounts.get(row.user_id)
        return Member(
            group_id=row.group_id,
            user_id=row.user_id,
            nickname=account.nickname,
            role=row.role,
            card=row.card,
            title=row.title,
            join_time=row.join_time,
            last_sent_time=row.last_sent_time,
            level=row.level,
            mute_until=row.mute_until,
            sex=account.sex,
            age=account.age,
            is_bot=account.is_bot,
            qq_level=account.qq_level,
        )
