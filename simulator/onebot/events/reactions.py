"""Reaction notices: NapCat's ``group_msg_emoji_like``."""

from __future__ import annotations

from ...world.events import MessageReacted
from .render import Event, renders


@renders(MessageReacted)
def _emoji_like(event: MessageReacted, self_id: int) -> Event:
    # NapCat declares a message_seq field but never sets it, so it never appears.
    return {
        "post_type": "notice",
        "notice_type": "group_msg_emoji_like",
        "group_id": event.group_id,
        "user_id": event.operator_id,
        "message_id": event.message_id,
        "likes": [{"emoji_id": event.emoji_id, "count": event.count}],
        "is_add": event.is_add,
    }
