"""CQ-code strings <-> OneBot 11 segment arrays, byte-for-byte as NapCat 4.18 does it.

Pure functions, no I/O. The rules mirror NapCat's ``helper/cqcode.ts`` (v4.18.19):

* decoding matches ``\\[CQ:(\\w+)((,\\w+=[^,\\]]*)*)]`` (JS ``\\w`` is ASCII-only);
  everything between matches is text;
* every piece — text and parameter values alike — is unescaped with the full table
  (``&#91;`` ``&#93;`` ``&#44;`` then ``&amp;`` last), because NapCat uses one
  ``unescape`` for both;
* encoding keeps every data key in order and drops keys whose value renders empty.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import TypedDict


class Segment(TypedDict):
    """One OneBot 11 message segment: ``{"type": ..., "data": {...}}``."""

    type: str
    data: dict[str, object]


class MessageFormatError(ValueError):
    """A ``message`` value is not a CQ string, a segment or a list of segments."""


# Escaping: '&' must be replaced first when escaping and last when unescaping, so
# that a literal "&#91;" survives as "&amp;#91;" and comes back unchanged.
_TEXT_ESCAPES = (("&", "&amp;"), ("[", "&#91;"), ("]", "&#93;"))
_VALUE_ESCAPES = (*_TEXT_ESCAPES, (",", "&#44;"))
_UNESCAPES = (("&#91;", "["), ("&#93;", "]"), ("&#44;", ","), ("&amp;", "&"))

# re.ASCII: NapCat's JS regex ``\w`` never matches non-ASCII letters.
_CQ_PATTERN = re.compile(r"\[CQ:(\w+)((?:,\w+=[^,\]]*)*)\]", re.ASCII)


def _replace_all(s: str, table: Iterable[tuple[str, str]]) -> str:
    for old, new in table:
        s = s.replace(old, new)
    return s


def escape_text(s: str) -> str:
    """Escape text that stands outside CQ codes (commas stay as they are)."""
    if "&" not in s and "[" not in s and "]" not in s:
        return s  # most texts: three scans in C instead of three calls
    return _replace_all(s, _TEXT_ESCAPES)


def unescape_text(s: str) -> str:
    """Undo :func:`escape_text`. Like NapCat, ``&#44;`` is decoded in text too."""
    if "&" not in s:
        return s  # every escape starts with "&"
    return _replace_all(s, _UNESCAPES)


def escape_value(s: str) -> str:
    """Escape a CQ parameter value (text escapes plus ``,`` -> ``&#44;``)."""
    return _replace_all(s, _VALUE_ESCAPES)


def unescape_value(s: str) -> str:
    """Undo :func:`escape_value`."""
    return _replace_all(s, _UNESCAPES)


# --------------------------------------------------------------------- decoding


def _parse_params(params: str) -> dict[str, object]:
    data: dict[str, object] = {}
    # ``params`` is "" or ",k=v,k=v"; the regex guarantees each piece has an '='.
    for piece in params[1:].split(",") if params else ():
        key, _, value = piece.partition("=")
        data[key] = unescape_value(value)  # a repeated key keeps its first position
    return data


def parse_cq(s: str) -> list[Segment]:
    """Decode a CQ-code string into segments; malformed codes stay literal text."""
    if not isinstance(s, str):
        raise MessageFormatError(f"a CQ-code message must be a string, got {_kind(s)}")
    segments: list[Segment] = []
    if "[CQ:" not in s:  # no code can match: spares the regex scanner (most messages)
        _append_text(segments, s)
        return segments
    pos = 0
    for match in _CQ_PATTERN.finditer(s):
        _append_text(segments, s[pos : match.start()])
        segments.append({"type": match[1], "data": _parse_params(match[2])})
        pos = match.end()
    _append_text(segments, s[pos:])
    return segments


def _append_text(segments: list[Segment], raw: str) -> None:
    # Only raw text between codes comes here; a ``[CQ:text,...]`` code stays its
    # own segment, exactly as NapCat leaves it.
    if raw:
        segments.append({"type": "text", "data": {"text": unescape_text(raw)}})


# --------------------------------------------------------------------- encoding


def _js_number(x: float) -> str:
    # JS Number#toString: 1.0 -> "1", nan -> "NaN"; good enough for segment data.
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    return repr(x)


def _js_string(value: object) -> str:
    """``String(value)`` in JS, which NapCat applies to non-object data values."""
    if value is None:
        return ""  # undefined/null: skipped at top level, empty inside arrays
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, list | tuple):
        # Array#toString joins with ','; NapCat does not JSON-encode arrays.
        return ",".join(_js_string(item) for item in value)
    if isinstance(value, Mapping):
        return "[object Object]"  # only reachable inside an array
    return str(value)


def _render_value(value: object) -> str:
    if isinstance(value, Mapping):
        # NapCat 4.18 JSON-encodes plain objects (earlier builds wrote [object Object]).
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            return ""  # NapCat catches a failed stringify and skips the key
    return _js_string(value)


def render_segment(segment: Mapping[str, object]) -> str:
    """Encode one segment: text becomes escaped text, anything else a CQ code."""
    seg_type = _js_string(segment.get("type"))
    raw_data = segment.get("data")
    data: Mapping[str, object] = raw_data if isinstance(raw_data, Mapping) else {}
    if seg_type == "text":
        return escape_text(_js_string(data.get("text")))
    parts = [f"[CQ:{seg_type}"]
    for key, value in data.items():
        text = _render_value(value)
        if text:  # None and anything rendering to "" are left out
            parts.append(f",{key}={escape_value(text)}")
    parts.append("]")
    return "".join(parts)


def render_cq(segments: Iterable[Mapping[str, object]]) -> str:
    """Encode segments as a CQ-code string (the form of ``raw_message``)."""
    return "".join(render_segment(segment) for segment in segments)


# ------------------------------------------------------------ message intake


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _normalize_segment(item: object, where: str) -> Segment:
    if not isinstance(item, Mapping):
        raise MessageFormatError(f"{where} must be a segment object, got {_kind(item)}")
    seg_type = item.get("type")
    if not isinstance(seg_type, str):
        raise MessageFormatError(f"{where} needs a string 'type', got {_kind(seg_type)}")
    data = item.get("data")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise MessageFormatError(
            f"{where} ({seg_type!r}) has 'data' of type {_kind(data)}; expected an object"
        )
    # Fresh dicts so callers never see their input mutated; values stay untouched.
    return {"type": seg_type, "data": {str(k): v for k, v in data.items()}}


def to_segments(message: object, *, auto_escape: bool = False) -> list[Segment]:
    """Normalise an OneBot ``message`` (CQ string, one segment, or a list) to segments.

    ``auto_escape`` only affects strings: the whole string becomes one text segment,
    neither parsed nor unescaped (NapCat does this even for an empty string).
    """
    if isinstance(message, str):
        if auto_escape:
            return [{"type": "text", "data": {"text": message}}]
        return parse_cq(message)
    if isinstance(message, Mapping):
        return [_normalize_segment(message, "message")]
    if isinstance(message, list):
        return [_normalize_segment(item, f"message[{i}]") for i, item in enumerate(message)]
    raise MessageFormatError(
        "message must be a CQ-code string, a segment object or a list of segments, "
        f"got {_kind(message)}"
    )


def segments_to_text(segments: Iterable[Mapping[str, object]]) -> str:
    """A plain-text preview for logs: text as is, other segments as ``[type]``."""
    out: list[str] = []
    for segment in segments:
        seg_type = _js_string(segment.get("type"))
        data = segment.get("data")
        if seg_type == "text" and isinstance(data, Mapping):
            out.append(_js_string(data.get("text")))
        else:
            out.append(f"[{seg_type}]")
    return "".join(out)
