"""Media files handed back to bots: a local copy of stored media (get_image, get_file...)."""

from __future__ import annotations

import base64
from typing import TypedDict

from ...errors import NotFound, Why
from ..context import ActionContext
from ..media import media_url
from ..params import Params, Str


class UrlResult(TypedDict):
    url: str


class FileParams(Params):
    file: Str = ""
    file_id: Str = ""


class MediaFile(TypedDict, total=False):
    file: str
    url: str
    file_size: str
    file_name: str
    base64: str


def media_file(ctx: ActionContext, p: FileParams, kind: str, ext: str | None) -> MediaFile:
    name = p.file or p.file_id
    media = ctx.world.media.find(name) if name else None
    if media is None or (kind != "file" and media.kind != kind):
        raise NotFound(Why.MEDIA_NOT_FOUND, name=name)
    data = media.data or b""
    file_name = media.name if ext is None else f"{media.name.rsplit('.', 1)[0]}.{ext}"
    result: MediaFile = {
        "file": ctx.files.export(file_name, data),
        "url": media_url(media),
        "file_size": str(media.size),
        "file_name": file_name,
    }
    if ext is not None:
        result["base64"] = base64.b64encode(data).decode()
    return result
