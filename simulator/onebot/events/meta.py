"""Meta events NapCat generates per WebSocket connection."""

from __future__ import annotations

from typing import Any

from ..profiles import NAPCAT, Profile

#: go-cqhttp's ``stat`` (MiraiGo's ``Statistics``): qqsim counts no packets.
_STAT_KEYS = ("packet_received", "packet_sent", "packet_lost", "message_received",
              "message_sent", "disconnect_times", "lost_times", "last_message_time")


def lifecycle_connect(self_id: int, now: int) -> dict[str, Any]:
    return {
        "time": now,
        "self_id": self_id,
        "post_type": "meta_event",
        "meta_event_type": "lifecycle",
        "sub_type": "connect",
    }


def status_object(profile: Profile, online: bool = True) -> dict[str, Any]:
    """The bot's status as a heartbeat carries it: NapCat's ``{online, good}``, or
    go-cqhttp's full ``get_status`` object (``coolq/api.go`` CQGetStatus)."""
    status: dict[str, Any] = dict(profile.status_head)
    status["online"] = online
    status["good"] = online if profile.status_stat else True
    if profile.status_stat:
        status["stat"] = dict.fromkeys(_STAT_KEYS, 0)
    return status


def heartbeat(self_id: int, now: int, interval_ms: int, online: bool = True,
              profile: Profile = NAPCAT) -> dict[str, Any]:
    return {
        "time": now,
        "self_id": self_id,
        "post_type": "meta_event",
        "meta_event_type": "heartbeat",
        "status": status_object(profile, online),
        "interval": interval_ms,
    }
