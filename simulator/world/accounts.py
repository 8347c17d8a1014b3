"""People and bot accounts, friendships and profile likes."""

from __future__ import annotations

from sqlmodel import col, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .core import WorldCore
from .events import FriendAdded, ProfileLiked
from .snapshots import Account, Friend
from .tables import AccountRow, FriendshipRow, LikeRow

# QQ lets an ordinary account like one friend's profile at most ten times a day.
DAILY_LIKE_LIMIT = 10
#: Account snapshots ``Accounts`` keeps at most (~2 MB; past it, all are read again).
SNAPSHOTS_KEPT = 4096
# QQNT's status number of a logged-out account (``profiles.OFFLINE``, which imports this module).
_LOGGED_OUT = 0
#: A friend as its owner lists it: ``(friend_id, remark, nickname, sex, age, qq_level)``.
#: The row SQLite gives, not a snapshot: a bot lists 30k at once, and building an object
#: for each costs more than the query.
FriendRow = tuple[int, str, str, str, int, int]
# A friend list in one statement: a bot with 30k friends cost 30k ORM look-ups (~4 s).
# LEFT JOIN: a friendship naming no account is refused as the look-ups refused it.
_FRIEND_ROWS_SQL = (
    "SELECT f.friend_id, f.remark, a.nickname, a.sex, a.age, a.qq_level"
    " FROM friendship AS f LEFT JOIN account AS a ON a.user_id = f.friend_id"
    " WHERE f.owner_id = ? ORDER BY f.friend_id")


def account_of(row: AccountRow) -> Account:
    # The row's loaded values straight from its ``__dict__`` (where the ORM keeps them), and
    # the frozen snapshot filled at once: eight instrumented reads and eight
    # ``object.__setattr__`` cost ~25k instructions, on every call that names an account.
    loaded = row.__dict__
    try:
        fields = {"user_id": loaded["user_id"], "nickname": loaded["nickname"],
                  "sex": loaded["sex"], "age": loaded["age"], "is_bot": loaded["is_bot"],
                  "qq_level": loaded["qq_level"], "long_nick": loaded["long_nick"],
                  "reg_time": loaded["reg_time"]}
    except KeyError:  # an expired row (after a rollback): reading its attributes loads it
        fields = {name: getattr(row, name) for name in _ACCOUNT_FIELDS}
    account = object.__new__(Account)
    account.__dict__.update(fields)
    return account


_ACCOUNT_FIELDS = ("user_id", "nickname", "sex", "age", "is_bot", "qq_level", "long_nick",
                   "reg_time")


class Accounts:
    def __init__(self, core: WorldCore) -> None:
        self._core = core
        self._db = core.session
        # Bot accounts are few and asked for on every message; derived, dropped on change.
        self._bots: frozenset[int] | None = None
        # Asked on every send; few accounts are ever logged out. Dropped on change.
        self._logged_out: frozenset[int] | None = None
        # Snapshots of the accounts asked for (most calls name one), derived from their rows:
        # the account table changes only through ``add`` (a new id, never kept before) and
        # ``update`` or in bulk, which ``forget_derived``; a rollback forgets them too.
        self._snapshots: dict[int, Account] = {}
        core.on_rollback(self._forget)

    def _forget(self) -> None:
        self._bots = None
        self._logged_out = None
        self._snapshots.clear()

    def add(
        self,
        user_id: int,
        nickname: str,
        *,
        sex: str = "unknown",
        age: int = 0,
        is_bot: bool = False,
        qq_level: int = 1,
        long_nick: str = "",
    ) -> Account:
        if self._db.get(AccountRow, user_id) is not None:
            raise InvalidState(Why.ACCOUNT_EXISTS, user_id=user_id)
        row = AccountRow(
            user_id=user_id,
            nickname=nickname,
            sex=sex,
            age=age,
            is_bot=is_bot,
            qq_level=qq_level,
            long_nick=long_nick,
            reg_time=self._core.now() - 86400 * 365,
        )
        self._db.add(row)
        self._bots = None
        self._core.commit()
        return account_of(row)

    def find(self, user_id: int) -> Account | None:
        account = self._snapshots.get(user_id)
        if account is None:
            row = self._core.row(AccountRow, user_id)
            if row is None:
                return None
            account = account_of(row)
            if len(self._snapshots) >= SNAPSHOTS_KEPT:  # a 100k-people world keeps a part
                self._snapshots.clear()
            self._snapshots[user_id] = account
        return account

    def get(self, user_id: int) -> Account:
        account = self._snapshots.get(user_id)  # ``find``'s cache first, without its call
        if account is None:
            account = self.find(user_id)
            if account is None:
                raise NotFound(Why.USER_NOT_FOUND, user_id=user_id)
        return account

    def is_online(self, user_id: int) -> bool:
        """Whether the account is logged in: everyone is, until ``Profiles.go_offline``."""
        if self._logged_out is None:
            rows = self._core.conn.execute(
                "SELECT user_id FROM account_state WHERE status = ?", (_LOGGED_OUT,))
            self._logged_out = frozenset(user_id for (user_id,) in rows)
        return user_id not in self._logged_out

    def presence_changed(self) -> None:
        """Someone's status changed (``Profiles``): who is logged out is asked again."""
        self._logged_out = None

    def require_online(self, user_id: int) -> None:
        """Refuse what a logged-out account tries to do (QQ's servers never see it)."""
        logged_out = self._logged_out  # ``is_online``'s set, without its call once read
        online = self.is_online(user_id) if logged_out is None else user_id not in logged_out
        if not online:
            raise PermissionDenied(Why.ACCOUNT_OFFLINE, user_id=user_id)

    def all(self) -> list[Account]:
        rows = self._db.exec(select(AccountRow).order_by(col(AccountRow.user_id))).all()
        return [account_of(r) for r in rows]

    def exist(self) -> bool:
        """Whether the world holds any account at all."""
        return self._core.conn.execute("SELECT 1 FROM account LIMIT 1").fetchone() is not None

    def bots(self) -> list[Account]:
        return [self.get(user_id) for user_id in sorted(self.bot_ids())]

    def bot_ids(self, among: set[int] | None = None) -> frozenset[int]:
        if self._bots is None:
            self._bots = frozenset(
                self._db.exec(select(AccountRow.user_id).where(col(AccountRow.is_bot))).all())
        return self._bots if among is None else self._bots.intersection(among)

    def update(self, user_id: int, **fields: object) -> Account:
        row = self.row(user_id)
        for name, value in fields.items():
            if value is not None:
                setattr(row, name, value)
        self._core.commit()
        self._core.forget_derived()  # names and bot flags are copied into member lists
        return account_of(row)

    def row(self, user_id: int) -> AccountRow:
        """The live row (for the world's services only; never handed out of the world)."""
        row = self._core.row(AccountRow, user_id)
        if row is None:
            raise NotFound(Why.USER_NOT_FOUND, user_id=user_id)
        return row

    # -- friendships -------------------------------------------------------

    def is_friend(self, a: int, b: int) -> bool:
        return self._core.row(FriendshipRow, a, b) is not None

    def befriend(self, a: int, b: int, *, remark_a: str = "", remark_b: str = "") -> None:
        """Make ``a`` and ``b`` friends; ``remark_a`` is what ``a`` calls ``b``."""
        self.get(a), self.get(b)
        if a == b or self.is_friend(a, b):
            raise InvalidState(Why.ALREADY_FRIENDS, user_id=a, other_id=b)
        now = self._core.now()
        self._db.add(FriendshipRow(owner_id=a, friend_id=b, remark=remark_a, since=now))
        self._db.add(FriendshipRow(owner_id=b, friend_id=a, remark=remark_b, since=now))
        self._core.commit()
        self._core.emit(
            FriendAdded(time=now, audience=self.bot_ids({a, b}), user_id=a, friend_id=b)
        )

    def unfriend(self, a: int, b: int) -> None:
        for owner, friend in ((a, b), (b, a)):
            row = self._db.get(FriendshipRow, (owner, friend))
            if row is not None:
                self._db.delete(row)
        self._core.commit()

    def friends_of(self, user_id: int) -> list[Friend]:
        rows = self._db.exec(
            select(FriendshipRow)
            .where(FriendshipRow.owner_id == user_id)
            .order_by(col(FriendshipRow.friend_id))
        ).all()
        return [Friend(r.owner_id, r.friend_id, r.remark, r.since) for r in rows]

    def friend_ids(self, owner_id: int) -> list[int]:
        """``owner_id``'s friends by id (``friends_of``'s order), without a row object each."""
        rows = self._core.flushed().execute(
            "SELECT friend_id FROM friendship WHERE owner_id = ? ORDER BY friend_id",
            (owner_id,))
        return [friend_id for (friend_id,) in rows]

    def friend_rows(self, owner_id: int) -> list[FriendRow]:
        """``owner_id``'s friends by id, each with its remark and profile (one join)."""
        rows: list[FriendRow] = self._core.flushed().execute(
            _FRIEND_ROWS_SQL, (owner_id,)).fetchall()
        for row in rows:
            if row[2] is None:  # no account row: ``get`` said so for each friend
                raise NotFound(Why.USER_NOT_FOUND, user_id=row[0])
        return rows

    def remark(self, owner_id: int, friend_id: int) -> str:
        """What ``owner_id`` calls friend ``friend_id``; "" for someone not a friend."""
        self._db.flush()  # a deletion not flushed yet still sits in the identity map
        row = self._core.row(FriendshipRow, owner_id, friend_id)  # one key, not the list
        return "" if row is None else row.remark

    def set_remark(self, owner_id: int, friend_id: int, remark: str) -> None:
        row = self._db.get(FriendshipRow, (owner_id, friend_id))
        if row is None:
            raise InvalidState(Why.NOT_A_FRIEND, user_id=friend_id, owner_id=owner_id)
        row.remark = remark
        self._core.commit()

    # -- likes -------------------------------------------------------------

    def like(self, from_id: int, to_id: int, times: int) -> None:
        """Like ``to_id``'s profile; QQ caps likes per friend per day."""
        liker = self.get(from_id)
        self.get(to_id)
        day = str(self._core.now() // 86400)
        given = sum(
            self._db.exec(
                select(LikeRow.times).where(
                    LikeRow.from_id == from_id, LikeRow.to_id == to_id, LikeRow.day == day
                )
            ).all()
        )
        if times < 1 or given + times > DAILY_LIKE_LIMIT:
            raise InvalidState(Why.LIKE_LIMIT, times=times, given=given)
        self._db.add(LikeRow(from_id=from_id, to_id=to_id, day=day, times=times))
        self._core.commit()
        self._core.emit(
            ProfileLiked(
                time=self._core.now(),
                audience=self.bot_ids({to_id}),
                user_id=to_id,
                operator_id=from_id,
                operator_nick=liker.nickname,
                times=times,
            )
        )
