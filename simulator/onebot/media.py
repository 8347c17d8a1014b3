"""Resolving the media URIs NapCat accepts in segments and file parameters.

Accepted, as in NapCat: ``base64://``, ``data:<mime>;base64,``, ``file://``
paths and bare local paths, ``http(s)://`` URLs, and the ``file`` name of
media the world already holds. Unlike NapCat, a local path is read only
inside qqsim's storage directory, and a URL is remembered but never fetched
(the OneBot layer does no I/O, and no option turns fetching on: the former
``--allow-remote-media`` flag fetched nothing and is gone), so a bot under test
cannot make qqsim read arbitrary files or reach the network.

Inline media costs about 3-4 ms per MB to decode, hash and store. A big one (over
``OFFLOAD_MIN`` base64 characters) is decoded and hashed ahead, off the event loop, by the
adapters (``adapters/media_offload.py``), which ``offer`` the result here for the request
being answered; ``resolve_media`` then only records it (SQLite's copy of the bytes, ~1.2 ms
per MB, stays in the answering step). This layer itself stays free of I/O and threads.
"""

from __future__ import annotations

import binascii
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pybase64

from ..errors import InvalidState
from ..why import Why
from ..world.media import Media
from .context import ActionContext

_DEFAULT_EXT = {"image": "jpg", "record": "amr", "video": "mp4", "file": "bin"}
#: Inline media longer than this (base64 characters, ~0.75 MB of bytes: ~3 ms on the loop)
#: is worth decoding and hashing ahead, off the loop.
OFFLOAD_MIN = 1024 * 1024


@dataclass(frozen=True)
class Decoded:
    """An inline payload decoded ahead: its bytes and their MD5."""

    uri: str  # the very string of the parameters: looked up by identity
    data: bytes
    md5: str


#: Payloads decoded ahead for the request being answered, by ``id`` of their URI string
#: (matched by identity too: an equal string elsewhere is decoded as usual).
_ready: dict[int, Decoded] = {}


def offer(decoded: Decoded) -> None:
    """Let ``resolve_media`` use ``decoded`` for its URI until ``withdraw``."""
    _ready[id(decoded.uri)] = decoded


def withdraw(decoded: Decoded) -> None:
    if _ready.get(id(decoded.uri)) is decoded:
        del _ready[id(decoded.uri)]


def decode_inline(uri: str, start: int) -> Decoded:
    """Decode and hash an inline payload (pybase64 and hashlib let go of the GIL: this is
    what a worker thread runs)."""
    data = _decode_b64(uri, start)
    return Decoded(uri, data, hashlib.md5(data).hexdigest().upper())


def _fail(uri: str) -> InvalidState:
    shown = uri if len(uri) < 80 else uri[:77] + "..."
    return InvalidState(Why.URL_UNRECOGNISED, uri=shown)


def _ext_from_name(name: str, kind: str) -> str:
    suffix = Path(name).suffix.lstrip(".").lower()
    return suffix if suffix and len(suffix) <= 5 and suffix.isalnum() else _DEFAULT_EXT[kind]


def _decode_b64(uri: str, start: int) -> bytes:
    """The base64 payload of ``uri`` from ``start``, leniently as ``base64.b64decode``.

    Strict base64 (what encoders write) goes through pybase64 (SIMD), unsliced: the stdlib
    took ~40 ms of one event-loop step for a 10 MB image, this ~5 ms. Anything else (line
    breaks, stray characters) goes to the stdlib, whose leniency pybase64 does not share.
    """
    try:
        payload = memoryview(uri.encode("ascii"))[start:]
    except UnicodeEncodeError:
        raise _fail(uri) from None
    try:
        return pybase64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return binascii.a2b_base64(payload)  # what base64.b64decode(validate=False) runs
    except (binascii.Error, ValueError):
        raise _fail(uri) from None


def payload_start(uri: str) -> int | None:
    """Where the base64 payload of an inline URI starts; None for any other URI."""
    if uri.startswith("base64://"):
        return len("base64://")
    if uri.startswith("data:") and ";base64," in uri:
        return uri.index(";base64,") + len(";base64,")
    return None


def inline_ext(uri: str, kind: str, name: str) -> str:
    if uri.startswith("data:"):
        mime = uri[5:uri.index(";base64,")]
        return (mimetypes.guess_extension(mime) or "").lstrip(".") or _DEFAULT_EXT[kind]
    return _ext_from_name(name, kind)


def resolve_media(ctx: ActionContext, uri: str, *, kind: str, name: str = "") -> Media:
    """Store (or find) the media ``uri`` points to and return it."""
    store = ctx.world.media
    start = payload_start(uri)
    if start is not None:
        ext = inline_ext(uri, kind, name)
        decoded = _ready.get(id(uri))
        if decoded is not None and decoded.uri is uri:
            return store.put(decoded.data, kind=kind, ext=ext, md5=decoded.md5)
        return store.put(_decode_b64(uri, start), kind=kind, ext=ext)
    if uri.startswith(("http://", "https://")):
        ext = _ext_from_name(name or urlparse(uri).path, kind)
        return store.put_reference(uri, kind=kind, ext=ext)
    known = store.find(uri)
    if known is not None:
        return known
    if uri.startswith("file://"):
        path = unquote(urlparse(uri).path)
        data = ctx.files.read(path)
        return store.put(data, kind=kind, ext=_ext_from_name(name or path, kind))
    if uri and ("/" in uri or "\\" in uri):
        data = ctx.files.read(uri)
        return store.put(data, kind=kind, ext=_ext_from_name(name or uri, kind))
    raise _fail(uri)


def media_url(media: Media) -> str:
    """The download URL a received segment shows (an rkey'd QQ multimedia URL in NapCat)."""
    if media.source.startswith(("http://", "https://")):
        return media.source
    return f"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid={media.md5}&rkey=qqsim"


