"""The OneBot surface a profile serves: its actions, event kinds and segment types.

Coverage reports (``simulator.coverage``) measure a bot against this. Actions
come from the registry (what the profile routes); the event kinds and the
segment types a bot can receive are declared here, once, because renderers
build them as plain dicts. ``tests/test_coverage.py`` keeps this catalogue in
step with the renderers and with the dialects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .profiles import Profile
from .registry import REGISTRY, Registry

#: Event kinds a bot may receive, and the dialects (``Profile.event_dialect``) that send
#: them. A kind is ``post_type.detail`` (``notice.group_ban``); ``notify`` notices add
#: their sub type (``notice.notify.poke``).
EVENT_KINDS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys((
        "message.private", "message.group", "message_sent.private", "message_sent.group",
        "notice.group_upload", "notice.group_admin", "notice.group_decrease",
        "notice.group_increase", "notice.group_ban", "notice.friend_add",
        "notice.group_recall", "notice.friend_recall", "notice.notify.poke",
        "notice.notify.title", "notice.group_card", "notice.essence",
        "request.friend", "request.group", "meta_event.lifecycle", "meta_event.heartbeat",
    ), frozenset({"napcat", "gocq"})),
    **dict.fromkeys((
        "notice.group_msg_emoji_like", "notice.bot_offline", "notice.online_file_send",
        "notice.online_file_receive", "notice.notify.input_status",
        "notice.notify.profile_like", "notice.notify.group_name",
    ), frozenset({"napcat"})),
}

#: Segment types in messages a bot receives (what ``compose`` stores: music and contact
#: cards arrive as ``json``, market faces as ``image``).
SEGMENT_TYPES = ("text", "at", "reply", "face", "dice", "rps", "image", "record", "video",
                 "file", "json", "markdown", "forward")


def event_kind(event: Mapping[str, Any]) -> str:
    """The kind of an event as ``EVENT_KINDS`` names it (``notice.notify.poke``)."""
    post_type = event.get("post_type")
    if post_type in ("message", "message_sent"):
        return f"{post_type}.{event.get('message_type')}"
    if post_type == "notice":
        notice = event.get("notice_type")
        if notice == "notify":
            return f"notice.notify.{event.get('sub_type')}"
        return f"notice.{notice}"
    if post_type == "request":
        return f"request.{event.get('request_type')}"
    return f"{post_type}.{event.get('meta_event_type')}"


@dataclass(frozen=True)
class Surface:
    """Everything a bot could call or receive under one profile."""

    profile: str
    actions: tuple[str, ...]
    events: tuple[str, ...]
    segments: tuple[str, ...]


def surface_of(profile: Profile, registry: Registry = REGISTRY) -> Surface:
    actions = tuple(spec.name for spec in registry
                    if spec.origin in profile.origins and spec.name not in profile.unrouted)
    events = tuple(kind for kind, dialects in EVENT_KINDS.items()
                   if profile.event_dialect in dialects)
    return Surface(profile.name, actions, events, SEGMENT_TYPES)
