"""Helpers for the history, reaction and forward actions: ids, visibility, message objects.

Kept free of ``messages.py`` imports so ``messages.get_msg`` can use the
reaction summary without an import cycle.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ...world import Message
from ..context import ActionContext
from ..events import message_object
from .forward import forward_messages


def _number_or_string(value: Any) -> Any:
    """TypeBox ``Union([Number, String])``: numbers and strings pass, anything else fails."""
    if isinstance(value, bool):
        return int(value)  # TypeBox converts true/false to 1/0 for the number branch
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | str):
        return value
    raise PydanticCustomError("literal_error", "Expected union value")


#: A parameter NapCat declares as number-or-string; the handler reads ``str()`` of it.
NumOrStr = Annotated[int | str, BeforeValidator(_number_or_string)]


def can_see(ctx: ActionContext, message: Message) -> bool:
    """The bot sees messages of groups it is in and of its own private chats."""
    if message.chat_type == "group":
        return ctx.world.groups.find_member(message.group_id, ctx.self_id) is not None
    return ctx.self_id in (message.sender_id, message.peer_id)


def seen_by_short_id(ctx: ActionContext, ref: object) -> Message | None:
    """A visible message by NapCat's short id only (``+payload.message_id`` lookups)."""
    text = str(ref).strip()
    if not text.lstrip("-").isdigit():
        return None
    message = ctx.world.messages.find(int(text))
    return message if message is not None and can_see(ctx, message) else None


def seen_by_ref(ctx: ActionContext, ref: object) -> Message | None:
    """A visible message by short id or raw (QQNT) id."""
    message = ctx.world.history.find_ref(str(ref))
    return message if message is not None and can_see(ctx, message) else None


def stored_object(
    ctx: ActionContext, message: Message, *, parse_mult_msg: bool = True,
    disable_get_url: bool = False,
) -> dict[str, Any]:
    """A message as NapCat's ``parseMessage`` returns it (history, recent contacts).

    No ``target_id`` (only events carry it). In array form a forward segment
    gets its ``content`` when ``parse_mult_msg``; ``disable_get_url`` leaves
    media without download URLs, as NapCat then reports the (here empty)
    local path instead.
    """
    body = message_object(message, ctx.self_id, ctx.settings, ctx.profile)
    body.pop("target_id", None)
    if isinstance(body["message"], list):
        body["message"] = [
            _segment_view(ctx, s, parse_mult_msg, disable_get_url) for s in body["message"]
        ]
    return body


def _segment_view(
    ctx: ActionContext, segment: dict[str, Any], parse_mult_msg: bool, disable_get_url: bool
) -> dict[str, Any]:
    kind, data = segment.get("type"), dict(segment.get("data") or {})
    if kind == "forward" and parse_mult_msg:
        data["content"] = forward_messages(ctx, str(data["id"]))
    elif kind == "image" and disable_get_url and "emoji_id" not in data:
        data["url"] = ""
    elif kind == "record" and disable_get_url:
        data.pop("url", None)
    return {"type": kind, "data": data}
