"""Meta events NapCat generates per WebSocket connection."""

from __future__ import annotations

from typing import Any


def lifecycle_connect(self_id: int, now: int) -> dict[str, Any]:
    return {
        "time": now,
        "self_id": self_id,
        "post_type": "meta_event",
        "meta_event_type": "lifecycle",
        "sub_type": "connect",
    }


def heartbeat(self_id: int, now: int, interval_ms: int, online: bool = True) -> dict[str, Any]:
    return {
        "time": now,
        "self_id": self_id,
        "post_type": "meta_event",
        "meta_event_type": "heartbeat",
        "status": {"online": online, "good": True},
        "interval": interval_ms,
    }
