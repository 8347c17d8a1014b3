"""NapCat's tools: downloads into qqsim's storage, OCR, translation, URL checks,
custom faces, mini-program cards and collections.

Files go only into qqsim's storage directory and are read only from there.
OCR and translation have no service behind them: OCR reads the text an image
carries in its own metadata (PNG text chunks, JPEG comments), translation uses
a small built-in word list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import PurePath
from typing import Any, TypedDict
from urllib.parse import unquote, urlparse

from pydantic import field_validator

from ...errors import BadParams, InvalidState, NotFound, Why
from ...world.favorites import Collection, CustomFace
from ..context import ActionContext
from ..images import embedded_text, image_size_or_fallback
from ..media import resolve_media
from ..params import Params, Str
from ..registry import Backing, Origin, action
from ._nt import NtResult, js_int, nt_ok, number_or_string
from ._util import nt_uid

# -- download_file ----------------------------------------------------------------------


class DownloadParams(Params):
    url: Str | None = None
    base64: Str | None = None
    name: Str | None = None
    headers: Any = None
    thread_count: Any = None  # go-cqhttp's; NapCat ignores it


class DownloadedFile(TypedDict):
    file: str


def _decode_base64(payload: str) -> bytes:
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False)
    except (binascii.Error, ValueError):
        raise InvalidState(Why.BAD_BASE64) from None


def _fetch(ctx: ActionContext, url: str) -> bytes:
    """The bytes ``url`` names, from base64 data or qqsim's storage (never the network)."""
    if url.startswith("base64://"):
        return _decode_base64(url.removeprefix("base64://"))
    if url.startswith("data:") and ";base64," in url:
        return _decode_base64(url.split(";base64,", 1)[1])
    if url.startswith(("http://", "https://")):
        # qqsim makes no outbound connection (and the OneBot layer does no I/O).
        raise InvalidState(Why.NO_DOWNLOADS, url=url)
    path = unquote(urlparse(url).path) if url.startswith("file://") else url
    return ctx.files.read(path)


@action("download_file", origin=Origin.GOCQ)
def download_file(ctx: ActionContext, p: DownloadParams) -> DownloadedFile:
    """Save base64 data or a storage file under qqsim's storage; returns its path."""
    if p.base64:
        data = _decode_base64(p.base64)
    elif p.url:
        data = _fetch(ctx, p.url)
    else:
        raise InvalidState(Why.NOTHING_TO_DOWNLOAD)
    # Without a name NapCat names the file by its MD5 (lower-case hex, no extension).
    name = PurePath(p.name).name if p.name else hashlib.md5(data).hexdigest()
    if not name:
        raise InvalidState(Why.FILE_WRITE_FAILED, name=p.name)
    return {"file": ctx.files.export(name, data)}


# -- OCR, translation, URL safety -------------------------------------------------------


class OcrParams(Params):
    image: Str


def _point(x: int, y: int) -> dict[str, str]:
    return {"x": str(x), "y": str(y)}


def _box(left: int, top: int, right: int, bottom: int) -> dict[str, dict[str, str]]:
    return {"pt1": _point(left, top), "pt2": _point(right, top),
            "pt3": _point(right, bottom), "pt4": _point(left, bottom)}


def _text_line(line: str, width: int, top: int, bottom: int) -> dict[str, Any]:
    step = max(width // max(len(line), 1), 1)
    chars = [{"charText": ch, "charBox": _box(i * step, top, (i + 1) * step, bottom)}
             for i, ch in enumerate(line)]
    return {"text": line, **_box(0, top, width, bottom), "charBox": chars, "score": ""}


@action("ocr_image", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED, aliases=(".ocr_image",))
def ocr_image(ctx: ActionContext, p: OcrParams) -> list[dict[str, Any]]:
    """Text boxes of the text an image carries (the kernel's Windows-OCR result shape)."""
    try:
        media = resolve_media(ctx, p.image, kind="image")
    except InvalidState:
        raise InvalidState(Why.OCR_BAD_IMAGE, image=p.image) from None
    if media.data is None:
        raise InvalidState(Why.OCR_IMAGE_MISSING, image=p.image)
    lines = [line for line in embedded_text(media.data).splitlines() if line.strip()]
    width, height = image_size_or_fallback(media.data)
    step = height // max(len(lines), 1)
    return [_text_line(line, width, i * step, (i + 1) * step) for i, line in enumerate(lines)]


# A few common words, enough for a bot's tests to see real translations.
_EN_ZH = {
    "hello": "你好", "world": "世界", "apple": "苹果", "banana": "香蕉", "cat": "猫",
    "dog": "狗", "book": "书", "computer": "计算机", "water": "水", "friend": "朋友",
    "group": "群组", "message": "消息", "robot": "机器人", "bot": "机器人", "good": "好的",
    "morning": "早上", "night": "夜晚", "thanks": "谢谢", "thank": "感谢", "yes": "是",
    "no": "不", "love": "爱", "time": "时间", "music": "音乐", "picture": "图片",
    "image": "图像", "file": "文件", "test": "测试", "hi": "嗨", "bye": "再见",
}


class TranslateParams(Params):
    words: list[Str]

    @field_validator("words", mode="before")
    @classmethod
    def _one_word_is_a_list(cls, value: Any) -> Any:
        # TypeBox turns a lone value into a one-element array where an array is wanted.
        return [value] if isinstance(value, str | int | float) else value


class Translation(TypedDict):
    words: list[str]


@action("translate_en2zh", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def translate_en2zh(ctx: ActionContext, p: TranslateParams) -> Translation:
    """English words in Chinese, from a small built-in word list (unknown words unchanged)."""
    return {"words": [_EN_ZH.get(word.strip().lower(), word) for word in p.words]}


class UrlParams(Params):
    url: Str


class UrlSafety(TypedDict):
    level: int


@action("check_url_safely", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED)
def check_url_safely(ctx: ActionContext, p: UrlParams) -> UrlSafety:
    """Always level 1 (safe), as NapCat answers without asking QQ."""
    return {"level": 1}


# -- custom faces -----------------------------------------------------------------------


class FaceCountParams(Params):
    count: Any = 48


def _face_count(raw: Any) -> int:
    count = js_int(number_or_string(raw))
    return 0 if count is None else count


def face_url(face: CustomFace) -> str:
    return f"https://p.qpic.cn/qq_expression/{face.owner_id}/{face.res_id}/0"


def _emoji_info(ctx: ActionContext, face: CustomFace) -> dict[str, Any]:
    media = ctx.world.media.find(face.media_name)
    path = ctx.files.export(face.media_name, media.data) if media and media.data else ""
    return {
        "uin": str(face.owner_id), "emoId": face.emo_id, "emoPath": path,
        "isExist": bool(path), "resId": face.res_id, "url": face_url(face), "md5": face.md5,
        "emoOriginalPath": path, "thumbPath": path, "RomaingType": "0", "isAPNG": False,
        "isMarkFace": face.is_mark_face, "eId": face.emoji_id, "epId": str(face.package_id),
        "ocrWord": "", "modifyWord": face.desc, "exposeNum": 0, "clickNum": 0,
        "desc": face.desc,
    }


@action("fetch_custom_face", origin=Origin.NAPCAT)
def fetch_custom_face(ctx: ActionContext, p: FaceCountParams) -> list[str]:
    """URLs of the bot's saved custom faces, newest first."""
    return [face_url(face) for face in ctx.world.favorites.faces(ctx.self_id,
                                                                  _face_count(p.count))]


@action("fetch_custom_face_detail", origin=Origin.NAPCAT)
def fetch_custom_face_detail(ctx: ActionContext, p: FaceCountParams) -> list[dict[str, Any]]:
    """The bot's saved custom faces with the kernel's details (resId, md5, path...)."""
    faces = ctx.world.favorites.faces(ctx.self_id, _face_count(p.count))
    return [_emoji_info(ctx, face) for face in faces]


class AddFaceParams(Params):
    file: Str
    emoji_id: Any = None
    package_id: Any = None
    file_name: Str | None = None
    file_size: Any = None
    md5: Str | None = None
    is_mark_face: bool | None = None
    is_origin: bool | None = None


@action("add_custom_face", origin=Origin.NAPCAT)
def add_custom_face(ctx: ActionContext, p: AddFaceParams) -> dict[str, Any]:
    """Save a local image (inside qqsim's storage) as a custom face."""
    data = ctx.files.read(p.file)
    package = js_int(number_or_string(p.package_id)) if p.package_id is not None else 0
    media = ctx.world.media.put(data, kind="image", ext=PurePath(p.file).suffix.lstrip(".")
                                or "jpg")
    emoji_id = number_or_string(p.emoji_id)
    face = ctx.world.favorites.add_face(
        ctx.self_id, media, file_name=p.file_name or PurePath(p.file).name,
        emoji_id="" if emoji_id is None else str(emoji_id), package_id=package or 0,
        is_mark_face=bool(p.is_mark_face))
    return {**nt_ok(), "emojiInfo": _emoji_info(ctx, face)}


class DeleteFaceParams(Params):
    res_id: Any = None
    id: Any = None
    ids: list[Str] | None = None
    md5: Any = None


def _as_list(value: Any) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise BadParams(Why.EXPECTED_UNION)


@action("delete_custom_face", origin=Origin.NAPCAT)
def delete_custom_face(ctx: ActionContext, p: DeleteFaceParams) -> NtResult:
    """Delete saved custom faces by resId (``res_id``, ``ids`` or ``id``; md5 cannot)."""
    ids = p.ids if p.ids is not None else (_as_list(p.res_id) or _as_list(p.id) or [])
    if not ids:
        raise InvalidState(Why.FACE_IDS_REQUIRED)
    ctx.world.favorites.delete_faces(ctx.self_id, ids)
    return nt_ok()


class FaceDescParams(Params):
    emoji_id: Any
    res_id: Str
    md5: Str
    desc: Str


@action("set_custom_face_desc", origin=Origin.NAPCAT)
def set_custom_face_desc(ctx: ActionContext, p: FaceDescParams) -> NtResult:
    """Change the description QQ keeps for a saved custom face."""
    number_or_string(p.emoji_id)
    if not ctx.world.favorites.describe_face(ctx.self_id, p.res_id, p.desc):
        return {"result": -1, "errMsg": f"表情 {p.res_id} 不存在"}
    return nt_ok()


# -- collections ------------------------------------------------------------------------


class CollectParams(Params):
    rawData: Str
    brief: Str


@action("create_collection", origin=Origin.NAPCAT)
def create_collection(ctx: ActionContext, p: CollectParams) -> NtResult:
    """Save text to the bot's collection (收藏) as a rich-media item."""
    ctx.world.favorites.collect(ctx.self_id, p.brief, p.rawData)
    return nt_ok()


class CollectionListParams(Params):
    category: Str
    count: Str = "50"


def _collection_item(ctx: ActionContext, item: Collection) -> dict[str, Any]:
    author = ctx.world.accounts.get(item.owner_id)
    stamp = str(item.created_ms)
    summary = {"title": "", "subTitle": "", "brief": item.brief, "picList": [],
               "contentType": 1, "originalUri": "", "publisher": "", "richMediaVersion": 0}
    return {
        "cid": item.cid, "type": 8, "status": 1,
        "author": {"type": 1, "numId": str(item.owner_id), "strId": author.nickname,
                   "groupId": "0", "groupName": "", "uid": nt_uid(item.owner_id)},
        "bid": 1, "category": item.category, "createTime": stamp, "collectTime": stamp,
        "modifyTime": stamp, "sequence": stamp, "shareUrl": "", "customGroupId": 0,
        "securityBeat": False,
        "summary": {"textSummary": None, "linkSummary": None, "gallerySummary": None,
                    "audioSummary": None, "videoSummary": None, "fileSummary": None,
                    "locationSummary": None, "richMediaSummary": summary},
    }


@action("get_collection_list", origin=Origin.NAPCAT)
def get_collection_list(ctx: ActionContext, p: CollectionListParams) -> dict[str, Any]:
    """The bot's collection, newest first (category 0: every category)."""
    category, count = js_int(p.category), js_int(p.count)
    if category is None or count is None:
        raise NotFound(Why.COLLECTION_UNAVAILABLE, category=p.category, count=p.count)
    items = ctx.world.favorites.collections(ctx.self_id, category, count + 1)
    shown = items[:count]
    return {"errCode": 0, "errMsg": "", "collectionSearchList": {
        "collectionItemList": [_collection_item(ctx, item) for item in shown],
        "hasMore": len(items) > count,
        "bottomTimeStamp": str(shown[-1].created_ms) if shown else "0",
    }}
