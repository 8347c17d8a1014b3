"""Group files and folders (go-cqhttp's file API as NapCat serves it, plus NapCat's own).

NapCat has three kinds of file id, and a bot must use the right one:

* ``upload_group_file`` returns the kernel fileUuid (``/<uuid>``); the ``file``
  segment of the upload message carries it too.
* the ``group_upload`` notice's ``file.id`` is the file's MD5.
* ``get_group_root_files``/``get_group_files_by_folder`` hand out a fresh
  32-hex token per file per listing, kept a day in the bot's cache.

Every kind works for ``get_group_file_url``, ``move_group_file``,
``rename_group_file`` and ``trans_group_file``; only a list token can delete.
Deleting, creating and removing folders pass QQ's answer through (a refusal is a
successful call whose ``retCode`` is not 0), as NapCat does.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import InvalidState, NotFound, Why, WorldError
from ...world.files import GROUP_FILE_BUSID, ROOT, GroupFile, GroupFolder, group_file_url
from ..codec import render_cq
from ..context import ActionContext
from ..media import resolve_media
from ..params import Bool, GroupIdParams, Id, Int, Params, Str
from ..registry import Origin, action
from ._media_files import UrlResult
from ._util import bot_group, unchecked

DEFAULT_TOTAL_SPACE = 10 * 1024 * 1024 * 1024  # a normal group's 10 GiB
FILE_LIMIT = 10_000
#: The retCode qqsim puts in QQ's answer when QQ refuses (QQ's own codes vary).
REFUSED = -1


def _folder_param(*values: str | None) -> str:
    """NapCat's ``folder ?? folder_id``; empty means the root."""
    chosen = next((v for v in values if v is not None), "")
    return chosen or ROOT


class UploadGroupFileParams(Params):
    group_id: Id
    file: Str
    name: Str
    folder: Str | None = None
    folder_id: Str | None = None
    upload_file: Bool = True


class UploadResult(TypedDict):
    file_id: str | None


@action("upload_group_file", origin=Origin.GOCQ)
def upload_group_file(ctx: ActionContext, p: UploadGroupFileParams) -> UploadResult:
    """Upload a file into the group's files (a file message and a group_upload notice)."""
    bot_group(ctx, p.group_id)
    media = resolve_media(ctx, p.file, kind="file", name=p.name)
    file, _ = ctx.world.files.upload(ctx.self_id, p.group_id, media, p.name or media.name,
                                     raw_of=render_cq,
                                     folder_id=_folder_param(p.folder, p.folder_id))
    return {"file_id": file.file_uuid}


# -- listing -------------------------------------------------------------------


class FileEntry(TypedDict):
    group_id: int
    file_id: str
    file_name: str
    busid: int
    size: int
    file_size: int
    upload_time: int
    dead_time: int
    modify_time: int
    download_times: int
    uploader: int
    uploader_name: str


class FolderEntry(TypedDict):
    group_id: int
    folder_id: str
    folder: str
    folder_name: str
    create_time: int
    creator: int
    creator_name: str
    total_file_count: int


class FileList(TypedDict):
    files: list[FileEntry]
    folders: list[FolderEntry]


def _file_entry(ctx: ActionContext, file: GroupFile) -> FileEntry:
    return {
        "group_id": file.group_id,
        "file_id": ctx.world.files.issue_token(ctx.self_id, file),
        "file_name": file.name,
        "busid": GROUP_FILE_BUSID,
        "size": file.size,
        "file_size": file.size,
        "upload_time": file.upload_time,
        "dead_time": file.dead_time,
        "modify_time": file.modify_time,
        "download_times": file.download_times,
        "uploader": file.uploader_id,
        "uploader_name": file.uploader_name,
    }


def _folder_entry(folder: GroupFolder) -> FolderEntry:
    return {
        "group_id": folder.group_id,
        "folder_id": folder.folder_id,
        "folder": folder.folder_id,
        "folder_name": folder.name,
        "create_time": folder.created_at,
        "creator": folder.creator_id,
        "creator_name": folder.creator_name,
        "total_file_count": folder.file_count,
    }


def _limit(count: int | str) -> int | None:
    """NapCat's ``+file_count``: a positive number caps the items; anything else lists all."""
    if isinstance(count, str):
        count = int(count) if count.strip().isdigit() else 0
    return count if count > 0 else None


class RootFilesParams(Params):
    group_id: Id
    file_count: Int | Str = 50


@action("get_group_root_files", origin=Origin.GOCQ)
def get_group_root_files(ctx: ActionContext, p: RootFilesParams) -> FileList:
    """Folders and files at the root of the group's files, each file with a fresh token."""
    bot_group(ctx, p.group_id)
    folders: list[Any] = list(ctx.world.files.folders(p.group_id))
    items = folders + list(ctx.world.files.files(p.group_id, ROOT))
    limit = _limit(p.file_count)
    if limit is not None:  # QQ counts folders and files together
        items = items[:limit]
    return {
        "files": [_file_entry(ctx, f) for f in items if isinstance(f, GroupFile)],
        "folders": [_folder_entry(f) for f in items if isinstance(f, GroupFolder)],
    }


class FolderFilesParams(Params):
    group_id: Id
    folder_id: Str | None = None
    folder: Str | None = None
    file_count: Int | Str = 50


@action("get_group_files_by_folder", origin=Origin.GOCQ)
def get_group_files_by_folder(ctx: ActionContext, p: FolderFilesParams) -> FileList:
    """Files in one folder (NapCat never lists sub-folders here)."""
    bot_group(ctx, p.group_id)
    folder_id = _folder_param(p.folder, p.folder_id)
    files = ctx.world.files.files(p.group_id, folder_id)
    limit = _limit(p.file_count)
    return {"files": [_file_entry(ctx, f) for f in files[:limit]], "folders": []}


class SystemInfo(TypedDict):
    file_count: int
    limit_count: int
    used_space: int
    total_space: int


@action("get_group_file_system_info", origin=Origin.GOCQ)
def get_group_file_system_info(ctx: ActionContext, p: GroupIdParams) -> SystemInfo:
    """How many files the group holds and how much of its space they use."""
    if ctx.world.groups.find(p.group_id) is None:
        raise NotFound(Why.FILE_GROUP_NOT_FOUND, group_id=p.group_id)
    bot_group(ctx, p.group_id)
    count, used = ctx.world.files.usage(p.group_id)
    return {"file_count": count, "limit_count": FILE_LIMIT, "used_space": used,
            "total_space": DEFAULT_TOTAL_SPACE}


# -- one file ----------------------------------------------------------------


def find_group_file(ctx: ActionContext, file_id: str) -> GroupFile | None:
    """A live group file any of NapCat's ids names, in any of the bot's groups (for get_file)."""
    return ctx.world.files.find_for(ctx.self_id, file_id)


def _known_file(ctx: ActionContext, group_id: int, file_id: str) -> GroupFile:
    file, _ = ctx.world.files.resolve(ctx.self_id, group_id, file_id)
    if file is None:
        raise NotFound(Why.FILE_UUID_NOT_FOUND, file_id=file_id)
    return file


class FileIdParams(Params):
    group_id: Id
    file_id: Str


@action("get_group_file_url", origin=Origin.GOCQ)
def get_group_file_url(ctx: ActionContext, p: FileIdParams) -> UrlResult:
    """The download URL of a group file (any of NapCat's three id kinds)."""
    file = _known_file(ctx, p.group_id, p.file_id)
    if file.deleted or file.group_id != p.group_id:
        raise NotFound(Why.FILE_URL_UNAVAILABLE, file_id=p.file_id)
    return {"url": group_file_url(file.file_uuid, file.md5)}


def _result(error: WorldError | None) -> dict[str, Any]:
    if error is None:
        return {"retCode": 0, "retMsg": "ok", "clientWording": ""}
    return {"retCode": REFUSED, "retMsg": str(error), "clientWording": str(error)}


@action("delete_group_file", origin=Origin.GOCQ)
def delete_group_file(ctx: ActionContext, p: FileIdParams) -> dict[str, Any]:
    """Delete a file by a list token (uploader or admin); QQ's answer is passed through."""
    file, listed = ctx.world.files.resolve(ctx.self_id, p.group_id, p.file_id)
    if file is None or not listed:
        raise InvalidState(Why.BAD_FILE_ID, file_id=p.file_id)
    error: WorldError | None = None
    try:
        ctx.world.files.delete_file(ctx.self_id, p.group_id, file.file_uuid)
    except WorldError as exc:
        error = exc
    done = [file.file_uuid] if error is None else []
    return {"result": 0, "errMsg": "", "transGroupFileResult": {
        "result": _result(error), "successFileIdList": done,
        "failFileIdList": [] if error is None else [file.file_uuid]}}


class CreateFolderParams(Params):
    group_id: Id
    folder_name: Str | None = None
    name: Str | None = None


@action("create_group_file_folder", origin=Origin.GOCQ)
def create_group_file_folder(ctx: ActionContext, p: CreateFolderParams) -> dict[str, Any]:
    """Create a folder at the root (admins only; QQ's answer is passed through)."""
    bot_group(ctx, p.group_id)
    try:
        folder = ctx.world.files.create_folder(ctx.self_id, p.group_id,
                                               p.folder_name or p.name or "")
    except WorldError as exc:
        return {"result": _result(exc), "groupItem": None}
    info = {
        "folderId": folder.folder_id, "parentFolderId": ROOT, "folderName": folder.name,
        "createTime": folder.created_at, "modifyTime": folder.modified_at,
        "createUin": str(folder.creator_id), "creatorName": folder.creator_name,
        "totalFileCount": folder.file_count, "modifyUin": str(folder.creator_id),
        "modifyName": folder.creator_name, "usedSpace": "0",
    }
    return {"result": _result(None),
            "groupItem": {"peerId": str(p.group_id), "type": 2, "folderInfo": info}}


class FolderParams(Params):
    group_id: Id
    folder_id: Str | None = None
    folder: Str | None = None


@action("delete_group_folder", origin=Origin.GOCQ)
def delete_group_folder(ctx: ActionContext, p: FolderParams) -> dict[str, Any]:
    """Delete a folder and its files (admins only; QQ's answer is passed through)."""
    bot_group(ctx, p.group_id)
    folder_id = p.folder if p.folder is not None else (p.folder_id or "")
    try:
        ctx.world.files.delete_folder(ctx.self_id, p.group_id, folder_id)
    except WorldError as exc:
        return _result(exc)
    return _result(None)


class OkResult(TypedDict):
    ok: bool


class MoveParams(Params):
    group_id: Id
    file_id: Str
    current_parent_directory: Str
    target_parent_directory: Str


@action("move_group_file", origin=Origin.NAPCAT)
def move_group_file(ctx: ActionContext, p: MoveParams) -> OkResult:
    """Move a file between folders; like NapCat, ``ok`` even when QQ refuses."""
    file = _known_file(ctx, p.group_id, p.file_id)
    unchecked(ctx, "move_group_file", ctx.world.files.move_file, ctx.self_id, p.group_id,
              file.file_uuid, p.current_parent_directory, p.target_parent_directory)
    return {"ok": True}


class RenameParams(Params):
    group_id: Id
    file_id: Str
    current_parent_directory: Str
    new_name: Str


@action("rename_group_file", origin=Origin.NAPCAT)
def rename_group_file(ctx: ActionContext, p: RenameParams) -> OkResult:
    """Rename a file; like NapCat, ``ok`` even when QQ refuses."""
    file = _known_file(ctx, p.group_id, p.file_id)
    unchecked(ctx, "rename_group_file", ctx.world.files.rename_file, ctx.self_id, p.group_id,
              file.file_uuid, p.current_parent_directory, p.new_name)
    return {"ok": True}


@action("trans_group_file", origin=Origin.NAPCAT)
def trans_group_file(ctx: ActionContext, p: FileIdParams) -> OkResult:
    """Make a temporary group file permanent."""
    file = _known_file(ctx, p.group_id, p.file_id)
    try:
        ctx.world.files.make_permanent(ctx.self_id, p.group_id, file.file_uuid)
    except WorldError as exc:
        raise InvalidState(Why.REFUSED, cause=exc) from None
    return {"ok": True}
