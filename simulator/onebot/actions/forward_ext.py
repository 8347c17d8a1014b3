"""go-cqhttp's forward-sending actions and NapCat's single-message forwarding.

``send_forward_msg`` and friends are ``send_msg`` with ``messages`` in place
of ``message`` (NapCat does exactly that, so plain segments send a plain
message). Forwards sent here keep their card texts (``source``, ``news``,
``summary``, ``prompt``) beside the nodes, with NapCat's packet-mode defaults
for the texts the sender left out, nested forwards included.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidState, NotFound, WorldError
from ...world import Message
from ...world.forward_cards import ForwardCard
from ..codec import MessageFormatError, to_segments
from ..compose import Chat
from ..context import ActionContext
from ..params import Params, Str
from ..registry import Origin, action
from ._lookup import NumOrStr, seen_by_short_id
from .forward import ForwardResult, is_forward
from .messages import MessageIdResult, SendMsgParams, route, send

# -- sending forwards --------------------------------------------------------------------


class SendForwardParams(SendMsgParams):
    """Read leniently, like every send action: NapCat validates none of these."""

    source: Any = None
    news: Any = None
    summary: Any = None
    prompt: Any = None


def _send(ctx: ActionContext, chat: Chat, p: SendForwardParams) -> MessageIdResult | ForwardResult:
    # ``messages`` wins over ``message``; the card texts travel on ``p``.
    return send(ctx, chat, p)


def _in_mode(p: SendForwardParams, mode: str) -> SendForwardParams:
    # NapCat: an explicit message_type overrides the action's own context mode.
    if p.message_type not in ("private", "group"):
        p.message_type = mode
    return p


@action("send_forward_msg", origin=Origin.GOCQ)
def send_forward_msg(ctx: ActionContext, p: SendForwardParams) -> MessageIdResult | ForwardResult:
    """Send ``messages`` (node segments) where ``send_msg`` would; returns the res_id too."""
    return _send(ctx, route(p), p)


@action("send_group_forward_msg", origin=Origin.GOCQ)
def send_group_forward_msg(
    ctx: ActionContext, p: SendForwardParams
) -> MessageIdResult | ForwardResult:
    """Send a forward (``messages`` of node segments) to a group."""
    return _send(ctx, route(_in_mode(p, "group")), p)


@action("send_private_forward_msg", origin=Origin.GOCQ)
def send_private_forward_msg(
    ctx: ActionContext, p: SendForwardParams
) -> MessageIdResult | ForwardResult:
    """Send a forward (``messages`` of node segments) to a person."""
    return _send(ctx, route(_in_mode(p, "private")), p)


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


# -- forwarding one message --------------------------------------------------------------


class ForwardSingleParams(Params):
    message_id: NumOrStr
    group_id: Str | None = None
    user_id: Str | None = None


def _forward_single(ctx: ActionContext, p: ForwardSingleParams) -> None:
    source = seen_by_short_id(ctx, p.message_id)
    if source is None:
        raise NotFound(f"无法找到消息{p.message_id}")
    if p.user_id:
        if not p.user_id.isdigit() or ctx.world.accounts.find(int(p.user_id)) is None:
            raise NotFound(f"无法找到私聊对象{p.user_id}")
    elif p.group_id is None:
        # NapCat reads payload.group_id!.toString() here and the call throws.
        raise InvalidState("Cannot read properties of undefined (reading 'toString')")
    if source.recalled:
        raise InvalidState("转发消息失败 消息已被撤回")
    try:
        _repost(ctx, source, p)
    except WorldError as exc:
        raise InvalidState(f"转发消息失败 {exc}") from None


def _repost(ctx: ActionContext, source: Message, p: ForwardSingleParams) -> None:
    """QQ forwards one message as a copy the bot sends, content unchanged."""
    segments = [dict(s) for s in source.segments]
    messages = ctx.world.messages
    if p.user_id:
        messages.post_private(ctx.self_id, int(p.user_id), segments, source.raw_message)
        return
    group_id = str(p.group_id)
    if not group_id.isdigit():
        raise NotFound(f"群{group_id}不存在")
    messages.post_group(ctx.self_id, int(group_id), segments, source.raw_message)


@action("forward_friend_single_msg", origin=Origin.NAPCAT)
def forward_friend_single_msg(ctx: ActionContext, p: ForwardSingleParams) -> None:
    """Forward one message to ``user_id`` (or, without it, to ``group_id``) as the bot."""
    _forward_single(ctx, p)


@action("forward_group_single_msg", origin=Origin.NAPCAT)
def forward_group_single_msg(ctx: ActionContext, p: ForwardSingleParams) -> None:
    """Forward one message to ``group_id`` (``user_id``, when given, wins) as the bot."""
    _forward_single(ctx, p)
