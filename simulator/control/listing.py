"""Keeping every list the control API answers under a megabyte, whatever the world holds.

A list item (a message, an action, a frame) can hold anything a bot sent: a
10 MB text, a 50k-node list. Listed, such strings are cut to ``MAX_STRING``
characters and lists to ``MAX_ITEMS`` items, saying how much was left out
(``recording.shortened``); an item still over ``MAX_ITEM_BYTES`` is cut much
harder, and one still too large is replaced by a stub that says so. A page is
filled until ``RESPONSE_BUDGET`` bytes and then ends early (the caller tells the
client where to go on), so no answer exceeds ``RESPONSE_BUDGET`` plus a small
envelope, well under 1 MB.
"""

from __future__ import annotations

from typing import Any

from ..recording import shortened
from .common import json_text

#: The most items one page may ask for.
MAX_LIMIT = 1000
#: Bytes of listed items in one answer (the envelope around them is small).
RESPONSE_BUDGET = 768 * 1024
MAX_STRING = 4096
MAX_ITEMS = 200
MAX_ITEM_BYTES = 64 * 1024
# The harder cut for an item still over MAX_ITEM_BYTES.
TIGHT_STRING, TIGHT_ITEMS = 200, 20
#: Fields kept on a stub, so the client still knows which item it stands for.
STUB_FIELDS = ("kind", "seq", "message_id", "time", "bot_id", "action", "sender_id",
               "chat_type", "group_id", "peer_id")


def _size(item: Any) -> int:
    return len(json_text(item).encode("utf-8"))


def listable(item: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``item`` as a list shows it, and its size in bytes once encoded."""
    cut = shortened(item, MAX_STRING, MAX_ITEMS, "listed")
    size = _size(cut)
    if size <= MAX_ITEM_BYTES:
        return cut, size
    cut = shortened(item, TIGHT_STRING, TIGHT_ITEMS, "listed")
    size = _size(cut)
    if size <= MAX_ITEM_BYTES:
        return cut, size
    stub = {key: item[key] for key in STUB_FIELDS if key in item}
    stub["too_large"] = f"{size} bytes even when cut: read it from Python (sim.actions...)"
    return stub, _size(stub)


def fit(items: list[dict[str, Any]], budget: int = RESPONSE_BUDGET
        ) -> tuple[list[dict[str, Any]], bool]:
    """The leading items that fit ``budget`` bytes, each as listed; and whether any was left."""
    kept: list[dict[str, Any]] = []
    used = 0
    for item in items:
        shown, size = listable(item)
        if kept and used + size > budget:
            return kept, True
        kept.append(shown)
        used += size + 1
    return kept, False
