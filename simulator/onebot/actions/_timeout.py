"""A group send QQ refuses fails as NapCat's does: late, with its kernel's timeout text.

NapCat checks nothing before sending (``SendMsg.ts``): a muted bot, or one
outside the group, hands the message to the QQ kernel, which never confirms
it; ``MsgApi.sendMsg`` then times out (``helper/event.ts``) after
``timeout.baseTimeout`` (10 s) plus the time its upload speed allows for the
media (``config.ts`` ``calculateTimeout``), or the request's ``timeout`` (ms).
The profile's ``kernel_send_timeout`` holds the base; None keeps qqsim's own
immediate, explicit refusal.
"""

from __future__ import annotations

from typing import Any

from ...catalogue.napcat import render
from ...errors import KernelTimeout, NotFound, PermissionDenied, Why
from ...world import Message
from ..context import ActionContext
from ._util import loose_int

#: NapCat's text for a send whose confirmation never came (``catalogue/napcat.py``).
KERNEL_SEND_TIMEOUT_TEXT = render(Why.SEND_TIMEOUT, {})
#: NapCat's defaults: ``timeout.uploadSpeedKBps`` and ``timeout.maxTimeout`` (seconds),
#: and the size it assumes for a media element that states none.
UPLOAD_KBPS = 256
MAX_TIMEOUT = 1800.0
UNSTATED_SIZE = 3000
_MEDIA = frozenset({"image", "record", "video", "file"})


def post_group(ctx: ActionContext, group_id: int, segments: list[dict[str, Any]], raw: str,
               timeout_ms: Any = None) -> Message:
    """``World.messages.post_group`` as the bot, failing NapCat's way when QQ refuses."""
    try:
        return ctx.world.messages.post_group(ctx.self_id, group_id, segments, raw)
    except (NotFound, PermissionDenied) as exc:
        base = ctx.profile.kernel_send_timeout
        if base is None:
            raise
        seconds = send_timeout(base, segments, timeout_ms)
        raise KernelTimeout(Why.SEND_TIMEOUT, seconds) from exc


def send_timeout(base: float, segments: list[dict[str, Any]], timeout_ms: Any = None) -> float:
    """Seconds NapCat waits for the kernel to confirm a send of ``segments``."""
    override = loose_int(timeout_ms)
    if override is not None and override > 0:
        return min(override / 1000, MAX_TIMEOUT)
    size = sum(_size(s) for s in segments if s.get("type") in _MEDIA)
    return min(base + size / 1024 / UPLOAD_KBPS, MAX_TIMEOUT)


def _size(segment: dict[str, Any]) -> int:
    stated = loose_int((segment.get("data") or {}).get("file_size"))
    return stated if stated else UNSTATED_SIZE
