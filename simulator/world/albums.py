"""Group albums (群相册) with their photos, comments and likes, and Qzone posts (说说).

Ids look like QQ's: album ids and photo ids (``lloc``) are 32-character
strings, an upload batch is a decimal string, a Qzone post id (``tid``) is 24
hex digits. They derive from a counter, so the same world gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, func, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .accounts import Accounts
from .core import WorldCore
from .groups import Groups
from .media import Media

_ALPHABET = string.ascii_letters + string.digits
#: Who may see a Qzone post: everyone, friends, chosen friends, only me, all but some.
UGC_RIGHTS = (1, 4, 16, 64, 128)


def _token(seed: str, length: int = 32) -> str:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


class AlbumRow(SQLModel, table=True):
    __tablename__ = "group_album"
    album_id: str = Field(primary_key=True)
    group_id: int = Field(index=True)
    name: str
    desc: str = ""
    creator_id: int
    created_at: int = 0
    modified_at: int = 0
    seq: int = 0  # creation order


class AlbumPhotoRow(SQLModel, table=True):
    __tablename__ = "group_album_photo"
    lloc: str = Field(primary_key=True)
    album_id: str = Field(index=True)
    batch_id: str
    uploader_id: int
    media_name: str
    width: int = 0
    height: int = 0
    uploaded_at: int = 0
    seq: int = 0  # upload order


class AlbumCommentRow(SQLModel, table=True):
    __tablename__ = "group_album_comment"
    id: int | None = Field(default=None, primary_key=True)
    lloc: str = Field(index=True)
    user_id: int
    content: str
    time: int


class AlbumLikeRow(SQLModel, table=True):
    """A like on a whole upload batch (``lloc`` "") or on one photo."""

    __tablename__ = "group_album_like"
    album_id: str = Field(primary_key=True)
    batch_id: str = Field(primary_key=True)
    lloc: str = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    time: int = 0


class QzonePostRow(SQLModel, table=True):
    __tablename__ = "qzone_post"
    tid: str = Field(primary_key=True)
    owner_id: int = Field(index=True)
    content: str
    images_json: str = "[]"  # media names
    ugc_right: int = 1
    target_uins_json: str = "[]"
    created_at: int = 0
    seq: int = 0  # posting order (several posts can share a second)


@dataclass(frozen=True)
class Album:
    album_id: str
    group_id: int
    name: str
    desc: str
    creator_id: int
    created_at: int
    modified_at: int
    photo_count: int
    cover: str  # media name of the newest photo, "" when empty


@dataclass(frozen=True)
class AlbumComment:
    comment_id: int
    user_id: int
    content: str
    time: int


@dataclass(frozen=True)
class AlbumPhoto:
    lloc: str
    album_id: str
    batch_id: str
    uploader_id: int
    media_name: str
    width: int
    height: int
    uploaded_at: int
    comments: list[AlbumComment]
    likers: list[int]


@dataclass(frozen=True)
class QzonePost:
    tid: str
    owner_id: int
    content: str
    images: list[str]
    ugc_right: int
    target_uins: list[int]
    created_at: int


class Albums:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups

    # -- albums ------------------------------------------------------------------------

    def create(self, group_id: int, creator_id: int, name: str, desc: str = "") -> Album:
        self._groups.member(group_id, creator_id)
        count = self._count(AlbumRow)
        now = self._core.now()
        row = AlbumRow(album_id=_token(f"album-{group_id}-{count}"), group_id=group_id,
                       name=name, desc=desc, creator_id=creator_id, created_at=now,
                       modified_at=now, seq=self._last_seq(AlbumRow) + 1)
        self._db.add(row)
        self._core.commit()
        return self._album_of(row)

    def albums(self, group_id: int, viewer_id: int) -> list[Album]:
        """A group's albums, newest first; QQ shows them to members only."""
        if self._groups.find_member(group_id, viewer_id) is None:
            return []
        rows = self._db.exec(select(AlbumRow).where(AlbumRow.group_id == group_id)
                             .order_by(col(AlbumRow.seq).desc()))
        return [self._album_of(r) for r in rows.all()]

    def album(self, group_id: int, album_id: str, viewer_id: int) -> Album:
        row = self._db.get(AlbumRow, album_id)
        if row is None or row.group_id != group_id:
            raise NotFound(Why.ALBUM_NOT_FOUND, album_id=album_id, group_id=group_id)
        if self._groups.find_member(group_id, viewer_id) is None:
            raise PermissionDenied(Why.NOT_A_MEMBER, user_id=viewer_id, group_id=group_id)
        return self._album_of(row)

    # -- photos ------------------------------------------------------------------------

    def upload(self, group_id: int, album_id: str, uploader_id: int, media: Media, *,
               width: int = 0, height: int = 0) -> AlbumPhoto:
        """Add one photo; each upload is its own batch, as NapCat uploads one at a time."""
        self.album(group_id, album_id, uploader_id)
        count = self._count(AlbumPhotoRow)
        now = self._core.now()
        lloc = self._fresh(AlbumPhotoRow, lambda n: _token(f"photo-{album_id}-{n}"), count)
        row = AlbumPhotoRow(lloc=lloc, album_id=album_id,
                            batch_id=str(now * 100 + count % 100), uploader_id=uploader_id,
                            media_name=media.name, width=width, height=height,
                            uploaded_at=now, seq=self._last_seq(AlbumPhotoRow) + 1)
        self._db.add(row)
        self._touch(album_id)
        return self._photo_of(row)

    def photos(self, group_id: int, album_id: str, viewer_id: int) -> list[AlbumPhoto]:
        self.album(group_id, album_id, viewer_id)
        rows = self._db.exec(select(AlbumPhotoRow).where(AlbumPhotoRow.album_id == album_id)
                             .order_by(col(AlbumPhotoRow.seq).desc()))
        return [self._photo_of(r) for r in rows.all()]

    def delete_photo(self, group_id: int, album_id: str, lloc: str, actor_id: int) -> None:
        """The uploader, or an admin of the group, removes a photo."""
        row = self._photo_row(group_id, album_id, lloc, actor_id)
        actor = self._groups.member(group_id, actor_id)
        if row.uploader_id != actor_id and not actor.is_admin:
            raise PermissionDenied(Why.PHOTO_DELETE_DENIED, photo_id=lloc, user_id=actor_id)
        for comment in self._db.exec(select(AlbumCommentRow).where(
                AlbumCommentRow.lloc == lloc)).all():
            self._db.delete(comment)
        for like in self._db.exec(select(AlbumLikeRow).where(AlbumLikeRow.lloc == lloc)).all():
            self._db.delete(like)
        self._db.delete(row)
        self._touch(album_id)

    def comment(self, group_id: int, album_id: str, lloc: str, user_id: int, content: str
                ) -> AlbumComment:
        self._photo_row(group_id, album_id, lloc, user_id)
        if not content.strip():
            raise InvalidState(Why.EMPTY_COMMENT, photo_id=lloc)
        row = AlbumCommentRow(lloc=lloc, user_id=user_id, content=content,
                              time=self._core.now())
        self._db.add(row)
        self._core.commit()
        assert row.id is not None
        return AlbumComment(row.id, row.user_id, row.content, row.time)

    def like(self, group_id: int, album_id: str, batch_id: str, lloc: str, user_id: int,
             liked: bool) -> None:
        """Like (or unlike) an upload batch, or one photo of it when ``lloc`` is given."""
        self.album(group_id, album_id, user_id)
        photos = self._db.exec(select(AlbumPhotoRow).where(
            AlbumPhotoRow.album_id == album_id, AlbumPhotoRow.batch_id == batch_id)).all()
        if not photos or (lloc and lloc not in {p.lloc for p in photos}):
            raise NotFound(Why.PHOTO_NOT_FOUND, photo_id=lloc or batch_id)
        key = (album_id, batch_id, lloc, user_id)
        row = self._db.get(AlbumLikeRow, key)
        if liked and row is None:
            self._db.add(AlbumLikeRow(album_id=album_id, batch_id=batch_id, lloc=lloc,
                                      user_id=user_id, time=self._core.now()))
        elif not liked and row is not None:
            self._db.delete(row)
        self._core.commit()

    def _photo_row(self, group_id: int, album_id: str, lloc: str, viewer_id: int
                   ) -> AlbumPhotoRow:
        self.album(group_id, album_id, viewer_id)
        row = self._db.get(AlbumPhotoRow, lloc)
        if row is None or row.album_id != album_id:
            raise NotFound(Why.PHOTO_NOT_FOUND, photo_id=lloc)
        return row

    def _touch(self, album_id: str) -> None:
        album = self._db.get(AlbumRow, album_id)
        if album is not None:
            album.modified_at = self._core.now()
        self._core.commit()

    def _count(self, table: type[SQLModel]) -> int:
        return int(self._db.exec(select(func.count()).select_from(table)).one())

    def _fresh(self, table: type[SQLModel], make: Callable[[int], str], start: int) -> str:
        """The first id ``make(n)``, n from ``start``, no row holds (rows can be deleted)."""
        n = start
        while self._db.get(table, make(n)) is not None:
            n += 1
        return make(n)

    def _album_of(self, row: AlbumRow) -> Album:
        newest = self._db.exec(select(AlbumPhotoRow).where(AlbumPhotoRow.album_id ==
                                                           row.album_id)
                               .order_by(col(AlbumPhotoRow.seq).desc())).first()
        count = self._db.exec(select(func.count()).select_from(AlbumPhotoRow).where(
            AlbumPhotoRow.album_id == row.album_id)).one()
        return Album(row.album_id, row.group_id, row.name, row.desc, row.creator_id,
                     row.created_at, row.modified_at, int(count),
                     newest.media_name if newest else "")

    def _photo_of(self, row: AlbumPhotoRow) -> AlbumPhoto:
        comments = self._db.exec(select(AlbumCommentRow).where(
            AlbumCommentRow.lloc == row.lloc).order_by(col(AlbumCommentRow.id))).all()
        likes = self._db.exec(select(AlbumLikeRow).where(
            AlbumLikeRow.album_id == row.album_id, AlbumLikeRow.batch_id == row.batch_id,
            col(AlbumLikeRow.lloc).in_(["", row.lloc]))).all()
        return AlbumPhoto(
            row.lloc, row.album_id, row.batch_id, row.uploader_id, row.media_name, row.width,
            row.height, row.uploaded_at,
            [AlbumComment(c.id or 0, c.user_id, c.content, c.time) for c in comments],
            sorted({like.user_id for like in likes}),
        )

    # -- Qzone -------------------------------------------------------------------------

    def post(self, owner_id: int, content: str, images: list[Media], *, ugc_right: int = 1,
             target_uins: list[int] | None = None) -> QzonePost:
        self._accounts.get(owner_id)
        if ugc_right not in UGC_RIGHTS:
            raise InvalidState(Why.BAD_UGC_RIGHT, ugc_right=ugc_right)
        targets = list(target_uins or [])
        if ugc_right in (16, 128) and not targets:
            raise InvalidState(Why.UGC_TARGETS_MISSING, ugc_right=ugc_right)
        tid = self._fresh(QzonePostRow, lambda n: hashlib.sha1(
            f"qzone-{owner_id}-{n}".encode()).hexdigest()[:24], self._count(QzonePostRow))
        row = QzonePostRow(tid=tid, owner_id=owner_id, content=content,
                           images_json=json.dumps([m.name for m in images]),
                           ugc_right=ugc_right, target_uins_json=json.dumps(targets),
                           created_at=self._core.now(), seq=self._last_seq(QzonePostRow) + 1)
        self._db.add(row)
        self._core.commit()
        return _post_of(row)

    def posts(self, owner_id: int) -> list[QzonePost]:
        rows = self._db.exec(select(QzonePostRow).where(QzonePostRow.owner_id == owner_id)
                             .order_by(col(QzonePostRow.seq).desc()))
        return [_post_of(r) for r in rows.all()]

    def _last_seq(self, table: type[AlbumRow] | type[AlbumPhotoRow] | type[QzonePostRow]
                  ) -> int:
        return int(self._db.exec(select(func.max(table.seq))).one() or 0)

    def delete_post(self, owner_id: int, tid: str) -> None:
        row = self._db.get(QzonePostRow, tid)
        if row is None or row.owner_id != owner_id:
            raise NotFound(Why.QZONE_POST_NOT_FOUND, tid=tid)
        self._db.delete(row)
        self._core.commit()


def _post_of(row: QzonePostRow) -> QzonePost:
    return QzonePost(row.tid, row.owner_id, row.content, json.loads(row.images_json),
                     row.ugc_right, json.loads(row.target_uins_json), row.created_at)
