"""Group files and folders: what QQ's group file system holds, per group.

QQ keeps one level of folders under a root ``/``. Each file has a fileId
(``/<uuid>``, what NapCat calls the fileUuid) and a numeric model id; its
bytes live in the world's media store. Deleted files and folders are kept as
tombstones so ids are never reused and stale references fail as on QQ.

NapCat adds its own, per-account, 24-hour token cache on top (the 32-hex
``file_id`` of the list actions); the cache is kept here too, keyed by bot,
because it is state a bot can observe (tokens expire, and only list tokens can
delete a file).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_
from sqlmodel import Field, SQLModel, col, func, or_, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .accounts import Accounts
from .core import WorldCore
from .events import GroupFileUploaded
from .groups import Groups
from .media import Media
from .messages import Messages
from .snapshots import Message, RawOf, Segment

ROOT = "/"
#: QQ's business id of group files (``busid`` in NapCat's answers).
GROUP_FILE_BUSID = 102
#: NapCat forgets a token a day after it was last used, and keeps at most 5000.
TOKEN_TTL_SECONDS = 86400
TOKEN_CAPACITY = 5000
#: How long QQ keeps a temporary group file before it expires.
TEMPORARY_FILE_SECONDS = 7 * 86400


class GroupFolderRow(SQLModel, table=True):
    __tablename__ = "group_folder"
    folder_id: str = Field(primary_key=True)
    group_id: int = Field(index=True)
    name: str
    creator_id: int
    created_at: int
    modified_at: int
    deleted: bool = False


class GroupFileRow(SQLModel, table=True):
    __tablename__ = "group_file"
    file_uuid: str = Field(primary_key=True)
    group_id: int = Field(index=True)
    folder_id: str = ROOT
    name: str
    size: int
    md5: str = Field(index=True)  # lower-case hex, as the kernel reports it
    media_name: str
    model_id: str
    uploader_id: int
    upload_time: int
    dead_time: int = 0  # 0: permanent; else when a temporary file expires
    modify_time: int
    download_times: int = 0
    message_id: int = 0  # the group message that announced the upload
    deleted: bool = False


class FileTokenRow(SQLModel, table=True):
    """One entry of a bot's NapCat token cache: a list ``file_id`` → a group file."""

    __tablename__ = "group_file_token"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(index=True, unique=True)
    self_id: int = Field(index=True)
    group_id: int
    file_uuid: str
    used_at: int


@dataclass(frozen=True)
class GroupFile:
    file_uuid: str
    group_id: int
    folder_id: str
    name: str
    size: int
    md5: str
    media_name: str
    model_id: str
    uploader_id: int
    uploader_name: str
    upload_time: int
    dead_time: int
    modify_time: int
    download_times: int
    message_id: int
    deleted: bool  # deleted, or a temporary file past its expiry


@dataclass(frozen=True)
class GroupFolder:
    folder_id: str
    group_id: int
    name: str
    creator_id: int
    creator_name: str
    created_at: int
    modified_at: int
    file_count: int


def group_file_url(file_uuid: str, md5: str) -> str:
    """The ftn download URL NapCat builds for a group file (``?fname=`` left empty)."""
    handle = (file_uuid.encode() + bytes.fromhex(md5)).hex()
    return f"https://njc-download.ftn.qq.com/ftn_handler/{handle}/?fname="


def _stable_uuid(*parts: object) -> str:
    digest = hashlib.md5("|".join(str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest))


class GroupFiles:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups,
                 messages: Messages) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups
        self._messages = messages

    # -- reading -----------------------------------------------------------

    def folders(self, group_id: int) -> list[GroupFolder]:
        """The group's folders, newest first."""
        rows = self._db.exec(
            select(GroupFolderRow)
            .where(GroupFolderRow.group_id == group_id, ~col(GroupFolderRow.deleted))
            .order_by(col(GroupFolderRow.created_at).desc(), col(GroupFolderRow.folder_id))
        ).all()
        return [self._folder_of(r) for r in rows]

    def find_folder(self, group_id: int, folder_id: str) -> GroupFolder | None:
        row = self._live_folder(group_id, folder_id)
        return None if row is None else self._folder_of(row)

    def files(self, group_id: int, folder_id: str | None = ROOT) -> list[GroupFile]:
        """Files in one folder (``None``: in every folder), newest first."""
        query = select(GroupFileRow).where(GroupFileRow.group_id == group_id, self._alive())
        if folder_id is not None:
            query = query.where(GroupFileRow.folder_id == folder_id)
        rows = self._db.exec(
            query.order_by(col(GroupFileRow.upload_time).desc(), col(GroupFileRow.name))
        ).all()
        return [self._file_of(r) for r in rows]

    def find_file(self, file_uuid: str) -> GroupFile | None:
        """A file by its fileId, deleted or not (``deleted`` tells)."""
        row = self._db.get(GroupFileRow, file_uuid)
        return None if row is None else self._file_of(row)

    def find_by_md5(self, group_id: int, md5: str) -> GroupFile | None:
        """The newest live file of the group with these bytes."""
        row = self._db.exec(
            select(GroupFileRow)
            .where(GroupFileRow.group_id == group_id, GroupFileRow.md5 == md5.lower(),
                   self._alive())
            .order_by(col(GroupFileRow.upload_time).desc())
        ).first()
        return None if row is None else self._file_of(row)

    def usage(self, group_id: int) -> tuple[int, int]:
        """How many live files the group has, and how many bytes they take."""
        count, used = self._db.exec(
            select(func.count(), func.coalesce(func.sum(GroupFileRow.size), 0)).where(
                GroupFileRow.group_id == group_id, self._alive()
            )
        ).one()
        return int(count), int(used)

    # -- folders -----------------------------------------------------------

    def create_folder(self, actor_id: int, group_id: int, name: str) -> GroupFolder:
        """An admin adds a folder under the root (QQ has no deeper folders)."""
        self._require_admin(actor_id, group_id)
        if not name.strip():
            raise InvalidState(Why.EMPTY_FOLDER_NAME, group_id=group_id)
        if any(f.name == name for f in self.folders(group_id)):
            raise InvalidState(Why.FOLDER_EXISTS, name=name)
        serial = self._count(GroupFolderRow, group_id) + 1
        now = self._core.now()
        row = GroupFolderRow(
            folder_id="/" + _stable_uuid("qqsim-group-folder", group_id, serial),
            group_id=group_id, name=name, creator_id=actor_id, created_at=now, modified_at=now,
        )
        self._db.add(row)
        self._core.commit()
        return self._folder_of(row)

    def delete_folder(self, actor_id: int, group_id: int, folder_id: str) -> None:
        """An admin removes a folder and every file in it."""
        row = self._live_folder(group_id, folder_id)
        if row is None:
            raise NotFound(Why.FOLDER_NOT_FOUND, folder_id=folder_id)
        self._require_admin(actor_id, group_id)
        row.deleted = True
        for file in self._db.exec(
            select(GroupFileRow).where(GroupFileRow.group_id == group_id,
                                       GroupFileRow.folder_id == folder_id)
        ).all():
            file.deleted = True
        self._core.commit()

    # -- files -------------------------------------------------------------

    def new_file_uuid(self, group_id: int) -> str:
        """The fileId the next upload to the group gets (stable for a world)."""
        serial = self._count(GroupFileRow, group_id) + 1
        return "/" + _stable_uuid("qqsim-group-file", group_id, serial)

    def check_upload(self, uploader_id: int, group_id: int, folder_id: str) -> None:
        """Raise if ``uploader_id`` cannot put a file in ``folder_id`` of the group."""
        self._groups.member(group_id, uploader_id)
        if folder_id != ROOT and self._live_folder(group_id, folder_id) is None:
            raise NotFound(Why.UPLOAD_FOLDER_NOT_FOUND, folder_id=folder_id)

    def upload(
        self, uploader_id: int, group_id: int, media: Media, name: str, *, raw_of: RawOf,
        folder_id: str = ROOT, temporary: bool = False,
    ) -> tuple[GroupFile, Message]:
        """Put ``media`` in the group's files as QQ does: by a file message.

        The group sees a message with one ``file`` segment, then the ``group_upload``
        notice; both fail together (e.g. when the uploader is muted).
        """
        self.check_upload(uploader_id, group_id, folder_id)
        if media.data is None:
            raise InvalidState(Why.REMOTE_FILE_NOT_FETCHED, uri=media.source)
        if media.size == 0:
            raise InvalidState(Why.EMPTY_FILE, name=media.name)
        file_uuid = self.new_file_uuid(group_id)
        url = group_file_url(file_uuid, media.md5)
        segments: list[Segment] = [{"type": "file", "data": {
            "file": name, "file_id": file_uuid, "file_size": str(media.size), "url": url}}]
        message = self._messages.post_group(uploader_id, group_id, segments, raw_of(segments))
        file = self.add_file(uploader_id, group_id, media, name=name, file_uuid=file_uuid,
                             folder_id=folder_id, message_id=message.message_id,
                             temporary=temporary)
        return file, message

    def add_file(
        self,
        uploader_id: int,
        group_id: int,
        media: Media,
        *,
        name: str,
        file_uuid: str,
        folder_id: str = ROOT,
        message_id: int = 0,
        temporary: bool = False,
    ) -> GroupFile:
        """Record an uploaded file; the group's bots hear of it (``group_upload``)."""
        self.check_upload(uploader_id, group_id, folder_id)
        if media.size == 0:
            raise InvalidState(Why.EMPTY_FILE, name=media.name)
        now = self._core.now()
        row = GroupFileRow(
            file_uuid=file_uuid, group_id=group_id, folder_id=folder_id, name=name,
            size=media.size, md5=media.md5.lower(), media_name=media.name,
            model_id=str(int(hashlib.md5(file_uuid.encode()).hexdigest()[:15], 16)),
            uploader_id=uploader_id, upload_time=now, modify_time=now, message_id=message_id,
            dead_time=now + TEMPORARY_FILE_SECONDS if temporary else 0,
        )
        self._db.add(row)
        self._core.commit()
        self._core.emit(
            GroupFileUploaded(
                time=now, audience=self._groups.bot_members(group_id), group_id=group_id,
                user_id=uploader_id, file_id=row.md5, name=name, size=row.size,
                busid=GROUP_FILE_BUSID, path=row.file_uuid,
            )
        )
        return self._file_of(row)

    def delete_file(self, actor_id: int, group_id: int, file_uuid: str) -> None:
        """The uploader or an admin removes a file."""
        row = self._live_file(group_id, file_uuid)
        self._require_may_edit(actor_id, row)
        row.deleted = True
        self._core.commit()

    def move_file(self, actor_id: int, group_id: int, file_uuid: str, current: str,
                  target: str) -> None:
        """Move a file from folder ``current`` (where it must be) to ``target``."""
        row = self._live_file(group_id, file_uuid)
        self._require_may_edit(actor_id, row)
        if row.folder_id != current:
            raise InvalidState(Why.FILE_NOT_IN_FOLDER, file_id=file_uuid, folder_id=current)
        if target != ROOT and self._live_folder(group_id, target) is None:
            raise NotFound(Why.TARGET_FOLDER_NOT_FOUND, folder_id=target)
        row.folder_id, row.modify_time = target, self._core.now()
        self._core.commit()

    def rename_file(self, actor_id: int, group_id: int, file_uuid: str, current: str,
                    new_name: str) -> None:
        row = self._live_file(group_id, file_uuid)
        self._require_may_edit(actor_id, row)
        if row.folder_id != current:
            raise InvalidState(Why.FILE_NOT_IN_FOLDER, file_id=file_uuid, folder_id=current)
        if not new_name.strip():
            raise InvalidState(Why.EMPTY_FILE_NAME, file_id=file_uuid)
        row.name, row.modify_time = new_name, self._core.now()
        self._core.commit()

    def make_permanent(self, actor_id: int, group_id: int, file_uuid: str) -> None:
        """Turn a temporary file into a permanent one (a no-op for permanent files)."""
        row = self._live_file(group_id, file_uuid)
        self._groups.member(group_id, actor_id)
        row.dead_time = 0
        self._core.commit()

    # -- NapCat's token cache ----------------------------------------------

    def resolve(self, self_id: int, group_id: int, file_id: str) -> tuple[GroupFile | None, bool]:
        """The file ``file_id`` names for ``self_id``, and whether it was a list token.

        List tokens come from the bot's cache; a fileUuid or an MD5 resolves among
        the group's files, as NapCat's cache holds them for messages the bot saw
        (only in groups it is in).
        """
        listed = self.redeem_token(self_id, file_id)
        if listed is not None:
            return listed, True
        if self._groups.find_member(group_id, self_id) is None:
            return None, False
        if file_id.startswith("/"):
            found = self.find_file(file_id)
            return (found if found and found.group_id == group_id else None), False
        return self.find_by_md5(group_id, file_id), False

    def find_for(self, self_id: int, file_id: str) -> GroupFile | None:
        """A live file any of NapCat's ids names, in any of ``self_id``'s groups."""
        listed = self.redeem_token(self_id, file_id)
        candidates = [listed] if listed is not None else [
            self.resolve(self_id, group.group_id, file_id)[0]
            for group in self._groups.of_user(self_id)]
        return next((f for f in candidates if f is not None and not f.deleted), None)

    def issue_token(self, self_id: int, file: GroupFile) -> str:
        """A fresh 32-hex list token for ``file`` in bot ``self_id``'s cache."""
        serial = int(self._db.exec(select(func.max(FileTokenRow.id))).one() or 0) + 1
        token = hashlib.md5(f"qqsim-file-token|{self_id}|{serial}".encode()).hexdigest()
        self._db.add(FileTokenRow(id=serial, token=token, self_id=self_id,
                                  group_id=file.group_id, file_uuid=file.file_uuid,
                                  used_at=self._core.now()))
        self._core.commit()
        self._evict_tokens(self_id)
        return token

    def redeem_token(self, self_id: int, token: str) -> GroupFile | None:
        """The file a list token names, if the bot's cache still has it (use refreshes it)."""
        row = self._db.exec(
            select(FileTokenRow).where(FileTokenRow.token == token,
                                       FileTokenRow.self_id == self_id)
        ).first()
        now = self._core.now()
        if row is None or now - row.used_at >= TOKEN_TTL_SECONDS:
            return None
        row.used_at = now
        self._core.commit()
        return self.find_file(row.file_uuid)

    def _evict_tokens(self, self_id: int) -> None:
        mine = select(FileTokenRow).where(FileTokenRow.self_id == self_id)
        count = self._db.exec(
            select(func.count()).select_from(FileTokenRow).where(FileTokenRow.self_id == self_id)
        ).one()
        excess = int(count) - TOKEN_CAPACITY
        if excess <= 0:
            return
        for row in self._db.exec(mine.order_by(col(FileTokenRow.used_at),
                                               col(FileTokenRow.id)).limit(excess)).all():
            self._db.delete(row)
        self._core.commit()

    # -- helpers -----------------------------------------------------------

    def _count(self, table: type[GroupFileRow] | type[GroupFolderRow], group_id: int) -> int:
        return int(self._db.exec(
            select(func.count()).select_from(table).where(table.group_id == group_id)
        ).one())

    def _live_folder(self, group_id: int, folder_id: str) -> GroupFolderRow | None:
        row = self._db.get(GroupFolderRow, folder_id)
        return row if row is not None and row.group_id == group_id and not row.deleted else None

    def _live_file(self, group_id: int, file_uuid: str) -> GroupFileRow:
        row = self._db.get(GroupFileRow, file_uuid)
        if row is None or row.group_id != group_id or not self._is_alive(row):
            raise NotFound(Why.FILE_NOT_FOUND, file_id=file_uuid)
        return row

    def _alive(self) -> ColumnElement[bool]:
        """Not deleted, and not a temporary file past its expiry."""
        now = self._core.now()
        return and_(~col(GroupFileRow.deleted),
                    or_(col(GroupFileRow.dead_time) == 0, col(GroupFileRow.dead_time) > now))

    def _is_alive(self, row: GroupFileRow) -> bool:
        return not row.deleted and (row.dead_time == 0 or row.dead_time > self._core.now())

    def _require_admin(self, actor_id: int, group_id: int) -> None:
        if not self._groups.member(group_id, actor_id).is_admin:
            raise PermissionDenied(Why.NOT_GROUP_ADMIN, user_id=actor_id, group_id=group_id)

    def _require_may_edit(self, actor_id: int, row: GroupFileRow) -> None:
        if actor_id != row.uploader_id:
            self._require_admin(actor_id, row.group_id)

    def _file_of(self, row: GroupFileRow) -> GroupFile:
        uploader = self._accounts.find(row.uploader_id)
        return GroupFile(
            file_uuid=row.file_uuid, group_id=row.group_id, folder_id=row.folder_id,
            name=row.name, size=row.size, md5=row.md5, media_name=row.media_name,
            model_id=row.model_id, uploader_id=row.uploader_id,
            uploader_name=uploader.nickname if uploader else "", upload_time=row.upload_time,
            dead_time=row.dead_time, modify_time=row.modify_time,
            download_times=row.download_times, message_id=row.message_id,
            deleted=not self._is_alive(row),
        )

    def _folder_of(self, row: GroupFolderRow) -> GroupFolder:
        creator = self._accounts.find(row.creator_id)
        count = int(self._db.exec(
            select(func.count()).select_from(GroupFileRow).where(
                GroupFileRow.folder_id == row.folder_id, self._alive())
        ).one())
        return GroupFolder(
            folder_id=row.folder_id, group_id=row.group_id, name=row.name,
            creator_id=row.creator_id, creator_name=creator.nickname if creator else "",
            created_at=row.created_at, modified_at=row.modified_at, file_count=count,
        )
