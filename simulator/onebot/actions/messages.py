"""Sending, reading and recalling messages (OneBot 11 standard)."""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import BadParams, InvalidState, NotFound
from ...world import Message
from ..codec import MessageFormatError, to_segments
from ..compose import Chat, compose, media_uri
from ..context import ActionContext
from ..params import Id, Params
from ..registry import Origin, action
from ._lookup import NumOrStr, stored_object
from ._timeout import post_group
from ._util import loose_int, truthy
from .forward import ForwardResult, is_forward, send_forward
from .reactions import emoji_likes_list

NODE_MIX_ERROR = "转发消息不能和普通消息混在一起发送,转发需要保证message只有type为node的元素"
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
        raise BadParams(f"Schema compilation error: Expected number (/{name})")
    return number or None


def route(p: SendMsgParams) -> Chat:
    """Where ``send_msg`` goes, with NapCat's precedence: message_type, group_id, user_id."""
    group_id, user_id = send_id(p.group_id, "group_id"), send_id(p.user_id, "user_id")
    kind = p.message_type
    if kind == "private" or (kind not in ("group", "private") and not group_id and user_id):
        if not user_id:
            raise InvalidState("当前私聊发送,请指定 user_id 而不是 group_id")
        return Chat("private", group_id=group_id or 0, peer_id=user_id)
    if kind == "group" or group_id:
        if not group_id:
            raise InvalidState("当前群聊发送,请指定 group_id 而不是 user_id")
        return Chat("group", group_id=group_id)
    raise InvalidState("请指定正确的 group_id 或 user_id")


def _segments(p: SendMsgParams) -> list[dict[str, Any]]:
    body = p.messages if p.messages is not None else p.message
    if body is None or body == "" or body == []:
        raise InvalidState("参数message不能为空", subject="empty")
    if isinstance(body, str) and len(body) > MESSAGE_TEXT_MAX and (
            "[" not in body or "[CQ:" not in body):
        _too_long(len(body))  # all text: known without parsing it
    try:
        segments = to_segments(body, auto_escape=truthy(p.auto_escape, default=False))
    except MessageFormatError as exc:
        raise InvalidState(f"消息体无法解析, 请检查是否发送了不支持的消息类型: {exc}") from None
    _too_long(text_length(segments))
    kinds = {s["type"] for s in segments}
    if "node" in kinds and len(kinds) > 1:
        raise BadParams(NODE_MIX_ERROR)
    return [dict(s) for s in segments]


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
        elif isinstance(item, dict) and isinstance(item.get("data"), dict):
            if item.get("type") == "text":
                pending.append(item["data"].get("text"))
            elif item.get("type") == "node":
                pending.append(item["data"].get("content"))
    return total


def _too_long(length: int) -> None:
    if length > MESSAGE_TEXT_MAX:
        raise InvalidState(f"发送消息失败: 消息过长 ({length} 个字符, 上限 {MESSAGE_TEXT_MAX})")


def deliver(ctx: ActionContext, chat: Chat, segments: list[dict[str, Any]],
            timeout_ms: Any = None) -> Message:
    """Post a composed message as the bot; the world applies QQ's rules.

    A group send QQ refuses fails after NapCat's kernel timeout (``_timeout``);
    ``timeout_ms`` is the request's own ``timeout``.
    """
    messages = ctx.world.messages
    if chat.is_group and [s.get("type") for s in segments] == ["file"]:
        return _group_file_message(ctx, chat.group_id, segments[0].get("data") or {})
    if chat.is_group:
        stored, raw = compose(ctx, chat, segments)
        return post_group(ctx, chat.group_id, stored, raw, timeout_ms)
    if ctx.world.accounts.find(chat.peer_id) is None:
        raise NotFound("无法获取用户信息")
    stored, raw = compose(ctx, chat, segments)
    return messages.post_private(ctx.self_id, chat.peer_id, stored, raw, via_group=chat.group_id)


def _group_file_message(ctx: ActionContext, group_id: int, data: dict[str, Any]) -> Message:
    """A file sent to a group lands in the group's files, as on QQ (NapCat uploads it)."""
    from ..media import resolve_media
    from .group_files import upload_to_group

    name = str(data.get("name") or "")
    media = resolve_media(ctx, media_uri(data), kind="file", name=name)
    _, message = upload_to_group(ctx, group_id, media, name or media.name)
    return message


def send(ctx: ActionContext, chat: Chat, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    segments = _segments(p)
    if is_forward(segments):
        return send_forward(ctx, chat, segments, p)
    timeout_ms = (p.model_extra or {}).get("timeout")  # NapCat's send-only extra
    return {"message_id": deliver(ctx, chat, segments, timeout_ms).message_id}


@action("send_msg", origin=Origin.SPEC)
def send_msg(ctx: ActionContext, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    """Send to a group or a person; ``message_type`` wins, then group_id, then user_id."""
    return send(ctx, route(p), p)


@action("send_private_msg", origin=Origin.SPEC)
def send_private_msg(
    ctx: ActionContext, p: SendMsgParams
) -> MessageIdResult | ForwardResult:
    """Send a private message (a temp chat through ``group_id`` if not friends)."""
    p.message_type = "private"
    return send(ctx, route(p), p)


@action("send_group_msg", origin=Origin.SPEC)
def send_group_msg(ctx: ActionContext, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    """Send a message to a group the bot is in and may speak in."""
    p.message_type, p.user_id = "group", None
    return send(ctx, route(p), p)


class MessageIdParams(Params):
    message_id: Id


def visible_message(ctx: ActionContext, message_id: int) -> Message:
    """A message the bot can see: in one of its groups or one of its private chats."""
    message = ctx.world.messages.find(message_id)
    if message is None:
        raise NotFound("消息不存在")
    if message.chat_type == "group":
        visible = ctx.world.groups.find_member(message.group_id, ctx.self_id) is not None
    else:
        visible = ctx.self_id in (message.sender_id, message.peer_id)
    if not visible:
        raise NotFound("消息不存在")
    return message


class GetMsgParams(Params):
    message_id: NumOrStr


@action("get_msg", origin=Origin.SPEC)
def get_msg(ctx: ActionContext, p: GetMsgParams) -> dict[str, Any]:
    """A stored message as NapCat reports it, in this connection's message format.

    A forward it carries has its ``content`` filled (``GetMsg.ts`` parses with
    ``parseMultMsg`` at its default, true), unlike in events.
    """
    if p.message_id in (0, ""):  # GetMsg.ts: ``if (!payload.message_id)``; "0" is truthy
        raise InvalidState("参数message_id不能为空")
    message_id = loose_int(p.message_id)
    if message_id is None:  # NapCat looks it up and finds nothing; qqsim names the mistake
        raise BadParams("Schema compilation error: Expected number (/message_id)")
    message = visible_message(ctx, message_id)
    if message.recalled:
        raise NotFound("消息不存在或已被撤回")
    body = stored_object(ctx, message)  # no target_id: get_msg never carries it
    body["emoji_likes_list"] = emoji_likes_list(ctx.world, message.message_id)
    return body


@action("delete_msg", origin=Origin.SPEC)
def delete_msg(ctx: ActionContext, p: MessageIdParams) -> None:
    """Recall a message: one's own, or (as admin) a lower-ranked member's."""
    try:
        visible_message(ctx, p.message_id)
    except NotFound:
        # NapCat only knows the ids of messages its account has seen.
        raise NotFound("Recall failed") from None
    ctx.world.messages.recall(ctx.self_id, p.message_id)
