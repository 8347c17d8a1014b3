"""Sending as the bot: where a send goes, what it carries, and posting it to the world.

Shared by every action that sends (``messages``, ``forward_ext``, ``quick``,
``essence_notices``); the handlers only pick the chat and the parameters.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import BadParams, InvalidState, KernelTimeout, NotFound, Why
from ...world import Message
from ..codec import MessageFormatError, render_cq, to_segments
from ..compose import Chat, compose, media_uri
from ..context import ActionContext
from ..media import resolve_media
from ..params import Params
from ._forwards import ForwardResult, card_texts, is_forward, record_cards, store_forward
from ._timeout import post_group
from ._util import loose_int, truthy

#: qqsim's cap on the text of one message: characters of its text segments, forward nodes
#: included (media is not counted). QQ refuses far shorter texts; this cap is qqsim's own,
#: so that one request cannot hold the event loop: parsing, storing and answering a message
#: costs about 10 ms per MiB of text, all in one step (the world is synchronous).
MESSAGE_TEXT_MAX = 1024 * 1024


class SendMsgParams(Params):
    """NapCat does not schema-check the send actions; everything is read leniently."""

    message_type: Any = None
    user_id: Any = None
    group_id: Any = None
    message: Any = None
    messages: Any = None
    auto_escape: Any = None


class MessageIdResult(TypedDict):
    message_id: int


def send_id(value: Any, name: str) -> int | None:
    """A send action's ``group_id``/``user_id``: absent when NapCat would see it falsy.

    NapCat reads these unchecked, so a non-numeric id is sent to no chat and
    fails late; qqsim rejects it at once as a bad parameter, in the text
    ``get_group_info`` uses for the same mistake (see the README).
    """
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = loose_int(value)
    if number is None:
        raise BadParams(Why.EXPECTED_NUMBER, name=name)
    return number or None


def route(p: SendMsgParams, forced: str | None = None) -> Chat:
    """Where ``send_msg`` goes, with NapCat's precedence: message_type, group_id, user_id.

    ``forced`` is the chat type an action names itself, over ``message_type``:
    ``send_group_msg`` never reads ``user_id``, ``send_private_msg`` keeps ``group_id``
    (a temp chat). Passed, not set on ``p``: a pydantic model's ``__setattr__`` is costly.
    """
    group_id = send_id(p.group_id, "group_id")
    user_id = None if forced == "group" else send_id(p.user_id, "user_id")
    kind = p.message_type if forced is None else forced
    if kind == "private" or (kind not in ("group", "private") and not group_id and user_id):
        if not user_id:
            raise InvalidState(Why.PRIVATE_NEEDS_USER_ID, group_id=group_id)
        return Chat("private", group_id=group_id or 0, peer_id=user_id)
    if kind == "group" or group_id:
        if not group_id:
            raise InvalidState(Why.GROUP_NEEDS_GROUP_ID, user_id=user_id)
        # ``Chat("group", group_id=group_id)`` without the named tuple's Python ``__new__``
        # and its keywords: every group send comes here.
        return _new_tuple(Chat, ("group", group_id, 0))
    raise InvalidState(Why.NO_TARGET)


_new_tuple = tuple.__new__


def _segments(p: SendMsgParams) -> list[dict[str, Any]]:
    body = p.messages if p.messages is not None else p.message
    if body is None or body == "" or body == []:
        raise InvalidState(Why.EMPTY_MESSAGE)
    if type(body) is str and "[CQ:" not in body and "&" not in body and (
            len(body) <= MESSAGE_TEXT_MAX):
        # Plain text, most messages: the one text segment ``to_segments`` gives it, whether
        # ``auto_escape`` or not (no code to parse, no entity to unescape).
        return [{"type": "text", "data": {"text": body}}]
    if isinstance(body, str) and len(body) > MESSAGE_TEXT_MAX and (
            "[" not in body or "[CQ:" not in body):
        _too_long(len(body))  # all text: known without parsing it
    try:
        # Fresh dicts (``to_segments`` never hands back the caller's): returned as they are.
        segments: list[Any] = to_segments(body, auto_escape=truthy(p.auto_escape, default=False))
    except MessageFormatError as exc:
        raise InvalidState(Why.MESSAGE_UNPARSABLE, cause=exc) from None
    # A string within the cap needs no count: its text segments (and a node's content) are
    # disjoint parts of it, unescaping only shortens them.
    if not (isinstance(body, str) and len(body) <= MESSAGE_TEXT_MAX):
        length = text_length(segments)
        if length > MESSAGE_TEXT_MAX:
            _too_long(length)
    if len(segments) > 1:
        kinds = {s["type"] for s in segments}
        if "node" in kinds and len(kinds) > 1:
            raise BadParams(Why.NODE_MIX)
    return segments


def text_length(segments: list[Any]) -> int:
    """Characters of text in ``segments``: text segments, and the content of forward nodes
    (a CQ string counts whole). Stops counting once past ``MESSAGE_TEXT_MAX``."""
    total = 0
    pending: list[Any] = [segments]
    while pending and total <= MESSAGE_TEXT_MAX:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            data = item.get("data")
            if isinstance(data, dict):
                kind = item.get("type")
                if kind == "text":
                    pending.append(data.get("text"))
                elif kind == "node":
                    pending.append(data.get("content"))
    return total


def _too_long(length: int) -> None:
    if length > MESSAGE_TEXT_MAX:
        raise InvalidState(Why.MESSAGE_TOO_LONG, length=length, limit=MESSAGE_TEXT_MAX)


def deliver(ctx: ActionContext, chat: Chat, segments: list[dict[str, Any]],
            timeout_ms: Any = None) -> Message:
    """Post a composed message as the bot; the world applies QQ's rules.

    A group send QQ refuses fails after NapCat's kernel timeout (``_timeout``);
    ``timeout_ms`` is the request's own ``timeout``.
    """
    messages = ctx.world.messages
    group = chat.chat_type == "group"  # ``chat.is_group``, read once
    if group and len(segments) == 1 and segments[0].get("type") == "file":
        return _group_file_message(ctx, chat.group_id, segments[0].get("data") or {})
    if group:
        stored, raw = compose(ctx, chat, segments)
        return post_group(ctx, chat.group_id, stored, raw, timeout_ms)
    if ctx.world.accounts.find(chat.peer_id) is None:
        raise NotFound(Why.SEND_NO_PEER, user_id=chat.peer_id)
    stored, raw = compose(ctx, chat, segments)
    return messages.post_private(ctx.self_id, chat.peer_id, stored, raw, via_group=chat.group_id)


def _group_file_message(ctx: ActionContext, group_id: int, data: dict[str, Any]) -> Message:
    """A file sent to a group lands in the group's files, as on QQ (NapCat uploads it)."""
    name = str(data.get("name") or "")
    media = resolve_media(ctx, media_uri(data), kind="file", name=name)
    _, message = ctx.world.files.upload(ctx.self_id, group_id, media, name or media.name,
                                        raw_of=render_cq)
    return message


def send(ctx: ActionContext, chat: Chat, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    segments = _segments(p)
    if is_forward(segments):
        return send_forward(ctx, chat, segments, p)
    timeout_ms = (p.__pydantic_extra__ or {}).get("timeout")  # NapCat's send-only extra
    return {"message_id": deliver(ctx, chat, segments, timeout_ms).message_id}


def send_forward(
    ctx: ActionContext, chat: Chat, nodes: list[dict[str, Any]], p: SendMsgParams
) -> ForwardResult:
    forward_id = store_forward(ctx, chat, nodes)
    # NapCat's card texts (source/news/summary/prompt) may ride on any send action.
    texts = {key: getattr(p, key, None) for key in ("source", "news", "summary", "prompt")}
    record_cards(ctx, chat, forward_id, nodes, card_texts(texts))
    try:
        carrier = deliver(ctx, chat, [{"type": "forward", "data": {"id": forward_id}}])
    except KernelTimeout as exc:
        # SendMsg.ts (packet mode) swallows the send's error and reports the res_id.
        raise KernelTimeout(Why.FORWARD_SEND_TIMEOUT, exc.seconds, res_id=forward_id) from exc
    return {"message_id": carrier.message_id, "res_id": forward_id, "forward_id": forward_id}
