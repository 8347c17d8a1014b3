"""Sending, reading and recalling messages (OneBot 11 standard)."""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import BadParams, InvalidState, NotFound
from ...world import Message
from ..codec import MessageFormatError, to_segments
from ..compose import Chat, compose, media_uri
from ..context import ActionContext
from ..events import message_object
from ..params import Id, Params
from ..registry import Origin, action
from ._util import loose_int, truthy
from .forward import ForwardResult, is_forward, send_forward
from .reactions import emoji_likes_list

NODE_MIX_ERROR = "转发消息不能和普通消息混在一起发送,转发需要保证message只有type为node的元素"


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


def route(p: SendMsgParams) -> Chat:
    """Where ``send_msg`` goes, with NapCat's precedence: message_type, group_id, user_id."""
    group_id, user_id = loose_int(p.group_id), loose_int(p.user_id)
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
        raise InvalidState("参数message不能为空")
    try:
        segments = to_segments(body, auto_escape=truthy(p.auto_escape, default=False))
    except MessageFormatError as exc:
        raise InvalidState(f"消息体无法解析, 请检查是否发送了不支持的消息类型: {exc}") from None
    kinds = {s["type"] for s in segments}
    if "node" in kinds and len(kinds) > 1:
        raise BadParams(NODE_MIX_ERROR)
    return [dict(s) for s in segments]


def deliver(ctx: ActionContext, chat: Chat, segments: list[dict[str, Any]]) -> Message:
    """Post a composed message as the bot; the world applies QQ's rules."""
    messages = ctx.world.messages
    if chat.is_group and [s.get("type") for s in segments] == ["file"]:
        return _group_file_message(ctx, chat.group_id, segments[0].get("data") or {})
    if chat.is_group:
        stored, raw = compose(ctx, chat, segments)
        return messages.post_group(ctx.self_id, chat.group_id, stored, raw)
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
    return {"message_id": deliver(ctx, chat, segments).message_id}


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


@action("get_msg", origin=Origin.SPEC)
def get_msg(ctx: ActionContext, p: MessageIdParams) -> dict[str, Any]:
    """A stored message as NapCat reports it, in this connection's message format."""
    message = visible_message(ctx, p.message_id)
    if message.recalled:
        raise NotFound("消息不存在或已被撤回")
    body = message_object(message, ctx.self_id, ctx.settings, ctx.profile)
    body.pop("target_id", None)  # get_msg never carries target_id
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
