"""Turning the segments a sender gives into the segments receivers see (NapCat §6.1/6.2).

NapCat sends through the QQ kernel and reads messages back from it, so what a
bot sends is not what others receive: ``at`` loses ``name``, images get an MD5
file name, a URL and a size, music and contact cards arrive as ``json`` arks,
market faces arrive as ``image``. This module does that conversion once, at
send time, and the world stores the received form.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from ..errors import InvalidState, Why
from ..world.faces import FACE_TEXT, face_element
from .codec import escape_text, render_cq
from .context import ActionContext
from .media import media_url, resolve_media

Seg = dict[str, Any]

# Types NapCat accepts on send but drops silently.
_DROPPED = frozenset({"xml", "poke", "miniapp", "onlinefile", "flashtransfer"})
# Types NapCat sends as an element no receiver gets a segment for: ``location`` goes out
# as a share-location element with the text "测试" (its lat/lon are ignored), and
# NapCat's receiving side has no converter for that element.
_UNSEEN = frozenset({"location"})


class Chat(NamedTuple):
    """Where a message goes: a group, or a private chat with ``peer_id``.

    A named tuple: one is built per send, several times cheaper than a frozen dataclass.
    """

    chat_type: str
    group_id: int = 0
    peer_id: int = 0

    @property
    def is_group(self) -> bool:
        return self.chat_type == "group"


def compose(
    ctx: ActionContext, chat: Chat, segments: Iterable[Mapping[str, Any]]
) -> tuple[list[Seg], str]:
    """Received-form segments and ``raw_message`` for a message sent by ``ctx.self_id``."""
    if type(segments) is list and len(segments) == 1:
        plain = _plain_text(segments[0])
        if plain is not None:
            return plain
    stored: list[Seg] = []
    sent = False  # an element went to QQ, even one receivers do not see as a segment
    for segment in segments:
        kind = str(segment.get("type"))
        data = segment.get("data") or {}
        if kind in _DROPPED:
            continue
        if kind in _UNSEEN:
            sent = True
            continue
        converter = _CONVERTERS.get(kind)
        if converter is None:
            raise InvalidState(Why.UNKNOWN_SEGMENT, kind=kind)
        converted = converter(ctx, chat, data)
        if converted is not None:
            stored.append(converted)
    if not stored and not sent:
        raise InvalidState(Why.SEGMENTS_UNPARSABLE)
    if len(stored) == 1 and stored[0]["type"] == "text":
        # Most messages are one text segment (``_text`` made its text a str): what
        # ``render_cq`` would render, without its per-segment generic walk.
        return stored, escape_text(stored[0]["data"]["text"]).strip(JS_WHITESPACE)  # js_trim
    return stored, js_trim(render_cq(stored))


def _plain_text(segment: Mapping[str, Any]) -> tuple[list[Seg], str] | None:
    """``compose`` of a message that is one non-empty text segment with a string text (most
    are), without the generic walk; None for any other segment."""
    if segment.get("type") != "text":
        return None
    data = segment.get("data")
    text = data.get("text") if type(data) is dict else None
    if type(text) is not str or text == "":
        return None
    # What ``_text`` stores, and the ``raw_message`` ``render_cq`` would render for it.
    return ([{"type": "text", "data": {"text": text}}],
            escape_text(text).strip(JS_WHITESPACE))  # js_trim


#: What JavaScript's ``String.prototype.trim`` removes (ECMAScript WhiteSpace and
#: LineTerminator). NapCat trims ``raw_message`` with it; Python's ``strip()`` differs
#: (it also removes U+001C-U+001F and U+0085, and keeps U+FEFF).
JS_WHITESPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")


def js_trim(text: str) -> str:
    """``text.trim()`` as JavaScript does it."""
    return text.strip(JS_WHITESPACE)


def _seg(kind: str, **data: Any) -> Seg:
    return {"type": kind, "data": data}


def _text(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg | None:
    text = data.get("text")
    if text is None or text == "":
        return None
    return {"type": "text", "data": {"text": text if type(text) is str else str(text)}}


def _at(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg | None:
    if not chat.is_group:  # NapCat drops at-mentions in private chats
        return None
    qq = str(data.get("qq", data.get("target", ""))).strip()
    if qq == "all":
        return _seg("at", qq="all")
    if not qq.isdigit() or ctx.world.accounts.find(int(qq)) is None:
        raise InvalidState(Why.GET_UID_ERROR, qq=qq)
    return _seg("at", qq=qq)


def _reply(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg | None:
    target = None
    seq, ident = str(data.get("seq", "")), str(data.get("id", ""))
    if seq.isdigit():
        target = _message_by_seq(ctx, chat, int(seq))
    if target is None and ident.lstrip("-").isdigit():
        found = ctx.world.messages.find(int(ident))
        target = found.message_id if found else None
    # NapCat drops a reply to an unknown message and still sends the rest.
    return None if target is None else _seg("reply", id=str(target))


def _message_by_seq(ctx: ActionContext, chat: Chat, seq: int) -> int | None:
    found = (
        ctx.world.messages.by_seq("group", chat.group_id, 0, seq)
        if chat.is_group
        else ctx.world.messages.by_seq("private", ctx.self_id, chat.peer_id, seq)
    )
    return None if found is None else found.message_id


def _face(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg | None:
    face_id = str(data.get("id", ""))
    if not face_id.isdigit() or int(face_id) not in FACE_TEXT:
        return None  # NapCat drops a face its table does not know
    return _seg("face", id=face_id, raw=face_element(int(face_id), data),
                resultId=data.get("resultId"), chainCount=data.get("chainCount"))


def _random_result(sides: int) -> Callable[[ActionContext, Chat, dict[str, Any]], Seg]:
    def convert(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
        # QQ decides the outcome; the sender's "result" is ignored, as in NapCat.
        return {"type": "dice" if sides == 6 else "rps",
                "data": {"result": str(random.randint(1, sides))}}

    return convert


def media_uri(data: dict[str, Any]) -> str:
    """NapCat's choice among a media segment's sources: the first of url, file, path."""
    for key in ("url", "file", "path"):
        value = data.get(key)
        if value:
            return str(value)
    raise InvalidState(Why.URL_UNRECOGNISED, uri="")


def _image(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    media = resolve_media(ctx, media_uri(data), kind="image", name=str(data.get("name") or ""))
    raw_sub_type = str(data.get("sub_type") or 0)
    sub_type = int(raw_sub_type) if raw_sub_type.isdigit() else 0
    summary = str(data.get("summary") or ("[动画表情]" if sub_type == 1 else ""))
    return _seg("image", summary=summary, file=media.name, sub_type=sub_type,
                url=media_url(media), file_size=str(media.size))


def _record(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    media = resolve_media(ctx, media_uri(data), kind="record", name=str(data.get("name") or ""))
    return _seg("record", file=media.name, path=_local_path(ctx, media.name, media.data),
                url=media_url(media), file_size=str(media.size))


def _local_path(ctx: ActionContext, name: str, data: bytes | None) -> str:
    """Where the receiving QQ keeps the file (NapCat's ``element.filePath``): qqsim's
    storage, where ``get_record`` puts it too; "" without storage or bytes (a URL
    qqsim remembers but never fetches)."""
    if data is None:
        return ""
    try:
        return ctx.files.export(name, data)
    except InvalidState:
        return ""


def _video(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    media = resolve_media(ctx, media_uri(data), kind="video", name=str(data.get("name") or ""))
    return _seg("video", file=media.name, url=media_url(media), file_size=str(media.size))


def _file(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    name = str(data.get("name") or "")
    media = resolve_media(ctx, media_uri(data), kind="file", name=name)
    return _seg("file", file=name or media.name, file_id=media.md5.lower(),
                file_size=str(media.size))


def _mface(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    emoji_id = str(data.get("emoji_id", ""))
    first2 = emoji_id[:2]
    # Market faces come back as images (NapCat never emits an ``mface`` segment).
    return _seg(
        "image",
        summary=str(data.get("summary") or "[商城表情]"),
        file=f"{first2}-{emoji_id}.gif",
        url=f"https://gxh.vip.qq.com/club/item/parcel/item/{first2}/{emoji_id}/raw300.gif",
        key=str(data.get("key", "")),
        emoji_id=emoji_id,
        emoji_package_id=data.get("emoji_package_id"),
    )


def _json(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    payload = data.get("data", "")
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _seg("json", data=payload)


def _ark(app: str, view: str, meta: dict[str, Any], prompt: str) -> Seg:
    ark = {"app": app, "view": view, "ver": "1.0.0.0", "prompt": prompt, "meta": meta}
    return _seg("json", data=json.dumps(ark, ensure_ascii=False, separators=(",", ":")))


def _music(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    # NapCat asks a signing service for this ark; qqsim builds it locally (no network).
    platform = str(data.get("type", "qq"))
    song = str(data.get("id", ""))
    title = str(data.get("title") or f"{platform} 音乐 {song}".strip())
    meta = {
        "music": {
            "title": title,
            "desc": str(data.get("content") or data.get("singer") or ""),
            "jumpUrl": str(data.get("url") or f"https://y.qq.com/n/ryqq/songDetail/{song}"),
            "musicUrl": str(data.get("audio") or data.get("voice") or ""),
            "preview": str(data.get("image") or ""),
            "tag": platform,
        }
    }
    return _ark("com.tencent.music.lua", "music", meta, f"[分享]{title}")


def _contact(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    kind, target = str(data.get("type", "qq")), str(data.get("id", ""))
    if kind == "group":
        group = ctx.world.groups.find(int(target)) if target.isdigit() else None
        name = group.name if group else target
        meta = {"contact": {"nickname": name, "contact": f"群号：{target}", "tag": "推荐群聊"}}
        return _ark("com.tencent.troopsharecard", "contact", meta, f"推荐群聊：{name}")
    account = ctx.world.accounts.find(int(target)) if target.isdigit() else None
    name = account.nickname if account else target
    meta = {"contact": {"nickname": name, "contact": f"QQ号：{target}", "tag": "推荐好友"}}
    return _ark("com.tencent.contact.lua", "contact", meta, f"推荐联系人：{name}")


def _markdown(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    return _seg("markdown", content=str(data.get("content", "")))


def _forward(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    # NapCat builds the card from the res_id without checking that it exists.
    return _seg("forward", id=str(data.get("id", "")))


def _node(ctx: ActionContext, chat: Chat, data: dict[str, Any]) -> Seg:
    raise InvalidState(Why.NODE_MIX)


_CONVERTERS: dict[str, Callable[[ActionContext, Chat, dict[str, Any]], Seg | None]] = {
    "text": _text,
    "at": _at,
    "reply": _reply,
    "face": _face,
    "dice": _random_result(6),
    "rps": _random_result(3),
    "image": _image,
    "record": _record,
    "video": _video,
    "file": _file,
    "mface": _mface,
    "json": _json,
    "music": _music,
    "contact": _contact,
    "markdown": _markdown,
    "forward": _forward,
    "node": _node,
}
