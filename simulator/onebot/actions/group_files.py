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

from ...errors import InvalidState, NotFound, WorldError
from ...world import Message
from ...world.files import GROUP_FILE_BUSID, ROOT, GroupFile, GroupFolder
from ...world.media import Media
from ..codec import render_cq
from ..context import ActionContext
from ..media import resolve_media
from ..params import Bool, Id, Int, Params, Str
from ..registry import Origin, action
from ._util import bot_group, unchecked

DEFAULT_TOTAL_SPACE = 10 * 1024 * 1024 * 1024  # a normal group's 10 GiB
FILE_LIMIT = 10_000
#: The retCode qqsim puts in QQ's answer when QQ refuses (QQ's own codes vary).
REFUSED = -1


def group_file_url(file_uuid: str, md5: str) -> str:
    """The ftn download URL NapCat builds for a group file (``?fname=`` left empty)."""
    handle = (file_uuid.encode() + bytes.fromhex(md5)).hex()
    return f"https://njc-download.ftn.qq.com/ftn_handler/{handle}/?fname="


def upload_to_group(
    ctx: ActionContext, group_id: int, media: Media, name: str, folder_id: str = ROOT,
    *, temporary: bool = False,
) -> tuple[GroupFile, Message]:
    """Put ``media`` in the group's files as ``ctx.self_id``, as QQ does: by a file message.

    The group sees a message with one ``file`` segment, then the ``group_upload``
    notice; both fail together (e.g. when the uploader is muted).
    """
    files = ctx.world.files
    files.check_upload(ctx.self_id, group_id, folder_id)
    if media.data is None:
        raise InvalidState("文件处理失败: qqsim 不下载远程文件, 请用 base64:// "
                           f"或存储目录内的路径, uri= {media.source}")
    if media.size == 0:
        raise InvalidState("文件异常，大小为0")
    file_uuid = files.new_file_uuid(group_id)
    url = group_file_url(file_uuid, media.md5)
    segment = {"type": "file", "data": {"file": name, "file_id": file_uuid,
                                        "file_size": str(media.size), "url": url}}
    message = ctx.world.messages.post_group(ctx.self_id, group_id, [segment],
                                            render_cq([segment]))
    file = files.add_file(ctx.self_id, group_id, media, name=name, file_uuid=file_uuid,
                          folder_id=folder_id, message_id=message.message_id,
                          temporary=temporary)
    return file, message


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
    file, _ = upload_to_group(ctx, p.group_id, media, p.name or media.name,
                              _folder_param(p.folder, p.folder_id))
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


class GroupIdParams(Params):
    group_id: Id


@action("get_group_file_system_info", origin=Origin.GOCQ)
def get_group_file_system_info(ctx: ActionContext, p: GroupIdParams) -> SystemInfo:
    """How many files the group holds and how much of its space they use."""
    if ctx.world.groups.find(p.group_id) is None:
        raise NotFound("Group not found")
    bot_group(ctx, p.group_id)
    count, used = ctx.world.files.usage(p.group_id)
    return {"file_count": count, "limit_count": FILE_LIMIT, "used_space": used,
            "total_space": DEFAULT_TOTAL_SPACE}


# -- one file ----------------------------------------------------------------


def _resolve(ctx: ActionContext, group_id: int, file_id: str) -> tuple[GroupFile | None, bool]:
    """The file ``file_id`` names for this bot, and whether it was a list token.

    List tokens come from the bot's cache; a fileUuid or an MD5 resolves among
    the group's files, as NapCat's cache holds them for messages the bot saw.
    """
    files = ctx.world.files
    listed = files.redeem_token(ctx.self_id, file_id)
    if listed is not None:
        return listed, True
    if ctx.world.groups.find_member(group_id, ctx.self_id) is None:
        return None, False
    if file_id.startswith("/"):
        found = files.find_file(file_id)
        return (found if found and found.group_id == group_id else None), False
    return files.find_by_md5(group_id, file_id), False


def find_group_file(ctx: ActionContext, file_id: str) -> GroupFile | None:
    """A live group file any of NapCat's ids names, in any of the bot's groups (for get_file)."""
    listed = ctx.world.files.redeem_token(ctx.self_id, file_id)
    candidates = [listed] if listed is not None else [
        _resolve(ctx, group.group_id, file_id)[0]
        for group in ctx.world.groups.of_user(ctx.self_id)]
    return next((f for f in candidates if f is not None and not f.deleted), None)


def _known_file(ctx: ActionContext, group_id: int, file_id: str) -> GroupFile:
    file, _ = _resolve(ctx, group_id, file_id)
    if file is None:
        raise NotFound("real fileUUID not found!")
    return file


class FileIdParams(Params):
    group_id: Id
    file_id: Str


class UrlResult(TypedDict):
    url: str


@action("get_group_file_url", origin=Origin.GOCQ)
def get_group_file_url(ctx: ActionContext, p: FileIdParams) -> UrlResult:
    """The download URL of a group file (any of NapCat's three id kinds)."""
    file = _known_file(ctx, p.group_id, p.file_id)
    if file.deleted or file.group_id != p.group_id:
        raise NotFound("获取群文件链接失败: 文件不存在或已删除")
    return {"url": group_file_url(file.file_uuid, file.md5)}


def _result(error: WorldError | None) -> dict[str, Any]:
    if error is None:
        return {"retCode": 0, "retMsg": "ok", "clientWording": ""}
    return {"retCode": REFUSED, "retMsg": str(error), "clientWording": str(error)}


@action("delete_group_file", origin=Origin.GOCQ)
def delete_group_file(ctx: ActionContext, p: FileIdParams) -> dict[str, Any]:
    """Delete a file by a list token (uploader or admin); QQ's answer is passed through."""
    file, listed = _resolve(ctx, p.group_id, p.file_id)
    if file is None or not listed:
        raise InvalidState("Invalid file_id")
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
        raise InvalidState(str(exc)) from None
    return {"ok": True}
