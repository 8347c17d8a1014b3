"""Account extras: online status, avatar, profile edits, like summaries, typing, going offline.

Online status follows QQNT's numbers: 10 online, 30 away, 40 invisible, 50 busy,
60 Q-me, 70 do-not-disturb; ``ext_status`` picks a custom status (1028 "listening
to music", 2000 a DIY status with face and wording, ...). Everyone is online
(10/0) until they set something else; 0 means offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, select

from ..errors import InvalidState, Why
from .accounts import DAILY_LIKE_LIMIT, Accounts
from .core import WorldCore
from .events import BotWentOffline, InputStatusChanged
from .tables import FriendshipRow, LikeRow

ONLINE, AWAY, INVISIBLE, BUSY, Q_ME, DO_NOT_DISTURB, OFFLINE = 10, 30, 40, 50, 60, 70, 0
SETTABLE_STATUSES = frozenset({ONLINE, AWAY, INVISIBLE, BUSY, Q_ME, DO_NOT_DISTURB})
#: ``ext_status`` of a DIY status (face + wording), as NapCat sets it.
DIY_EXT_STATUS = 2000
# What QQ shows while someone types (event_type 1) or records a voice (0).
INPUT_STATUS_TEXT = {0: "对方正在说话...", 1: "对方正在输入..."}


class AccountStateRow(SQLModel, table=True):
    """What an account shows besides its profile: presence and avatar."""

    __tablename__ = "account_state"
    user_id: int = Field(primary_key=True)
    status: int = ONLINE
    ext_status: int = 0
    battery_status: int = 0
    face_id: str = ""
    face_type: str = ""
    wording: str = ""
    avatar: str = ""  # name of the image in the media store; "" = QQ's default avatar
    updated_at: int = 0


@dataclass(frozen=True)
class Presence:
    user_id: int
    status: int
    ext_status: int
    battery_status: int
    face_id: str
    face_type: str
    wording: str
    avatar: str


@dataclass(frozen=True)
class Liker:
    """One account in a like list: who liked (or was liked), how often, and when."""

    user_id: int
    nickname: str
    sex: str
    age: int
    count: int
    today_count: int
    last_day: int
    is_friend: bool
    can_still_like: int


@dataclass(frozen=True)
class LikeSummary:
    """Likes ``user_id`` received (``votes``) and gave (``favorites``)."""

    user_id: int
    votes: list[Liker]
    votes_total: int
    votes_today: int
    favorites: list[Liker]
    favorites_total: int
    favorites_today: int
    favorites_last_day: int


class Profiles:
    def __init__(self, core: WorldCore, accounts: Accounts) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts

    # -- presence ----------------------------------------------------------------------

    def presence(self, user_id: int) -> Presence:
        self._accounts.get(user_id)
        row = self._db.get(AccountStateRow, user_id) or AccountStateRow(user_id=user_id)
        return Presence(row.user_id, row.status, row.ext_status, row.battery_status,
                        row.face_id, row.face_type, row.wording, row.avatar)

    def status_seen_by(self, user_id: int, viewer_id: int) -> tuple[int, int]:
        """``(status, ext_status)`` as ``viewer_id`` sees it: the invisible look offline."""
        presence = self.presence(user_id)
        if presence.status == INVISIBLE and viewer_id != user_id:
            return OFFLINE, 0
        return presence.status, presence.ext_status

    def friends_seen_offline(self, owner_id: int) -> frozenset[int]:
        """The friends ``owner_id`` sees as offline (``status_seen_by`` gives 0): one
        statement, not a presence look-up per friend (30k friends took seconds)."""
        rows = self._core.flushed().execute(
            "SELECT s.user_id FROM friendship AS f"
            " JOIN account_state AS s ON s.user_id = f.friend_id"
            " WHERE f.owner_id = ? AND (s.status = ? OR (s.status = ? AND s.user_id != ?))",
            (owner_id, OFFLINE, INVISIBLE, owner_id))
        return frozenset(user_id for (user_id,) in rows)

    def set_status(self, user_id: int, status: int, ext_status: int, battery_status: int) -> None:
        if status not in SETTABLE_STATUSES or ext_status < 0 or not 0 <= battery_status <= 100:
            raise InvalidState(Why.BAD_STATUS, status=status, ext_status=ext_status,
                               battery_status=battery_status)
        row = self._state_row(user_id)
        row.status, row.ext_status, row.battery_status = status, ext_status, battery_status
        row.face_id = row.face_type = row.wording = ""
        self._commit(row)

    def set_diy_status(self, user_id: int, face_id: str, face_type: str, wording: str) -> None:
        """A custom status: a face and a short text (QQ shows it as online, ext 2000)."""
        row = self._state_row(user_id)
        row.status, row.ext_status, row.battery_status = ONLINE, DIY_EXT_STATUS, 0
        row.face_id, row.face_type, row.wording = face_id, face_type, wording
        self._commit(row)

    def set_avatar(self, user_id: int, media_name: str) -> None:
        row = self._state_row(user_id)
        row.avatar = media_name
        self._commit(row)

    def go_offline(self, user_id: int, tag: str, message: str) -> None:
        """The account is logged out; a bot hears about it as ``bot_offline``."""
        row = self._state_row(user_id)
        row.status, row.ext_status = OFFLINE, 0
        self._commit(row)
        self._core.emit(BotWentOffline(time=self._core.now(),
                                       audience=self._accounts.bot_ids({user_id}),
                                       user_id=user_id, tag=tag, message=message))

    def _state_row(self, user_id: int) -> AccountStateRow:
        self._accounts.get(user_id)
        row = self._db.get(AccountStateRow, user_id)
        if row is None:
            row = AccountStateRow(user_id=user_id)
            self._db.add(row)
        return row

    def _commit(self, row: AccountStateRow) -> None:
        row.updated_at = self._core.now()
        self._core.commit()
        self._accounts.presence_changed()  # it keeps who is logged out

    # -- profile -----------------------------------------------------------------------

    def update_profile(
        self, user_id: int, *, nickname: str | None = None, long_nick: str | None = None,
        sex: str | None = None,
    ) -> None:
        """Change what others see on ``user_id``'s card (None keeps a field)."""
        if nickname is not None and not nickname.strip():
            raise InvalidState(Why.EMPTY_NICKNAME, user_id=user_id)
        self._accounts.update(user_id, nickname=nickname, long_nick=long_nick, sex=sex)

    # -- typing ------------------------------------------------------------------------

    def input_status(self, user_id: int, peer_id: int, event_type: int) -> None:
        """``user_id`` types to ``peer_id``; a bot peer is told (QQ shows it in C2C only)."""
        self._accounts.get(user_id)
        self._accounts.get(peer_id)
        self._core.emit(InputStatusChanged(
            time=self._core.now(), audience=self._accounts.bot_ids({peer_id}) - {user_id},
            user_id=user_id, peer_id=peer_id, event_type=event_type,
            status_text=INPUT_STATUS_TEXT.get(event_type, ""),
        ))

    # -- likes -------------------------------------------------------------------------

    def like_summary(self, user_id: int, *, viewer_id: int) -> LikeSummary:
        """Who liked ``user_id`` and whom ``user_id`` liked, newest first."""
        self._accounts.get(user_id)
        today = self._core.now() // 86400
        received = self._like_rows(to_id=user_id)
        given = self._like_rows(from_id=user_id)
        votes = self._likers(received, lambda r: r.from_id, viewer_id, today)
        favorites = self._likers(given, lambda r: r.to_id, viewer_id, today)
        return LikeSummary(
            user_id=user_id,
            votes=votes,
            votes_total=sum(r.times for r in received),
            votes_today=sum(r.times for r in received if int(r.day) == today),
            favorites=favorites,
            favorites_total=sum(r.times for r in given),
            favorites_today=sum(r.times for r in given if int(r.day) == today),
            favorites_last_day=max((int(r.day) for r in given), default=0),
        )

    def _like_rows(self, *, to_id: int | None = None, from_id: int | None = None
                   ) -> list[LikeRow]:
        query = select(LikeRow).order_by(col(LikeRow.id))
        if to_id is not None:
            query = query.where(LikeRow.to_id == to_id)
        if from_id is not None:
            query = query.where(LikeRow.from_id == from_id)
        return list(self._db.exec(query).all())

    def _likers(self, rows: list[LikeRow], other: Callable[[LikeRow], int], viewer_id: int,
                today: int) -> list[Liker]:
        by_user: dict[int, list[LikeRow]] = {}
        for row in rows:
            by_user.setdefault(other(row), []).append(row)
        likers = [self._liker(uid, mine, viewer_id, today) for uid, mine in by_user.items()]
        return sorted(likers, key=lambda liker: (-liker.last_day, -liker.count, liker.user_id))

    def _liker(self, user_id: int, rows: list[LikeRow], viewer_id: int, today: int) -> Liker:
        account = self._accounts.get(user_id)
        given_today = sum(
            r.times for r in self._like_rows(from_id=viewer_id, to_id=user_id)
            if int(r.day) == today
        )
        return Liker(
            user_id=user_id,
            nickname=account.nickname,
            sex=account.sex,
            age=account.age,
            count=sum(r.times for r in rows),
            today_count=sum(r.times for r in rows if int(r.day) == today),
            last_day=max(int(r.day) for r in rows),
            is_friend=self._db.get(FriendshipRow, (viewer_id, user_id)) is not None,
            can_still_like=max(0, DAILY_LIKE_LIMIT - given_today),
        )
