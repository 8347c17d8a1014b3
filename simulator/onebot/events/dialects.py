"""Event dialects: how another implementation reshapes NapCat's events.

Renderers produce NapCat's events; a profile names a dialect that rewrites
them as its implementation would send them (or drops the ones it never
sends, or adds ones NapCat never sends). The NapCat dialect is the identity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...world import events as ev
from ...world.events import EssenceRemoved, GroupFileUploaded
from ..codec.gocq import gocq_message

Event = dict[str, Any]
Dialect = Callable[[Event | None, ev.DomainEvent, int], Event | None]

# NapCat's own notices that go-cqhttp never sends: (notice_type, sub_type or None).
_NAPCAT_ONLY = {
    ("group_msg_emoji_like", None), ("bot_offline", None), ("online_file_send", None),
    ("online_file_receive", None), ("notify", "input_status"), ("notify", "profile_like"),
    ("notify", "group_name"), ("notify", "gray_tip"),
}
# Message keys NapCat adds that go-cqhttp does not send.
_NAPCAT_MESSAGE_KEYS = ("real_id", "real_seq", "message_format", "message_sent_type",
                        "group_name")


def _gocq_sender(body: Event) -> dict[str, Any]:
    sender = body["sender"]
    base = {"user_id": sender["user_id"], "nickname": sender["nickname"], "sex": "unknown",
            "age": 0}
    if body["message_type"] != "group":
        if body.get("sub_type") == "group":
            base["group_id"] = body.get("group_id", 0)
        return base
    return {**base, "card": sender.get("card", ""), "area": "", "level": "",
            "role": sender.get("role", "member"), "title": ""}


def _gocq_message(body: Event, event: ev.DomainEvent) -> Event:
    string_format = body.get("message_format") == "string"
    out = {k: v for k, v in body.items() if k not in _NAPCAT_MESSAGE_KEYS}
    out["sender"] = _gocq_sender(body)
    group = body["message_type"] == "group"
    if isinstance(event, ev.MessageCreated):  # segments as go-cqhttp builds them
        out["message"], out["raw_message"] = gocq_message(
            event.message.segments, group=group, string_format=string_format)
        if not group and "target_id" in out:  # PrivateMessage.Target: who received it
            out["target_id"] = event.message.peer_id
    if group:
        out["message_seq"] = int(body["real_seq"])  # go-cqhttp reports the real sequence
        out["anonymous"] = None
        out.pop("target_id", None)
    else:  # coolq/event.go: only a friend message names its target; neither has a seq
        out.pop("message_seq", None)
        if body.get("sub_type") == "group":
            out.pop("group_id", None)
            out.pop("target_id", None)
    return out


def _gocq_upload(body: Event, event: ev.DomainEvent) -> Event:
    """``group_upload`` with go-cqhttp's file: ``id`` is the file's path, plus ``url``."""
    if not isinstance(event, GroupFileUploaded) or not event.path:
        return body
    # Lazy for start-up cost: group files load with their first use (an idle server holds
    # no file service).
    from ...world.files import group_file_url

    file = {**body["file"], "id": event.path,
            "url": group_file_url(event.path, event.file_id)}
    return {**body, "file": file}


def _gocq_notice(body: Event, event: ev.DomainEvent) -> Event | None:
    kind = (body.get("notice_type"), body.get("sub_type") if body.get("notice_type") == "notify"
            else None)
    if kind in _NAPCAT_ONLY:
        return None
    out = dict(body)
    if kind == ("notify", "poke"):
        out.pop("raw_info", None)
        out.setdefault("sender_id", body["user_id"])
    elif body.get("notice_type") == "group_increase":
        out["sub_type"], out["operator_id"] = "approve", 0  # go-cqhttp knows no more
    elif body.get("notice_type") == "group_upload":
        return _gocq_upload(out, event)
    return out


def _gocq_essence_removed(event: EssenceRemoved, self_id: int) -> Event | None:
    if event.operator_id == self_id:  # go-cqhttp stays silent about its own removals
        return None
    return {"time": event.time, "self_id": self_id, "post_type": "notice",
            "notice_type": "essence", "sub_type": "delete", "group_id": event.group_id,
            "sender_id": event.sender_id, "operator_id": event.operator_id,
            "message_id": event.message_id}


def gocq(body: Event | None, event: ev.DomainEvent, self_id: int) -> Event | None:
    """go-cqhttp's shapes (onebot11.md §9)."""
    if body is None:
        if isinstance(event, EssenceRemoved) and self_id in event.audience:
            return _gocq_essence_removed(event, self_id)
        return None
    post_type = body.get("post_type")
    if post_type in ("message", "message_sent"):
        return _gocq_message(body, event)
    if post_type == "notice":
        return _gocq_notice(body, event)
    if post_type == "request" and body.get("request_type") == "group":
        return {**body, "invitor_id": 0}
    return body


def napcat(body: Event | None, event: ev.DomainEvent, self_id: int) -> Event | None:
    return body


DIALECTS: dict[str, Dialect] = {"napcat": napcat, "gocq": gocq}
