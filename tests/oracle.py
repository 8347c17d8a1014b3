"""A real client library as the judge of qqsim's events: NoneBot's OneBot v11 adapter.

``parsed(event)`` returns the model NoneBot picks for an event dict. Every
event kind NoneBot knows must resolve to its specific model; the kinds NapCat
invented after NoneBot's models were written (listed in ``NAPCAT_ONLY``)
resolve to the generic model of their post type, and only those may.
"""

from __future__ import annotations

from typing import Any

from nonebot.adapters.onebot.v11 import Adapter, Event
from nonebot.adapters.onebot.v11 import event as models

#: (post_type, detail type, sub_type) NapCat emits but NoneBot has no model for.
NAPCAT_ONLY = {
    ("message_sent", None, None): models.Event,
    ("notice", "group_card", None): models.NoticeEvent,
    ("notice", "essence", None): models.NoticeEvent,
    ("notice", "group_msg_emoji_like", None): models.NoticeEvent,
    ("notice", "bot_offline", None): models.NoticeEvent,
    ("notice", "online_file_send", None): models.NoticeEvent,
    ("notice", "online_file_receive", None): models.NoticeEvent,
    ("notice", "notify", "title"): models.NotifyEvent,
    ("notice", "notify", "group_name"): models.NotifyEvent,
    ("notice", "notify", "input_status"): models.NotifyEvent,
    # NapCat sends no user_id or group_id here, which NotifyEvent requires.
    ("notice", "notify", "profile_like"): models.NoticeEvent,
    ("notice", "notify", "gray_tip"): models.NotifyEvent,
}

GENERIC = (models.Event, models.MessageEvent, models.NoticeEvent, models.NotifyEvent,
           models.RequestEvent, models.MetaEvent)


def _key(event: dict[str, Any]) -> tuple[str, str | None, str | None]:
    post_type = event["post_type"]
    detail = event.get(f"{post_type}_type") if post_type != "message_sent" else None
    sub = event.get("sub_type") if detail == "notify" else None
    return post_type, detail, sub


def parsed(event: dict[str, Any]) -> Event:
    result = Adapter.json_to_event(event)
    assert result is not None, f"NoneBot could not parse {event}"
    return result


def assert_specific(event: dict[str, Any]) -> Event:
    """NoneBot parses ``event`` to its specific model (or the documented generic one)."""
    result = parsed(event)
    expected_generic = NAPCAT_ONLY.get(_key(event))
    if expected_generic is not None:
        assert type(result) is expected_generic, (type(result), event)
    else:
        assert type(result) not in GENERIC, f"fell back to {type(result).__name__}: {event}"
    return result
