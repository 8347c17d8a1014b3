"""Forward (merged) messages: sending node lists and reading them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ...errors import InvalidState, KernelTimeout, NotFound
from ...world import Message
from ...world.messages import short_message_id
from ..codec import MessageFormatError, render_cq, to_segments
from ..compose import Chat, compose, js_trim
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
    for entry in entries:
        # NapCat's packet builder marks each node of a forward sent in a group with it.
        entry["group_id"] = chat.group_id if chat.is_group else 0
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
    try:
        carrier = deliver(ctx, chat, [{"type": "forward", "data": {"id": forward_id}}])
    except KernelTimeout as exc:
        # SendMsg.ts (packet mode) swallows the send's error and reports the res_id.
        raise KernelTimeout(f"发送转发消息（res_id：{forward_id} 失败", exc.seconds,
                            subject=exc.subject) from exc
    return {"message_id": carrier.message_id, "res_id": forward_id, "forward_id": forward_id}


#: The msgId NapCat's ``FetchForwardMsg`` gives every message inside a forward, so they
#: all share one short id (``createUniqueMsgId`` of it and the carrier's chat).
FORWARD_NT_MSG_ID = 7_467_703_692_092_974_645

#: Where a forward was read from: NapCat hashes the inner messages' id with this chat.
Peer = tuple[str, int]
#: ``get_forward_msg`` by res_id reads it through a made-up group message with no peer.
NO_PEER: Peer = ("group", 0)


def forward_messages(
    ctx: ActionContext, forward_id: str, peer: Peer = NO_PEER
) -> list[dict[str, Any]]:
    """NapCat's shape: a full message object (array form) per node.

    As NapCat parses what ``FetchForwardMsg`` returns: every message has the
    same id; nodes sent in a group are group messages (``group_name`` empty,
    the sender's role if they are a member), others private ones.
    """
    message_id = short_message_id(FORWARD_NT_MSG_ID, *peer)
    return [_node_message(ctx, node, index, message_id, peer)
            for index, node in enumerate(ctx.world.media.forward(forward_id))]


def _node_message(
    ctx: ActionContext, node: dict[str, Any], index: int, message_id: int, peer: Peer
) -> dict[str, Any]:
    group_id = int(node.get("group_id") or 0)
    sender: dict[str, Any] = {"user_id": node["user_id"], "nickname": node["nickname"],
                              "card": ""}
    member = ctx.world.groups.find_member(group_id, node["user_id"]) if group_id else None
    if member is not None:
        sender["nickname"], sender["role"] = member.nickname, member.role
    own = node["user_id"] == ctx.self_id
    body: dict[str, Any] = {
        "self_id": ctx.self_id,
        "user_id": node["user_id"],
        "time": node["time"],
        "message_id": message_id,
        "message_seq": message_id,
        "real_id": message_id,
        "real_seq": str(index + 1),
        "message_type": "group" if group_id else "private",
        "sender": sender,
        "raw_message": node["raw_message"],
        "font": ctx.profile.font,
        "sub_type": "normal" if group_id else "friend",
        "message": node["segments"],
        "message_format": "array",
        "post_type": "message_sent" if own else "message",
    }
    if own:
        body["message_sent_type"] = "self"
    if group_id:
        body["group_id"] = group_id
        body["group_name"] = ""  # FetchForwardMsg leaves peerName empty
    if any(s.get("type") == "forward" for s in node["segments"]):
        # Nested forwards are parsed too, and raw_message rendered with their content.
        body["message"] = expand_forwards(ctx, node["segments"], peer)
        body["raw_message"] = js_trim(render_cq(body["message"]))
    return body


def expand_forwards(
    ctx: ActionContext, segments: list[dict[str, Any]], peer: Peer
) -> list[dict[str, Any]]:
    """Forward segments with their ``content`` (``parseMultMsg``); one whose res_id
    leads nowhere is dropped, as NapCat drops what it cannot fetch."""
    out = []
    for segment in segments:
        if segment.get("type") != "forward":
            out.append(segment)
            continue
        nested = str(segment["data"]["id"])
        if ctx.world.media.has_forward(nested):
            data = {**segment["data"], "content": forward_messages(ctx, nested, peer)}
            out.append({"type": "forward", "data": data})
    return out


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
    res_id = str(found[0]["data"]["id"]) if found else ""
    if carrier is not None and ctx.world.media.has_forward(res_id):
        return {"messages": forward_messages(ctx, res_id, chat_peer(carrier, ctx.self_id))}
    if carrier is None and ctx.world.media.has_forward(ident):
        # A numeric res_id: kept in a world file saved when qqsim's res_ids were digits.
        return {"messages": forward_messages(ctx, ident)}
        return {"messages": forward_messages(ctx, ident)}
    raise InvalidState("消息已过期或者为内层消息，无法获取转发消息")


def chat_peer(message: Message, self_id: int) -> Peer:
    """The chat a message is in, as NapCat's peer for hashing ids."""
    if message.chat_type == "group":
        return ("group", message.group_id)
    return ("private", message.other_party(self_id))
