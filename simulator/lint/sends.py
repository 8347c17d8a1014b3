"""What the lint keeps of a simulator's sends: one small object per bot and per chat.

A send reads and updates its chat's ``ChatSends`` and its bot's ``BotSends``,
found by two dict look-ups keyed by plain numbers (the bot, then the group or
person): nothing is allocated once the chat is known, and the rules read
attributes of one object instead of one dict per rule.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from . import rules as R

SENDS = frozenset({"send_msg", "send_group_msg", "send_private_msg", "send_forward_msg",
                   "send_group_forward_msg", "send_private_forward_msg"})


#: Per send action, whether it goes to a person (None: its parameters say).
PRIVATE: dict[str, bool | None] = {
    name: True if name.startswith("send_private") else
    False if name.startswith("send_group") else None for name in SENDS}


def private_by_params(params: dict[str, Any]) -> bool | None:
    """Whether ``send_msg`` or ``send_forward_msg`` goes to a person: its ``message_type``,
    else whichever id it gives; None when the action refused the type (nothing was sent)."""
    kind = params.get("message_type") or ("group" if params.get("group_id") else "private")
    if kind != "group" and kind != "private":
        return None
    return kind == "private"


def where(private: bool, target: int) -> str:
    return f"{'private' if private else 'group'} {target}"


class ChatSends:
    """One chat's sends as the rules see them: the newest times, the last text."""

    __slots__ = ("flooded", "private", "target", "text", "times", "when")

    def __init__(self, target: int, private: bool) -> None:
        self.target = target
        self.private = private
        #: The newest GROUP_BURST+1 send times (``Linter._check_send``).
        self.times: deque[float] = deque(maxlen=R.GROUP_BURST + 1)
        self.flooded = False  # reported, and flooding still
        self.text: str | None = None  # the last text sent, stripped, and when
        self.when = 0.0


class BotSends:
    """One bot's sends: the newest times over all its chats, and its chats by number."""

    __slots__ = ("flooded", "groups", "people", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque(maxlen=R.TOTAL_BURST + 1)
        self.flooded = False
        self.groups: dict[int, ChatSends] = {}
        self.people: dict[int, ChatSends] = {}
