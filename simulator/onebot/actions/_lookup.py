"""Helpers for the actions that read messages: ids, visible messages, message objects.

Which messages a bot sees is QQ's rule (``World.history.can_see``); these only
read NapCat's id parameters and shape what the world returns.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ...world import Message, World
from ..codec import render_cq
from ..compose import js_trim
from ..context import ActionContext
from ..events import message_object
from ..params import Params
from ._forwards import chat_peer, expand_forwards


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
    return ctx.world.history.can_see(ctx.self_id, message)


def seen_by_short_id(ctx: ActionContext, ref: object) -> Message | None:
    """A visible message by NapCat's short id only (``+payload.message_id`` lookups)."""
    text = str(ref).strip()
    if not text.lstrip("-").isdigit():
        return None
    return ctx.world.history.find_visible(ctx.self_id, int(text))


def seen_by_ref(ctx: ActionContext, ref: object) -> Message | None:
    """A visible message by short id or raw (QQNT) id."""
    return ctx.world.history.find_visible_ref(ctx.self_id, str(ref))


class MessageRefParams(Params):
    """For actions that take only a message, by NapCat's number-or-string id."""

    message_id: NumOrStr


class MessageList(TypedDict):
    messages: list[dict[str, Any]]


class EmojiLikeCount(TypedDict):
    emoji_id: str
    emoji_type: str
    likes_cnt: str


def emoji_likes_list(world: World, message_id: int) -> list[EmojiLikeCount]:
    """``get_msg``'s ``emoji_likes_list``: each reaction on the message and its count."""
    return [
        {"emoji_id": c.emoji_id, "emoji_type": c.emoji_type, "likes_cnt": str(c.count)}
        for c in world.reactions.counts(message_id)
    ]


def stored_object(
    ctx: ActionContext, message: Message, *, parse_mult_msg: bool = True,
    disable_get_url: bool = False,
) -> dict[str, Any]:
    """A message as NapCat's ``parseMessage`` returns it (history, recent contacts).

    No ``target_id`` (only events carry it). A forward segment gets its
    ``content`` when ``parse_mult_msg``, and NapCat renders ``raw_message`` (the
    string form's ``message``) from those segments, content included
    (``parseMessageV2``); ``disable_get_url`` leaves media without download
    URLs, as NapCat then reports the (here empty) local path instead.
    """
    body = message_object(message, ctx.self_id, ctx.settings, ctx.profile)
    body.pop("target_id", None)
    string = not isinstance(body["message"], list)
    segments = [_segment_view(s, disable_get_url) for s in message.segments]
    if parse_mult_msg and any(s["type"] == "forward" for s in segments):
        segments = expand_forwards(ctx, segments, chat_peer(message, ctx.self_id))
        body["raw_message"] = js_trim(render_cq(segments))
        if string:
            body["message"] = body["raw_message"]
    if not string:
        body["message"] = segments
    return body


def _segment_view(segment: dict[str, Any], disable_get_url: bool) -> dict[str, Any]:
    kind, data = segment.get("type"), dict(segment.get("data") or {})
    if kind == "image" and disable_get_url and "emoji_id" not in data:
        data["url"] = ""
    elif kind == "record" and disable_get_url:
        data.pop("url", None)
    return {"type": kind, "data": data}
