"""Forward (merged) messages: storing node lists with their cards, and reading them back.

Shared by the send actions (``_sending``), ``get_forward_msg`` and every
action that returns stored messages (``_lookup``); it sends nothing itself.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import InvalidState, NotFound, Why
from ...world import Message
from ...world.forward_cards import ForwardCard
from ...world.messages import short_message_id
from ..codec import MessageFormatError, render_cq, to_segments
from ..compose import Chat, compose, js_trim
from ..context import ActionContext

# NapCat limits nesting to three levels in packet mode.
MAX_FORWARD_DEPTH = 3


class ForwardResult(TypedDict):
    message_id: int
    res_id: str
    forward_id: str


def is_forward(segments: list[dict[str, Any]]) -> bool:
    # The first segment decides most sends without a generator.
    return bool(segments) and segments[0].get("type") == "node" and all(
        s.get("type") == "node" for s in segments)


def _node_entry(
    ctx: ActionContext, chat: Chat, data: dict[str, Any], depth: int
) -> dict[str, Any]:
    """One node as stored: who seems to say what, and when."""
    if data.get("id") not in (None, ""):
        ref = ctx.world.messages.find(int(str(data["id"]))) if str(data["id"]).isdigit() else None
        if ref is None:
            raise NotFound(Why.NODE_MESSAGE_NOT_FOUND, message_id=data["id"])
        return {"user_id": ref.sender_id, "nickname": ref.sender_nickname, "time": ref.time,
                "segments": ref.segments, "raw_message": ref.raw_message}
    try:
        content = [dict(s) for s in to_segments(data.get("content", ""))]
    except MessageFormatError as exc:
        raise InvalidState(Why.NODE_UNPARSABLE, cause=exc) from None
    if is_forward(content):
        if depth >= MAX_FORWARD_DEPTH:
            raise InvalidState(Why.FORWARD_TOO_DEEP, depth=depth)
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


# -- card texts --------------------------------------------------------------------------


def card_texts(data: dict[str, Any]) -> dict[str, Any]:
    """The card texts a sender gave (top-level params or a nesting node's data)."""
    news = data.get("news")
    return {
        "source": str(data.get("source") or ""),
        "summary": str(data.get("summary") or ""),
        "prompt": str(data.get("prompt") or ""),
        # An empty list is kept: NapCat only fills in news when none was given at all.
        "news": None if not isinstance(news, list) else tuple(
            str(item.get("text", "")) for item in news if isinstance(item, dict)),
    }


def record_cards(
    ctx: ActionContext, chat: Chat, forward_id: str, nodes: list[dict[str, Any]],
    texts: dict[str, Any],
) -> None:
    """Keep the card of ``forward_id`` and of every forward nested in its nodes."""
    entries = ctx.world.media.forward(forward_id)
    lines, names, group_like = [], [], False
    for node, entry in zip(nodes, entries, strict=True):
        data = node.get("data") or {}
        referenced = data.get("id") not in (None, "")
        nested = None if referenced else _nested_nodes(data)
        if nested is not None:
            inner_id = str(entry["segments"][0]["data"]["id"])
            record_cards(ctx, chat, inner_id, nested, card_texts(data))
        # NapCat marks custom nodes as group messages whatever the chat is.
        group_like = group_like or not referenced or chat.is_group
        names.append(entry["nickname"])
        preview = "[卡片消息]" if nested is not None else _preview(ctx, entry["segments"])
        lines.append(f"{entry['nickname']}: {preview}")
    unique_names = list(dict.fromkeys(names))[:4]
    card = ForwardCard(
        source=texts["source"] or (
            "群聊的聊天记录" if group_like else "和".join(unique_names) + "的聊天记录"),
        news=tuple(lines) if texts["news"] is None else texts["news"],
        summary=texts["summary"] or f"查看{len(entries)}条转发消息",
        prompt=texts["prompt"] or "[聊天记录]",
    )
    ctx.world.forward_cards.put(forward_id, card)


def _nested_nodes(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    try:
        content = [dict(s) for s in to_segments(data.get("content", ""))]
    except MessageFormatError:
        return None
    return content if is_forward(content) else None


def _preview(ctx: ActionContext, segments: list[dict[str, Any]]) -> str:
    """A node's preview line as QQ's packet elements render it."""
    return "".join(_segment_preview(ctx, s) for s in segments)


_FIXED_PREVIEWS = {"face": "[表情]", "dice": "[表情]", "rps": "[表情]", "reply": "[回复消息]",
                   "record": "[语音]", "video": "[视频]", "json": "[卡片消息]",
                   "forward": "[聊天记录]"}


def _segment_preview(ctx: ActionContext, segment: dict[str, Any]) -> str:
    kind, data = segment.get("type"), segment.get("data") or {}
    if kind == "text":
        return str(data.get("text", ""))
    if kind == "at":
        return _at_text(ctx, str(data.get("qq", "")))
    if kind == "image":
        fallback = "[动画表情]" if data.get("sub_type") == 1 else "[图片]"
        return str(data.get("summary") or fallback)
    if kind == "file":
        return f"[文件]{data.get('file', '')}"
    if kind == "markdown":
        return f"[Markdown消息 {data.get('content', '')}]"
    return _FIXED_PREVIEWS.get(str(kind), "[暂不支持该消息类型喵~]")


def _at_text(ctx: ActionContext, qq: str) -> str:
    if qq == "all":
        return "@全体成员"
    account = ctx.world.accounts.find(int(qq)) if qq.isdigit() else None
    return f"@{account.nickname if account else qq}"


# -- reading -----------------------------------------------------------------------------


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


def chat_peer(message: Message, self_id: int) -> Peer:
    """The chat a message is in, as NapCat's peer for hashing ids."""
    if message.chat_type == "group":
        return ("group", message.group_id)
    return ("private", message.other_party(self_id))
