"""Things an account saves for itself: custom faces (收藏表情) and collections (收藏).

A custom face's image lives in the media store; QQ names it by a resource id
``<uin>_0_0_0_<MD5>_0_0`` and numbers faces per account (``emo_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, func, select

from .accounts import Accounts
from .core import WorldCore
from .media import Media


class CustomFaceRow(SQLModel, table=True):
    __tablename__ = "custom_face"
    owner_id: int = Field(primary_key=True)
    res_id: str = Field(primary_key=True)
    emo_id: int
    md5: str
    media_name: str
    file_name: str = ""
    desc: str = ""
    emoji_id: str = ""
    package_id: int = 0
    is_mark_face: bool = False
    created_at: int = 0


class CollectionRow(SQLModel, table=True):
    __tablename__ = "collection"
    cid: str = Field(primary_key=True)
    owner_id: int = Field(index=True)
    category: int
    brief: str
    raw_data: str
    created_ms: int


@dataclass(frozen=True)
class CustomFace:
    owner_id: int
    res_id: str
    emo_id: int
    md5: str
    media_name: str
    file_name: str
    desc: str
    emoji_id: str
    package_id: int
    is_mark_face: bool
    created_at: int


@dataclass(frozen=True)
class Collection:
    cid: str
    owner_id: int
    category: int
    brief: str
    raw_data: str
    created_ms: int


# Collections made through the API are "rich media" items (category 2 in QQNT).
RICH_MEDIA_CATEGORY = 2
_CID_BASE = 1_700_000_000_000_000


class Favorites:
    def __init__(self, core: WorldCore, accounts: Accounts) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts

    # -- custom faces ------------------------------------------------------------------

    def add_face(self, owner_id: int, media: Media, *, file_name: str = "", emoji_id: str = "",
                 package_id: int = 0, is_mark_face: bool = False) -> CustomFace:
        """Save ``media`` as a custom face; saving the same image again changes nothing."""
        self._accounts.get(owner_id)
        res_id = f"{owner_id}_0_0_0_{media.md5.upper()}_0_0"
        row = self._db.get(CustomFaceRow, (owner_id, res_id))
        if row is None:
            last = self._db.exec(select(func.max(CustomFaceRow.emo_id)).where(
                CustomFaceRow.owner_id == owner_id)).one()
            row = CustomFaceRow(owner_id=owner_id, res_id=res_id, emo_id=int(last or 0) + 1,
                                md5=media.md5.lower(), media_name=media.name,
                                file_name=file_name or media.name, emoji_id=emoji_id,
                                package_id=package_id, is_mark_face=is_mark_face,
                                created_at=self._core.now())
            self._db.add(row)
            self._core.commit()
        return _face_of(row)

    def faces(self, owner_id: int, count: int) -> list[CustomFace]:
        """The newest ``count`` faces first, as QQ's favourites panel lists them."""
        rows = self._db.exec(select(CustomFaceRow).where(CustomFaceRow.owner_id == owner_id)
                             .order_by(col(CustomFaceRow.emo_id).desc()).limit(max(count, 0)))
        return [_face_of(r) for r in rows.all()]

    def delete_faces(self, owner_id: int, res_ids: list[str]) -> list[str]:
        """Drop the faces named by ``res_ids``; return the ids that existed."""
        deleted = []
        for res_id in res_ids:
            row = self._db.get(CustomFaceRow, (owner_id, res_id))
            if row is not None:
                self._db.delete(row)
                deleted.append(res_id)
        self._core.commit()
        return deleted

    def describe_face(self, owner_id: int, res_id: str, desc: str) -> bool:
        row = self._db.get(CustomFaceRow, (owner_id, res_id))
        if row is None:
            return False
        row.desc = desc
        self._core.commit()
        return True

    # -- collections -------------------------------------------------------------------

    def collect(self, owner_id: int, brief: str, raw_data: str) -> Collection:
        self._accounts.get(owner_id)
        count = self._db.exec(select(func.count()).select_from(CollectionRow)).one()
        row = CollectionRow(cid=str(_CID_BASE + int(count) + 1), owner_id=owner_id,
                            category=RICH_MEDIA_CATEGORY, brief=brief, raw_data=raw_data,
                            created_ms=self._core.now() * 1000 + int(count) % 1000)
        self._db.add(row)
        self._core.commit()
        return _collection_of(row)

    def collections(self, owner_id: int, category: int, count: int) -> list[Collection]:
        """Newest first; category 0 means every category."""
        query = select(CollectionRow).where(CollectionRow.owner_id == owner_id)
        if category:
            query = query.where(CollectionRow.category == category)
        rows = self._db.exec(query.order_by(col(CollectionRow.created_ms).desc(),
                                            col(CollectionRow.cid).desc()).limit(max(count, 0)))
        return [_collection_of(r) for r in rows.all()]


def _face_of(row: CustomFaceRow) -> CustomFace:
    return CustomFace(row.owner_id, row.res_id, row.emo_id, row.md5, row.media_name,
                      row.file_name, row.desc, row.emoji_id, row.package_id, row.is_mark_face,
                      row.created_at)


def _collection_of(row: CollectionRow) -> Collection:
    return Collection(row.cid, row.owner_id, row.category, row.brief, row.raw_data,
                      row.created_ms)
