"""Big inline media decoded off the event loop before its frame is answered.

Decoding, hashing and (for a voice) writing a 36 MB payload cost ~250 ms; done on the loop
they would hold every other connection that long. The frame's reader enters ``prepared``
around answering the frame: each big payload is decoded and hashed in a worker thread
(pybase64 and hashlib let go of the GIL) and offered to the OneBot layer's
``resolve_media``, which then only records it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress

import trio

from ..errors import InvalidState
from ..onebot import media
from ..onebot.context import FileAccess

#: Payloads decoded at once (each holds its bytes in memory until its request is answered).
OFFLOAD_THREADS = 2
_SEGMENT_KINDS = frozenset({"image", "record", "video", "file"})
_limiter: trio.lowlevel.RunVar[trio.CapacityLimiter] = trio.lowlevel.RunVar("qqsim_media")


def big_inline(params: object) -> Iterator[tuple[str, str, str]]:
    """Each big inline URI in ``params``: (URI, segment kind or "", the segment's name).

    Visits every value once (at most ``Limits.json_values_max``: a few ms)."""
    stack = [params]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            data = value.get("data")
            kind = value.get("type")
            if isinstance(data, dict) and kind in _SEGMENT_KINDS:
                for uri in data.values():
                    if isinstance(uri, str) and len(uri) > media.OFFLOAD_MIN:
                        yield uri, str(kind), str(data.get("name") or "")
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) > media.OFFLOAD_MIN:
            yield value, "", ""


@asynccontextmanager
async def prepared(params: object, files: FileAccess) -> AsyncIterator[None]:
    """Decode and hash the big inline media of ``params`` off the loop (and write a
    voice's file to the storage, as composing it does); ``resolve_media`` uses them
    while this is entered (around answering these params; a call held by a delay fault
    is answered later, and decodes on the loop)."""
    offered: list[media.Decoded] = []
    try:
        seen: set[int] = set()
        for uri, kind, name in big_inline(params):
            start = media.payload_start(uri)
            if start is None or id(uri) in seen:
                continue  # a segment's string is also visited as a plain value
            seen.add(id(uri))
            decoded = await _offload(uri, start, kind, name, files)
            media.offer(decoded)
            offered.append(decoded)
        yield
    finally:
        for decoded in offered:
            media.withdraw(decoded)


async def _offload(uri: str, start: int, kind: str, name: str,
                   files: FileAccess) -> media.Decoded:
    try:
        limiter = _limiter.get()
    except LookupError:
        limiter = trio.CapacityLimiter(OFFLOAD_THREADS)
        _limiter.set(limiter)
    try:
        decoded = await trio.to_thread.run_sync(media.decode_inline, uri, start,
                                                limiter=limiter)
    except InvalidState:
        return media.Decoded("", b"", "")  # never matches: resolve_media reports the bad URI
    if kind == "record":
        # compose exports a voice to the storage (``_local_path``): do the write here.
        export_name = f"{decoded.md5}.{media.inline_ext(uri, kind, name)}"
        with suppress(InvalidState):  # no storage: compose leaves the path empty
            await trio.to_thread.run_sync(files.export, export_name, decoded.data,
                                          limiter=limiter)
    return decoded
