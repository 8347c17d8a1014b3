"""Forward (merged) messages: sending node lists and reading them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ...errors import InvalidState, NotFound
from ...world.messages import short_message_id
from ..codec import MessageFormatError, render_cq, to_segments
from ..compose import Chat, compose
from ..context import ActionContext
from ..params import Params
from ..registry import Origin, action

if TYPE_CHECKING:
    from .messages import SendMsgParams

# NapCat limits nesting to three levels in packet mode.
MAX_FORWARD_DEPTH = 3


class ForwardResult(TypedDict):
    message_id: int
    res_id: str
    forward_id: str


def is_forward(segments: list[dict[str, Any]]) -> bool:
    return bool(segments) and all(s.get("type") == "node" for s in segments)


def _node_entry(
    ctx: ActionContext, chat: Chat, data: dict[str, Any], depth: int
) -> dict[str, Any]:
    """One node as stored: who seems to say what, and when."""
    if data.get("id") not in (None, ""):
        ref = ctx.world.messages.find(int(str(data["id"]))) if str(data["id"]).isdigit() else None
        if ref is None:
            raise NotFound(f"消息{data['id']}不存在")
        return {"user_id": ref.sender_id, "nickname": ref.sender_nickname, "time": ref.time,
                "segments": ref.segments, "raw_message": ref.raw_message}
    try:
        content = [dict(s) for s in to_segments(data.get("content", ""))]
    except MessageFormatError as exc:
        raise InvalidState(f"消息体无法解析: {exc}") from None
    if is_forward(content):
        if depth >= MAX_FORWARD_DEPTH:
            raise InvalidState("转发消息嵌套过深")
        nested = store_forward(ctx, chat, content, depth + 1)
        segments = [{"type": "forward", "data": {"id": nested}}]
        raw = render_cq(segments)
    else:
        segments, raw = compose(ctx, chat, content)
    user_id = data.get("user_id", data.get("uin")) or ctx.self_id
    return {
        "user_id": int(str(user_id)) if str(user_id).isdigit() else ctx.self_id,
        "nickname": str(data.get("nickname") or data.get("name") or "QQ用户"),
        "time": int(str(data.get("time"))) if str(data.get("time", "")).isdigit()
        else ctx.world.now(),
        "segments": segments,
        "raw_message": raw,
    }


def store_forward(
    ctx: ActionContext, chat: Chat, nodes: list[dict[str, Any]], depth: int = 1
) -> str:
    entries = [_node_entry(ctx, chat, node.get("data") or {}, depth) for node in nodes]
    return ctx.world.media.put_forward(entries)


def send_forward(
    ctx: ActionContext, chat: Chat, nodes: list[dict[str, Any]], p: SendMsgParams
) -> ForwardResult:
    from .forward_ext import card_texts, record_cards
    from .messages import deliver

    forward_id = store_forward(ctx, chat, nodes)
    # NapCat's card texts (source/news/summary/prompt) may ride on any send action.
    texts = {key: getattr(p, key, None) for key in ("source", "news", "summary", "prompt")}
    record_cards(ctx, chat, forward_id, nodes, card_texts(texts))
    carrier = deliver(ctx, chat, [{"type": "forward", "data": {"id": forward_id}}])
    return {"message_id": carrier.message_id, "res_id": forward_id, "forward_id": forward_id}


def forward_messages(ctx: ActionContext, forward_id: str) -> list[dict[str, Any]]:
    """NapCat's shape: a full message object (array form) per node."""
    messages = []
    for index, node in enumerate(ctx.world.media.forward(forward_id)):
        message_id = short_message_id(int(forward_id) + index, "private", index)
        segments = [_expand(ctx, s) for s in node["segments"]]
        messages.append({
            "self_id": ctx.self_id,
            "user_id": node["user_id"],
            "time": node["time"],
            "message_id": message_id,
            "message_seq": message_id,
            "real_id": message_id,
            "real_seq": str(index + 1),
            "message_type": "private",
            "sender": {"user_id": node["user_id"], "nickname": node["nickname"], "card": ""},
            "raw_message": node["raw_message"],
            "font": ctx.profile.font,
            "sub_type": "friend",
            "message": segments,
            "message_format": "array",
            "post_type": "message",
        })
    return messages


def _expand(ctx: ActionContext, segment: dict[str, Any]) -> dict[str, Any]:
    if segment.get("type") != "forward":
        return segment
    nested = str(segment["data"]["id"])
    return {"type": "forward", "data": {"id": nested, "content": forward_messages(ctx, nested)}}


class GetForwardMsgParams(Params):
    message_id: str | int | None = None
    id: str | int | None = None


class ForwardMessages(TypedDict):
    messages: list[dict[str, Any]]


@action("get_forward_msg", origin=Origin.SPEC)
def get_forward_msg(ctx: ActionContext, p: GetForwardMsgParams) -> ForwardMessages:
    """The nodes of a forward, by its res_id or by the message that carries it."""
    from .messages import visible_message

    ident = str(p.message_id if p.message_id not in (None, "") else (p.id or ""))
    if not ident:
        raise InvalidState("message_id is required")
    if not ident.isdigit():  # NapCat: a non-numeric id is a res_id
        return {"messages": forward_messages(ctx, ident)}
    try:
        carrier = visible_message(ctx, int(ident))
    except NotFound:
        carrier = None
    found = [s for s in carrier.segments if s.get("type") == "forward"] if carrier else []
    if found:
        return {"messages": forward_messages(ctx, str(found[0]["data"]["id"]))}
    if carrier is None and ctx.world.media.has_forward(ident):  # qqsim's res_ids are numeric
        return {"messages": forward_messages(ctx, ident)}
    raise InvalidState("消息已过期或者为内层消息，无法获取转发消息")
