"""Friend-list extras: categories, one-way deletion, and "doubtful" friend requests.

QQ keeps a friendship as two entries (``FriendshipRow`` both ways). Deleting a
friend one-way removes only the deleter's entry: the other side still lists the
deleter, who then sees them as a *unidirectional* friend. Friend requests QQ
finds suspicious go to a separate "doubtful" list and raise no request event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, select

from ..errors import InvalidState, NotFound, Why
from .accounts import Accounts
from .core import WorldCore
from .events import FriendAdded
from .snapshots import Account
from .tables import FriendshipRow

#: Every friend list has this category; friends nobody moved live here.
DEFAULT_CATEGORY = (0, "我的好友")
# Who lists the owner (``?``) without being listed back, by id; LEFT JOIN: an entry
# naming no account is refused, as ``Accounts.get`` refused it.
_ONE_WAY_SQL = (
    "SELECT f.owner_id, a.nickname, a.sex, a.age, a.is_bot, a.qq_level, a.long_nick,"
    " a.reg_time, f.since"
    " FROM friendship AS f LEFT JOIN account AS a ON a.user_id = f.owner_id"
    " WHERE f.friend_id = ? AND NOT EXISTS (SELECT 1 FROM friendship AS back"
    " WHERE back.owner_id = f.friend_id AND back.friend_id = f.owner_id)"
    " ORDER BY f.owner_id")


class FriendCategoryRow(SQLModel, table=True):
    __tablename__ = "friend_category"
    owner_id: int = Field(primary_key=True)
    category_id: int = Field(primary_key=True)
    name: str
    sort_id: int = 0


class FriendPlacementRow(SQLModel, table=True):
    """Which category ``owner_id`` keeps ``friend_id`` in (absent: the default one)."""

    __tablename__ = "friend_placement"
    owner_id: int = Field(primary_key=True)
    friend_id: int = Field(primary_key=True)
    category_id: int


class DoubtRequestRow(SQLModel, table=True):
    __tablename__ = "doubt_request"
    bot_id: int = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    nick: str = ""
    source: str = ""
    reason: str = ""
    msg: str = ""
    group_code: int = 0
    time: int = 0
    state: str = "pending"  # pending | approved


@dataclass(frozen=True)
class Category:
    category_id: int
    name: str
    sort_id: int
    friend_ids: list[int]


@dataclass(frozen=True)
class DoubtRequest:
    bot_id: int
    user_id: int
    nick: str
    source: str
    reason: str
    msg: str
    group_code: int
    time: int


class Social:
    def __init__(self, core: WorldCore, accounts: Accounts) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts

    # -- categories --------------------------------------------------------------------

    def categories(self, owner_id: int) -> list[Category]:
        """``owner_id``'s categories in display order, each with the friends it holds."""
        # Plain SQL, no row object per friend placed: a bot may keep 30k friends in them.
        conn = self._core.flushed()
        named: dict[int, tuple[str, int]] = {cid: (name, sort_id) for cid, name, sort_id in (
            conn.execute("SELECT category_id, name, sort_id FROM friend_category"
                         " WHERE owner_id = ?", (owner_id,)))}
        named.setdefault(DEFAULT_CATEGORY[0], (DEFAULT_CATEGORY[1], 0))
        placed: dict[int, int] = dict(conn.execute(
            "SELECT friend_id, category_id FROM friend_placement WHERE owner_id = ?",
            (owner_id,)).fetchall())
        members: dict[int, list[int]] = {cid: [] for cid in named}
        for friend_id in self._accounts.friend_ids(owner_id):
            cid = placed.get(friend_id, DEFAULT_CATEGORY[0])
            members.setdefault(cid if cid in named else DEFAULT_CATEGORY[0], []).append(
                friend_id)
        order = sorted(named, key=lambda cid: (named[cid][1], cid))
        return [Category(cid, named[cid][0], named[cid][1], members[cid]) for cid in order]

    def create_category(self, owner_id: int, name: str) -> int:
        self._accounts.get(owner_id)
        taken = {c.category_id for c in self.categories(owner_id)}
        category_id = max(taken) + 1
        self._db.add(FriendCategoryRow(owner_id=owner_id, category_id=category_id, name=name,
                                       sort_id=category_id))
        self._core.commit()
        return category_id

    def move_friend(self, owner_id: int, friend_id: int, category_id: int) -> None:
        if not self._accounts.is_friend(owner_id, friend_id):
            raise InvalidState(Why.NOT_A_FRIEND, user_id=friend_id, owner_id=owner_id)
        if category_id not in {c.category_id for c in self.categories(owner_id)}:
            raise NotFound(Why.CATEGORY_NOT_FOUND, category_id=category_id)
        row = self._db.get(FriendPlacementRow, (owner_id, friend_id))
        if row is None:
            self._db.add(FriendPlacementRow(owner_id=owner_id, friend_id=friend_id,
                                            category_id=category_id))
        else:
            row.category_id = category_id
        self._core.commit()

    # -- deleting ----------------------------------------------------------------------

    def delete_friend(self, owner_id: int, friend_id: int, *, both_ways: bool) -> None:
        """``owner_id`` drops ``friend_id``; the friend keeps ``owner_id`` unless both ways."""
        pairs = [(owner_id, friend_id)] + ([(friend_id, owner_id)] if both_ways else [])
        for owner, friend in pairs:
            for table in (FriendshipRow, FriendPlacementRow):
                row = self._db.get(table, (owner, friend))
                if row is not None:
                    self._db.delete(row)
        self._core.commit()

    def unidirectional(self, owner_id: int) -> list[tuple[Account, int]]:
        """Accounts listing ``owner_id`` as a friend whom ``owner_id`` does not list,
        with the time they became friends."""
        # One statement: a look-up of the way back per entry cost ~4 s for 30k friends.
        rows = self._core.flushed().execute(_ONE_WAY_SQL, (owner_id,)).fetchall()
        for row in rows:
            if row[1] is None:  # no account row: ``Accounts.get`` said so for each
                raise NotFound(Why.USER_NOT_FOUND, user_id=row[0])
        return [(Account(user_id, nickname, sex, age, bool(is_bot), level, long_nick, reg),
                 since)
                for user_id, nickname, sex, age, is_bot, level, long_nick, reg, since in rows]

    # -- doubtful requests -------------------------------------------------------------

    def ask_doubtful(self, user_id: int, bot_id: int, msg: str = "", *, source: str = "",
                     reason: str = "", group_code: int = 0) -> DoubtRequest:
        """A friend request QQ's risk control set aside for ``bot_id`` to review."""
        asker = self._accounts.get(user_id)
        if not self._accounts.get(bot_id).is_bot:
            raise InvalidState(Why.NOT_A_BOT, user_id=bot_id)
        if self._accounts.is_friend(bot_id, user_id):
            raise InvalidState(Why.ALREADY_FRIENDS, user_id=user_id, other_id=bot_id)
        row = self._db.get(DoubtRequestRow, (bot_id, user_id)) or DoubtRequestRow(
            bot_id=bot_id, user_id=user_id)
        row.nick, row.msg, row.source, row.reason = asker.nickname, msg, source, reason
        row.group_code, row.time, row.state = group_code, self._core.now(), "pending"
        self._db.add(row)
        self._core.commit()
        return _doubt_of(row)

    def doubtful_requests(self, bot_id: int, count: int) -> list[DoubtRequest]:
        rows = self._db.exec(
            select(DoubtRequestRow)
            .where(DoubtRequestRow.bot_id == bot_id, DoubtRequestRow.state == "pending")
            .order_by(col(DoubtRequestRow.time).desc(), col(DoubtRequestRow.user_id))
            .limit(max(count, 0))
        ).all()
        return [_doubt_of(r) for r in rows]

    def approve_doubtful(self, bot_id: int, user_id: int) -> bool:
        """Accept a pending doubtful request: the two become friends. False if none."""
        row = self._db.get(DoubtRequestRow, (bot_id, user_id))
        if row is None or row.state != "pending":
            return False
        row.state = "approved"
        self._core.commit()
        if not self._accounts.is_friend(bot_id, user_id):
            self._restore_or_befriend(bot_id, user_id)
        return True

    def _restore_or_befriend(self, bot_id: int, user_id: int) -> None:
        # The asker may still list the bot (a one-way deletion): add the missing side only.
        if self._accounts.is_friend(user_id, bot_id):
            now = self._core.now()
            self._db.add(FriendshipRow(owner_id=bot_id, friend_id=user_id, since=now))
            self._core.commit()
            self._core.emit(FriendAdded(time=now, audience=self._accounts.bot_ids(
                {bot_id, user_id}), user_id=bot_id, friend_id=user_id))
            return
        self._accounts.befriend(bot_id, user_id)


def _doubt_of(row: DoubtRequestRow) -> DoubtRequest:
    return DoubtRequest(row.bot_id, row.user_id, row.nick, row.source, row.reason, row.msg,
                        row.group_code, row.time)
