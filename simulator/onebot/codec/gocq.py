"""go-cqhttp's segment dialect: how it reports a received message's segments.

qqsim stores segments as NapCat reports them; go-cqhttp 1.2 builds its own from
the same QQ elements (``coolq/cqcode.go``, ``toElements``): every value a string,
fewer keys, camelCase ``subType``, ``<md5>.image`` file names, and NapCat-only
segments dropped. Its CQ strings keep keys with empty values (``url=``) and escape
as NapCat does (``internal/msg/element.go``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from .cqcode import Segment, escape_text, escape_value

Data = Mapping[str, Any]

#: go-cqhttp's busid of a group file (QQ's 102).
GROUP_FILE_BUSID = "102"


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _stem(name: object) -> str:
    return PurePosixPath(_s(name)).stem.lower()


def _image(data: Data, group: bool) -> Segment:
    if data.get("emoji_id"):  # a market face: go-cqhttp reports its name as text
        return {"type": "text", "data": {"text": _s(data.get("summary"))}}
    out: dict[str, object] = {"file": f"{_stem(data.get('file'))}.image"}
    if group:  # GroupImageElement carries the biz type; FriendImageElement does not
        out["subType"] = _s(data.get("sub_type") or 0)
    out["url"] = _s(data.get("url"))
    return {"type": "image", "data": out}


def _keep(*keys: str) -> Callable[[str], Callable[[Data, bool], Segment]]:
    def for_type(kind: str) -> Callable[[Data, bool], Segment]:
        def convert(data: Data, group: bool) -> Segment:
            return {"type": kind, "data": {k: _s(data.get(k)) for k in keys}}
        return convert
    return for_type


def _video(data: Data, group: bool) -> Segment:
    return {"type": "video", "data": {"file": f"{_stem(data.get('file'))}.video",
                                      "url": _s(data.get("url"))}}


def _file(data: Data, group: bool) -> Segment:
    return {"type": "file", "data": {"path": _s(data.get("file_id")),
                                     "name": _s(data.get("file")),
                                     "size": _s(data.get("file_size") or 0),
                                     "busid": GROUP_FILE_BUSID}}


def _value(kind: str) -> Callable[[Data, bool], Segment]:
    def convert(data: Data, group: bool) -> Segment:
        return {"type": kind, "data": {"value": _s(data.get("result", data.get("value")))}}
    return convert


_CONVERTERS: dict[str, Callable[[Data, bool], Segment]] = {
    "text": _keep("text")("text"),
    "at": _keep("qq")("at"),
    "reply": _keep("id")("reply"),
    "face": _keep("id")("face"),
    "image": _image,
    "record": _keep("file", "url")("record"),
    "video": _video,
    "file": _file,
    "dice": _value("dice"),
    "rps": _value("rps"),
    "json": _keep("data")("json"),
    "xml": _keep("data", "resid")("xml"),
    "forward": _keep("id")("forward"),
    "redbag": _keep("title")("redbag"),
}


def gocq_segments(segments: Iterable[Mapping[str, Any]], *, group: bool) -> list[Segment]:
    """NapCat-shaped segments as go-cqhttp reports them (unknown kinds are dropped)."""
    out: list[Segment] = []
    for segment in segments:
        convert = _CONVERTERS.get(_s(segment.get("type")))
        if convert is not None:
            data = segment.get("data")
            out.append(convert(data if isinstance(data, Mapping) else {}, group))
    return out


def render_gocq(segments: Iterable[Mapping[str, Any]]) -> str:
    """go-cqhttp's CQ string (``Element.CQCode``): every key kept, even an empty one."""
    parts: list[str] = []
    for segment in segments:
        data = segment.get("data") or {}
        kind = _s(segment.get("type"))
        if kind == "text":
            parts.append(escape_text(_s(data.get("text"))))
            continue
        parts.append(f"[CQ:{kind}")
        parts.extend(f",{k}={escape_value(_s(v))}" for k, v in data.items())
        parts.append("]")
    return "".join(parts)


def gocq_message(segments: Iterable[Mapping[str, Any]], *, group: bool,
                 string_format: bool) -> tuple[object, str]:
    """``(message, raw_message)`` for a message's stored segments, in go-cqhttp's form."""
    converted = gocq_segments(segments, group=group)
    raw = render_gocq(converted)
    return (raw if string_format else converted), raw
