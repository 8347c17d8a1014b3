"""Online files (在线文件) and flash transfer (闪传), kept in the world.

An online file is offered in a private chat: the receiver sees a private
message with an ``onlinefile`` segment and takes or refuses it with
``receive_online_file``/``refuse_online_file``; the sender hears
``online_file_send`` (receive/refuse) and can withdraw with
``cancel_online_file`` (the receiver hears ``online_file_receive``/cancel).
A flash-transfer file set is created from files in qqsim's storage, shared by
link or posted as a ``flashtransfer`` message.

Local paths are read only inside qqsim's storage. NapCat passes the kernel's
answers through: failures come back as ``result: -1`` with an ``errMsg``.
"""

from __future__ import annotations

import logging
from pathlib import PurePath
from typing import Any, TypedDict

from ...errors import InvalidState, NotFound, Why, WorldError
from ...world.transfers import FLASH_LIFETIME, FlashSet, OnlineFile, TransferFile
from ..codec import render_cq
from ..context import ActionContext
from ..media import media_url
from ..params import Params, Str, UserParams
from ..registry import Origin, action
from ._util import loose_int, nt_uid, unchecked

FAILED = -1  # the kernel's GeneralCallResultStatus.ERROR
log = logging.getLogger("qqsim.action")


def _failed(message: str, **extra: Any) -> dict[str, Any]:
    return {"result": FAILED, "errMsg": message, **extra}


def _user(ctx: ActionContext, raw: str) -> int:
    user_id = loose_int(raw)
    if user_id is None or ctx.world.accounts.find(user_id) is None:
        raise NotFound(Why.PEER_NOT_FOUND, user_id=raw)
    return user_id


def _read_local(ctx: ActionContext, path: str) -> bytes | None:
    """A storage file's bytes, None if it does not exist (outside the storage: an error)."""
    try:
        return ctx.files.read(path)
    except InvalidState as exc:
        if exc.why is Why.PATH_OUTSIDE_STORAGE:
            raise
        return None


def _stored(ctx: ActionContext, name: str, data: bytes) -> TransferFile:
    ext = PurePath(name).suffix.lstrip(".") or "bin"
    media = ctx.world.media.put(data, kind="file", ext=ext[:5])
    return TransferFile(name, media.name, media.size)


def _folder(ctx: ActionContext, path: str) -> list[TransferFile] | None:
    names = ctx.files.list_dir(path)
    if names is None:
        return None
    base = path.rstrip("/\\")
    return [_stored(ctx, name, ctx.files.read(f"{base}/{name}")) for name in names]


# -- online files ------------------------------------------------------------------------


class SendOnlineFileParams(Params):
    user_id: Str
    file_path: Str
    file_name: Str | None = None


def _offered(ctx: ActionContext, receiver: int, name: str, files: list[TransferFile],
             is_dir: bool, what: str) -> dict[str, Any]:
    try:
        offer = ctx.world.transfers.offer(ctx.self_id, receiver, name, files, is_dir=is_dir,
                                          raw_of=render_cq)
    except WorldError:
        # NapCat polls the chat for ten seconds for the message that never appears.
        return _failed(f"[NapCat] Send Online {what} Timeout: Message not found in history.")
    return {"result": 0, "errMsg": "", "msgId": offer.msg_id, "elementId": offer.element_id}


@action("send_online_file", origin=Origin.NAPCAT)
def send_online_file(ctx: ActionContext, p: SendOnlineFileParams) -> dict[str, Any]:
    """Offer a storage file to a user as an online file (private chat only)."""
    receiver = _user(ctx, p.user_id)
    data = _read_local(ctx, p.file_path)
    if data is None:
        raise InvalidState(Why.LOCAL_FILE_NOT_FOUND, path=p.file_path)
    name = p.file_name or PurePath(p.file_path).name
    return _offered(ctx, receiver, name, [_stored(ctx, name, data)], False, "File")


class SendOnlineFolderParams(Params):
    user_id: Str
    folder_path: Str
    folder_name: Str | None = None


@action("send_online_folder", origin=Origin.NAPCAT)
def send_online_folder(ctx: ActionContext, p: SendOnlineFolderParams) -> dict[str, Any]:
    """Offer a storage folder (with every file under it) to a user as an online folder."""
    receiver = _user(ctx, p.user_id)
    files = _folder(ctx, p.folder_path)
    if files is None:
        if _read_local(ctx, p.folder_path) is None:
            return _failed(f"Folder not found: {p.folder_path}")
        return _failed(f"Path is not a directory: {p.folder_path}")
    name = p.folder_name or PurePath(p.folder_path.rstrip("/\\")).name
    return _offered(ctx, receiver, name, files, True, "Folder")


def _raw_message(ctx: ActionContext, offer: OnlineFile) -> dict[str, Any]:
    """The offer as the kernel's message object (file element 23, folder element 30)."""
    return {
        "msgId": offer.msg_id, "msgType": 3, "subMsgType": 0, "chatType": 1,
        "senderUid": nt_uid(offer.sender_id), "senderUin": str(offer.sender_id),
        "peerUid": nt_uid(offer.receiver_id if offer.sender_id == ctx.self_id
                          else offer.sender_id),
        "msgTime": str(offer.created_at),
        "elements": [{
            "elementType": 30 if offer.is_dir else 23, "elementId": offer.element_id,
            "fileElement": {"fileName": offer.name, "filePath": "",
                            "fileSize": "" if offer.is_dir else str(offer.size),
                            "fileMd5": "", "fileUuid": "", "transferStatus": offer.state},
        }],
    }


@action("get_online_file_msg", origin=Origin.NAPCAT)
def get_online_file_msg(ctx: ActionContext, p: UserParams) -> dict[str, Any]:
    """Online-file offers in the private chat with a user, as the kernel lists them."""
    peer = _user(ctx, p.user_id)
    offers = ctx.world.transfers.online_files(ctx.self_id, peer)
    return {"result": 0, "errMsg": "", "msgList": [_raw_message(ctx, o) for o in offers]}


class OnlineAnswerParams(Params):
    user_id: Str
    msg_id: Str
    element_id: Str


def _answer(ctx: ActionContext, p: OnlineAnswerParams, accept: bool) -> OnlineFile:
    sender = _user(ctx, p.user_id)
    for offer in ctx.world.transfers.online_files(ctx.self_id, sender):
        if offer.msg_id == p.msg_id and offer.element_id != p.element_id:
            raise NotFound(Why.ELEMENT_NOT_FOUND, element_id=p.element_id)
    return ctx.world.transfers.answer(ctx.self_id, sender, p.msg_id, accept=accept)


@action("receive_online_file", origin=Origin.NAPCAT)
def receive_online_file(ctx: ActionContext, p: OnlineAnswerParams) -> dict[str, Any]:
    """Take an online file offered to the bot; the sender is told it was received."""
    try:
        offer = _answer(ctx, p, accept=True)
    except WorldError as exc:
        return _failed(str(exc))
    paths = [ctx.files.export(PurePath(f.name).name, _data(ctx, f)) for f in offer.files]
    return {"result": 0, "errMsg": "", "filePath": paths[0] if len(paths) == 1 else ""}


def _data(ctx: ActionContext, file: TransferFile) -> bytes:
    media = ctx.world.media.find(file.media_name)
    return media.data if media is not None and media.data is not None else b""


@action("refuse_online_file", origin=Origin.NAPCAT, void=True)
def refuse_online_file(ctx: ActionContext, p: OnlineAnswerParams) -> None:
    """Refuse an online file offered to the bot; the sender is told (no data, as NapCat)."""
    unchecked(ctx, "refuse_online_file", _answer, ctx, p, False)


class CancelParams(Params):
    user_id: Str
    msg_id: Str


@action("cancel_online_file", origin=Origin.NAPCAT, void=True)
def cancel_online_file(ctx: ActionContext, p: CancelParams) -> None:
    """Withdraw an online file the bot offered; the receiver is told (no data)."""
    receiver = _user(ctx, p.user_id)
    unchecked(ctx, "cancel_online_file", ctx.world.transfers.cancel, ctx.self_id, receiver,
              p.msg_id)


# -- flash transfer -----------------------------------------------------------------------


class FlashTaskParams(Params):
    files: list[Str] | Str
    name: Str | None = None
    thumb_path: Str | None = None


def share_link(flash: FlashSet) -> str:
    return f"https://qfile.qq.com/q?code={flash.share_code}"


@action("create_flash_task", origin=Origin.NAPCAT)
def create_flash_task(ctx: ActionContext, p: FlashTaskParams) -> dict[str, Any]:
    """Upload storage files (or folders) as a flash-transfer file set with a share link."""
    paths = p.files if isinstance(p.files, list) else [p.files]
    files: list[TransferFile] = []
    for path in paths:
        inside = _folder(ctx, path)
        if inside is not None:
            files += inside
            continue
        data = _read_local(ctx, path)
        if data is None:
            return _failed(f"文件不存在: {path}")
        files.append(_stored(ctx, PurePath(path).name, data))
    flash = ctx.world.transfers.create_flash_set(ctx.self_id, p.name or "", files)
    expire = flash.created_at + FLASH_LIFETIME
    return {"result": 0, "errMsg": "", "seq": 0, "createFlashTransferResult": {
        "fileSetId": flash.fileset_id, "shareLink": share_link(flash),
        "expireTime": str(expire), "expireLeftTime": str(expire - ctx.world.now())}}


class FilesetParams(Params):
    fileset_id: Str


class SendFlashParams(FilesetParams):
    user_id: Str | None = None
    group_id: Str | None = None


@action("send_flash_msg", origin=Origin.NAPCAT)
def send_flash_msg(ctx: ActionContext, p: SendFlashParams) -> dict[str, Any]:
    """Post a file set in a group or a private chat as a ``flashtransfer`` message."""
    if p.group_id:
        target, dest_type, dest = {"group_id": loose_int(p.group_id) or 0}, 2, p.group_id
    elif p.user_id:
        user_id = _user(ctx, p.user_id)
        dest_type = 1 if ctx.world.accounts.is_friend(ctx.self_id, user_id) else 100
        target, dest = {"user_id": user_id}, nt_uid(user_id)
    else:
        raise InvalidState(Why.PEER_MISSING)
    status = {"result": 0, "msg": "", "target": {"destType": dest_type, "destUid": dest}}
    try:
        ctx.world.transfers.send_flash_set(ctx.self_id, p.fileset_id, raw_of=render_cq,
                                           **target)
    except WorldError as exc:
        status.update(result=FAILED, msg=str(exc))
        return {"errCode": FAILED, "errMsg": str(exc), "rsp": {"sendStatus": [status]}}
    return {"errCode": 0, "errMsg": "", "rsp": {"sendStatus": [status]}}


def _flash(ctx: ActionContext, fileset_id: str) -> FlashSet | dict[str, Any]:
    try:
        return ctx.world.transfers.flash_set(fileset_id)
    except WorldError as exc:
        return _failed(str(exc))


@action("get_share_link", origin=Origin.NAPCAT)
def get_share_link(ctx: ActionContext, p: FilesetParams) -> dict[str, Any]:
    """A file set's share link and when it expires."""
    flash = _flash(ctx, p.fileset_id)
    if isinstance(flash, dict):
        return {**flash, "shareLink": "", "expireTimestamp": "0"}
    return {"result": 0, "errMsg": "", "shareLink": share_link(flash),
            "expireTimestamp": str(flash.created_at + FLASH_LIFETIME)}


def _fileset_info(ctx: ActionContext, flash: FlashSet) -> dict[str, Any]:
    owner = ctx.world.accounts.get(flash.owner_id)
    return {
        "fileSetId": flash.fileset_id, "name": flash.name, "namePinyin": "",
        "totalFileCount": len(flash.files), "totalFileSize": flash.size, "permission": {},
        "shareInfo": {"shareLink": share_link(flash), "extractionCode": ""},
        "uploaders": [{"uin": str(owner.user_id), "nickname": owner.nickname,
                       "uid": nt_uid(owner.user_id), "sendEntrance": ""}],
        "expireLeftTime": max(flash.created_at + FLASH_LIFETIME - ctx.world.now(), 0),
        "createTime": flash.created_at, "expireTime": flash.created_at + FLASH_LIFETIME,
        "firstLevelItemCount": len(flash.files), "taskId": flash.fileset_id,
        "uploadInfo": {"totalUploadedFileSize": flash.size, "successCount": len(flash.files),
                       "failedCount": 0},
        "transferType": 1, "isLocalCreate": flash.owner_id == ctx.self_id, "status": 3,
        "uploadStatus": 3, "downloadStatus": 0,
    }


@action("get_fileset_info", origin=Origin.NAPCAT)
def get_fileset_info(ctx: ActionContext, p: FilesetParams) -> dict[str, Any]:
    """A file set's name, size, uploader and expiry."""
    flash = _flash(ctx, p.fileset_id)
    if isinstance(flash, dict):
        return flash
    return {"result": 0, "errMsg": "", "seq": 0, "isCache": False,
            "fileSet": _fileset_info(ctx, flash)}


def _file_info(ctx: ActionContext, flash: FlashSet, index: int, file: TransferFile
               ) -> dict[str, Any]:
    media = ctx.world.media.find(file.media_name)
    return {
        "fileSetId": flash.fileset_id, "cliFileId": f"{flash.fileset_id}-{index}",
        "isDir": False, "parentId": "", "depth": 1, "cliFileIndex": index,
        "name": file.name, "fileSize": str(file.size), "fileCount": 1,
        "srvFileId": media.md5.lower() if media else "", "sha1": "",
        "physical": {"id": media.md5.lower() if media else "", "url": media_url(media)
                     if media else "", "status": 2, "localPath": ""},
        "uploadStatus": 3, "downloadStatus": 0, "status": 3,
    }


@action("get_flash_file_list", origin=Origin.NAPCAT)
def get_flash_file_list(ctx: ActionContext, p: FilesetParams) -> dict[str, Any]:
    """The files of a file set (one folder level, as NapCat asks for)."""
    flash = _flash(ctx, p.fileset_id)
    if isinstance(flash, dict):
        return {"seq": 0, "result": FAILED, "errMs": flash["errMsg"], "fileLists": []}
    files = [_file_info(ctx, flash, i, f) for i, f in enumerate(flash.files)]
    return {"seq": 0, "result": 0, "errMs": "", "fileLists": [{
        "parentId": "", "depth": 1, "fileList": files, "paginationInfo": {}, "isEnd": True,
        "isCache": False}]}


class FlashUrlParams(FilesetParams):
    file_name: Str | None = None
    file_index: int | None = None


class FlashUrl(TypedDict):
    result: int
    errMsg: str
    transferUrl: str


@action("get_flash_file_url", origin=Origin.NAPCAT)
def get_flash_file_url(ctx: ActionContext, p: FlashUrlParams) -> FlashUrl:
    """A download URL for one file of a set, by name or 0-based index."""
    flash = _flash(ctx, p.fileset_id)
    files = [] if isinstance(flash, dict) else flash.files
    for index, file in enumerate(files):
        if (p.file_name is not None and file.name == p.file_name) or index == p.file_index:
            media = ctx.world.media.find(file.media_name)
            url = media_url(media) if media else ""
            return {"result": 0, "errMsg": "", "transferUrl": url}
    return {"result": FAILED, "errMsg": "未找到对应文件", "transferUrl": ""}


@action("download_fileset", origin=Origin.NAPCAT)
def download_fileset(ctx: ActionContext, p: FilesetParams) -> dict[str, Any]:
    """Download a whole file set into qqsim's storage."""
    flash = _flash(ctx, p.fileset_id)
    if isinstance(flash, dict):
        return {**flash, "extraInfo": None}
    paths = [ctx.files.export(PurePath(f.name).name, _data(ctx, f)) for f in flash.files]
    folder = str(PurePath(paths[0]).parent) if paths else ""
    return {"result": 0, "errMsg": "", "extraInfo": {"saveFileSetDir": folder,
                                                     "filePaths": paths}}


class ShareCodeParams(Params):
    share_code: Str


class FilesetId(TypedDict, total=False):
    fileset_id: str


@action("get_fileset_id", origin=Origin.NAPCAT)
def get_fileset_id(ctx: ActionContext, p: ShareCodeParams) -> FilesetId:
    """The file set behind a share code or link (``{}`` when none matches, as NapCat)."""
    code = p.share_code.split("=", 1)[1] if "=" in p.share_code else p.share_code
    try:
        flash = ctx.world.transfers.flash_set_by_code(code)
    except WorldError:  # expired
        flash = None
    return {} if flash is None else {"fileset_id": flash.fileset_id}
