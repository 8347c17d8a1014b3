"""File transfers that are not messages' attachments: online files, flash transfer, uploads.

* An **online file** (在线文件) is offered in a private chat and waits for the
  receiver: receiving or refusing answers the sender, cancelling tells the
  receiver. The offer itself is a private message carrying an ``onlinefile``
  segment.
* A **flash transfer** file set (闪传) is a bundle of files in the cloud with a
  share link; sending it posts a ``flashtransfer`` message.
* An **upload stream** is a file a bot uploads to its own NapCat in chunks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, SQLModel, col, func, select

from ..errors import InvalidState, NotFound, Why
from .accounts import Accounts
from .core import WorldCore
from .events import OnlineFileAnswered
from .groups import Groups
from .media import Media
from .messages import Messages
from .snapshots import Message, RawOf, Segment

_NT_ID_BASE = 7_500_000_000_000_000_000
# A flash transfer set stays downloadable for seven days.
FLASH_LIFETIME = 7 * 86400
# NapCat drops an unfinished upload stream after ten minutes without a chunk.
UPLOAD_STREAM_TIMEOUT = 600


class OnlineFileRow(SQLModel, table=True):
    __tablename__ = "online_file"
    msg_id: str = Field(primary_key=True)
    element_id: str
    sender_id: int = Field(index=True)
    receiver_id: int = Field(index=True)
    name: str
    size: int
    is_dir: bool = False
    files_json: str = "[]"  # [[relative name, media name, size], ...]
    message_id: int = 0  # the private message that carries the offer
    state: str = "waiting"  # waiting | received | refused | cancelled
    created_at: int = 0


class FlashSetRow(SQLModel, table=True):
    __tablename__ = "flash_set"
    fileset_id: str = Field(primary_key=True)
    owner_id: int
    name: str
    share_code: str = Field(index=True)
    files_json: str  # [[name, media name, size], ...]
    created_at: int = 0


class UploadStreamRow(SQLModel, table=True):
    __tablename__ = "upload_stream"
    bot_id: int = Field(primary_key=True)
    stream_id: str = Field(primary_key=True)
    filename: str
    total_chunks: int
    file_size: int | None = None
    expected_sha256: str = ""
    touched_at: int = 0


class UploadChunkRow(SQLModel, table=True):
    __tablename__ = "upload_chunk"
    bot_id: int = Field(primary_key=True)
    stream_id: str = Field(primary_key=True)
    index: int = Field(primary_key=True)
    data: bytes


@dataclass(frozen=True)
class TransferFile:
    name: str
    media_name: str
    size: int


@dataclass(frozen=True)
class OnlineFile:
    msg_id: str
    element_id: str
    sender_id: int
    receiver_id: int
    name: str
    size: int
    is_dir: bool
    files: list[TransferFile]
    message_id: int
    state: str
    created_at: int


@dataclass(frozen=True)
class FlashSet:
    fileset_id: str
    owner_id: int
    name: str
    share_code: str
    files: list[TransferFile]
    created_at: int

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class UploadStream:
    bot_id: int
    stream_id: str
    filename: str
    total_chunks: int
    received: list[int]
    file_size: int | None
    expected_sha256: str


class Transfers:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups,
                 messages: Messages) -> None:
        self._core = core
        self._db = core.session
        self._accounts = accounts
        self._groups = groups
        self._messages = messages

    # -- online files ------------------------------------------------------------------

    def offer(self, sender_id: int, receiver_id: int, name: str, files: list[TransferFile],
              *, is_dir: bool, raw_of: RawOf) -> OnlineFile:
        """``sender_id`` offers a file (or a folder of ``files``) to ``receiver_id``."""
        self._accounts.get(receiver_id)
        count = self._count(OnlineFileRow)
        msg_id = str(_NT_ID_BASE + 2 * count + 1)
        size = sum(f.size for f in files)
        data: dict[str, Any] = {"msgId": msg_id, "elementId": str(_NT_ID_BASE + 2 * count + 2),
                                "fileName": name, "fileSize": str(size), "isDir": is_dir}
        segments: list[Segment] = [{"type": "onlinefile", "data": data}]
        message = self._messages.post_private(sender_id, receiver_id, segments,
                                              raw_of(segments))
        row = OnlineFileRow(msg_id=msg_id, element_id=data["elementId"], sender_id=sender_id,
                            receiver_id=receiver_id, name=name, size=size, is_dir=is_dir,
                            files_json=_files_json(files), message_id=message.message_id,
                            created_at=self._core.now())
        self._db.add(row)
        self._core.commit()
        return _online_of(row)

    def send_file(self, sender_id: int, receiver_id: int, media: Media, name: str, *,
                  raw_of: RawOf) -> Message:
        """A file sent to a person, as QQ sends it: a private message with one ``file``
        segment, whose ``file_id`` is the media's MD5 (``get_file`` resolves it again)."""
        if media.data is None:
            raise InvalidState(Why.REMOTE_FILE_NOT_DOWNLOADED, uri=media.source)
        segments: list[Segment] = [{"type": "file", "data": {
            "file": name, "file_id": media.md5.lower(), "file_size": str(media.size)}}]
        return self._messages.post_private(sender_id, receiver_id, segments, raw_of(segments))

    def online_files(self, a: int, b: int) -> list[OnlineFile]:
        """Every online-file offer in the private chat of ``a`` and ``b``, oldest first."""
        rows = self._db.exec(select(OnlineFileRow).where(
            col(OnlineFileRow.sender_id).in_([a, b]), col(OnlineFileRow.receiver_id).in_([a, b]),
        ).order_by(col(OnlineFileRow.created_at), col(OnlineFileRow.msg_id))).all()
        return [_online_of(r) for r in rows if {r.sender_id, r.receiver_id} == {a, b}]

    def online_file(self, msg_id: str) -> OnlineFile:
        row = self._db.get(OnlineFileRow, msg_id)
        if row is None:
            raise NotFound(Why.ONLINE_FILE_NOT_FOUND, msg_id=msg_id)
        return _online_of(row)

    def answer(self, receiver_id: int, sender_id: int, msg_id: str, *, accept: bool
               ) -> OnlineFile:
        """The receiver takes (``accept``) or refuses a waiting offer; the sender is told."""
        row = self._waiting(msg_id, sender_id=sender_id, receiver_id=receiver_id)
        row.state = "received" if accept else "refused"
        return self._settle(row, sender_id, "receive" if accept else "refuse")

    def cancel(self, sender_id: int, receiver_id: int, msg_id: str) -> OnlineFile:
        """The sender withdraws a waiting offer; the receiver is told."""
        row = self._waiting(msg_id, sender_id=sender_id, receiver_id=receiver_id)
        row.state = "cancelled"
        return self._settle(row, receiver_id, "cancel")

    def _waiting(self, msg_id: str, *, sender_id: int, receiver_id: int) -> OnlineFileRow:
        row = self._db.get(OnlineFileRow, msg_id)
        if row is None or (row.sender_id, row.receiver_id) != (sender_id, receiver_id):
            raise NotFound(Why.ONLINE_FILE_NOT_FOUND, msg_id=msg_id)
        if row.state != "waiting":
            raise InvalidState(Why.ONLINE_FILE_ENDED, msg_id=msg_id, state=row.state)
        return row

    def _settle(self, row: OnlineFileRow, told: int, answer: str) -> OnlineFile:
        self._core.commit()
        self._core.emit(OnlineFileAnswered(time=self._core.now(),
                                           audience=self._accounts.bot_ids({told}),
                                           sender_id=row.sender_id,
                                           receiver_id=row.receiver_id, answer=answer))
        return _online_of(row)

    # -- flash transfer ----------------------------------------------------------------

    def create_flash_set(self, owner_id: int, name: str, files: list[TransferFile]) -> FlashSet:
        self._accounts.get(owner_id)
        if not files:
            raise InvalidState(Why.EMPTY_FLASH_SET, owner_id=owner_id)
        count = self._count(FlashSetRow)
        digest = hashlib.sha1(f"flash-{owner_id}-{count}".encode()).hexdigest()
        fileset_id = "-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20],
                               digest[20:32]))
        row = FlashSetRow(fileset_id=fileset_id, owner_id=owner_id,
                          name=name or files[0].name, share_code=digest[32:40],
                          files_json=_files_json(files), created_at=self._core.now())
        self._db.add(row)
        self._core.commit()
        return _flash_of(row)

    def flash_set(self, fileset_id: str) -> FlashSet:
        """A file set anyone holding its id can open, until it expires."""
        row = self._db.get(FlashSetRow, fileset_id)
        if row is None or self._core.now() >= row.created_at + FLASH_LIFETIME:
            raise NotFound(Why.FLASH_SET_NOT_FOUND, fileset_id=fileset_id)
        return _flash_of(row)

    def flash_set_by_code(self, share_code: str) -> FlashSet | None:
        row = self._db.exec(select(FlashSetRow).where(
            FlashSetRow.share_code == share_code)).first()
        return None if row is None else self.flash_set(row.fileset_id)

    def send_flash_set(self, sender_id: int, fileset_id: str, *, raw_of: RawOf,
                       group_id: int = 0, user_id: int = 0) -> Message:
        """Post the set in a group or private chat, as a ``flashtransfer`` message."""
        self.flash_set(fileset_id)
        segments: list[Segment] = [{"type": "flashtransfer", "data": {"fileSetId": fileset_id}}]
        if group_id:
            return self._messages.post_group(sender_id, group_id, segments, raw_of(segments))
        return self._messages.post_private(sender_id, user_id, segments, raw_of(segments))

    # -- upload streams ----------------------------------------------------------------

    def open_upload(self, bot_id: int, stream_id: str, *, filename: str, total_chunks: int,
                    file_size: int | None, expected_sha256: str) -> UploadStream:
        self._expire_uploads()
        row = UploadStreamRow(bot_id=bot_id, stream_id=stream_id, filename=filename,
                              total_chunks=total_chunks, file_size=file_size,
                              expected_sha256=expected_sha256, touched_at=self._core.now())
        self._db.add(row)
        self._core.commit()
        return self._upload_of(row)

    def find_upload(self, bot_id: int, stream_id: str) -> UploadStream | None:
        self._expire_uploads()
        row = self._db.get(UploadStreamRow, (bot_id, stream_id))
        return None if row is None else self._upload_of(row)

    def add_chunk(self, bot_id: int, stream_id: str, index: int, data: bytes) -> UploadStream:
        """Keep chunk ``index`` (a chunk already held is ignored, as NapCat ignores it)."""
        row = self._upload_row(bot_id, stream_id)
        if not 0 <= index < row.total_chunks:
            raise InvalidState(Why.BAD_CHUNK_INDEX, stream_id=stream_id, index=index)
        if self._db.get(UploadChunkRow, (bot_id, stream_id, index)) is None:
            self._db.add(UploadChunkRow(bot_id=bot_id, stream_id=stream_id, index=index,
                                        data=data))
            row.touched_at = self._core.now()
            self._core.commit()
        return self._upload_of(row)

    def finish_upload(self, bot_id: int, stream_id: str) -> bytes:
        """The whole file, chunks in order; the stream is gone afterwards."""
        row = self._upload_row(bot_id, stream_id)
        chunks = self._chunks(bot_id, stream_id)
        for index in range(row.total_chunks):
            if index not in chunks:
                raise InvalidState(Why.MISSING_CHUNK, stream_id=stream_id, index=index)
        data = b"".join(chunks[i] for i in range(row.total_chunks))
        if row.expected_sha256 and hashlib.sha256(data).hexdigest() != row.expected_sha256:
            raise InvalidState(Why.SHA256_MISMATCH, expected=row.expected_sha256,
                               got=hashlib.sha256(data).hexdigest())
        self.drop_upload(bot_id, stream_id)
        return data

    def drop_upload(self, bot_id: int, stream_id: str | None = None) -> int:
        """Forget one stream (or all of ``bot_id``'s); return how many were dropped."""
        query = select(UploadStreamRow).where(UploadStreamRow.bot_id == bot_id)
        if stream_id is not None:
            query = query.where(UploadStreamRow.stream_id == stream_id)
        rows = self._db.exec(query).all()
        for row in rows:
            for chunk in self._db.exec(select(UploadChunkRow).where(
                    UploadChunkRow.bot_id == bot_id,
                    UploadChunkRow.stream_id == row.stream_id)).all():
                self._db.delete(chunk)
            self._db.delete(row)
        self._core.commit()
        return len(rows)

    def _expire_uploads(self) -> None:
        cutoff = self._core.now() - UPLOAD_STREAM_TIMEOUT
        stale = self._db.exec(select(UploadStreamRow).where(
            col(UploadStreamRow.touched_at) < cutoff)).all()
        for row in stale:
            self.drop_upload(row.bot_id, row.stream_id)

    def _upload_row(self, bot_id: int, stream_id: str) -> UploadStreamRow:
        row = self._db.get(UploadStreamRow, (bot_id, stream_id))
        if row is None:
            raise NotFound(Why.STREAM_NOT_FOUND, stream_id=stream_id)
        return row

    def _chunks(self, bot_id: int, stream_id: str) -> dict[int, bytes]:
        rows = self._db.exec(select(UploadChunkRow).where(
            UploadChunkRow.bot_id == bot_id, UploadChunkRow.stream_id == stream_id)).all()
        return {r.index: r.data for r in rows}

    def _upload_of(self, row: UploadStreamRow) -> UploadStream:
        received = sorted(self._chunks(row.bot_id, row.stream_id))
        return UploadStream(row.bot_id, row.stream_id, row.filename, row.total_chunks,
                            received, row.file_size, row.expected_sha256)

    def _count(self, table: type[SQLModel]) -> int:
        return int(self._db.exec(select(func.count()).select_from(table)).one())


def _files_json(files: list[TransferFile]) -> str:
    return json.dumps([[f.name, f.media_name, f.size] for f in files], ensure_ascii=False)


def _files_of(text: str) -> list[TransferFile]:
    return [TransferFile(name, media, size) for name, media, size in json.loads(text)]


def _online_of(row: OnlineFileRow) -> OnlineFile:
    return OnlineFile(row.msg_id, row.element_id, row.sender_id, row.receiver_id, row.name,
                      row.size, row.is_dir, _files_of(row.files_json), row.message_id,
                      row.state, row.created_at)


def _flash_of(row: FlashSetRow) -> FlashSet:
    return FlashSet(row.fileset_id, row.owner_id, row.name, row.share_code,
                    _files_of(row.files_json), row.created_at)


def transfer_file(name: str, media: Media) -> TransferFile:
    return TransferFile(name, media.name, media.size)
