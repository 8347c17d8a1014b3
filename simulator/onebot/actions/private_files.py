"""Private files and ``get_file``: files bots send to people and fetch back.

A private file travels as a message with one ``file`` segment, as on QQ;
its ``file_id`` is the stored media's MD5, which ``get_file`` and
``get_private_file_url`` resolve again.
"""

from __future__ import annotations

from typing import TypedDict

from ...errors import NotFound, Why
from ...world.media import Media
from ..codec import render_cq
from ..context import ActionContext
from ..media import media_url, resolve_media
from ..params import Bool, Id, Params, Str
from ..registry import Origin, action
from ._media_files import FileParams, MediaFile, UrlResult, media_file
from ._util import require_user


class UploadPrivateFileParams(Params):
    user_id: Id
    file: Str
    name: Str
    upload_file: Bool = True


class FileIdResult(TypedDict):
    file_id: str


@action("upload_private_file", origin=Origin.GOCQ)
def upload_private_file(ctx: ActionContext, p: UploadPrivateFileParams) -> FileIdResult:
    """Send a person a file: a private message carrying one file segment."""
    require_user(ctx, p.user_id)
    media = resolve_media(ctx, p.file, kind="file", name=p.name)
    ctx.world.transfers.send_file(ctx.self_id, p.user_id, media, p.name or media.name,
                                  raw_of=render_cq)
    return {"file_id": media.md5.lower()}


class PrivateFileUrlParams(Params):
    file_id: Str


def _private_file(ctx: ActionContext, file_id: str) -> Media:
    """A file that went through one of the bot's private chats."""
    media = ctx.world.media.find(file_id)
    if media is None or media.kind != "file":
        raise NotFound(Why.MEDIA_NOT_FOUND, name=file_id)
    return media


@action("get_private_file_url", origin=Origin.NAPCAT)
def get_private_file_url(ctx: ActionContext, p: PrivateFileUrlParams) -> UrlResult:
    """The download URL of a file received in a private chat, by its segment file_id."""
    return {"url": media_url(_private_file(ctx, p.file_id))}


@action("get_file", origin=Origin.NAPCAT)
def get_file(ctx: ActionContext, p: FileParams) -> MediaFile:
    """A local copy of any file or media: by segment file name, file_id, or group file id."""
    ident = p.file or p.file_id
    if ident and ctx.world.media.find(ident) is not None:
        return media_file(ctx, p, "file", None)
    group_file = ctx.world.files.find_for(ctx.self_id, ident) if ident else None
    if group_file is None:
        raise NotFound(Why.MEDIA_NOT_FOUND, name=ident)
    media = ctx.world.media.get(group_file.media_name)
    return {
        "file": ctx.files.export(media.name, media.data or b""),
        "url": media_url(media),
        "file_size": str(group_file.size),
        "file_name": group_file.name,
    }
