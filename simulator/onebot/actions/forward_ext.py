"""go-cqhttp's forward-sending actions and NapCat's single-message forwarding.

``send_forward_msg`` and friends are ``send_msg`` with ``messages`` in place
of ``message`` (NapCat does exactly that, so plain segments send a plain
message). Forwards sent here keep their card texts (``source``, ``news``,
``summary``, ``prompt``) beside the nodes, with NapCat's packet-mode defaults
for the texts the sender left out, nested forwards included (``_forwards``).
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidState, NotFound, Why, WorldError
from ...world import Message
from ..compose import Chat
from ..context import ActionContext
from ..params import Params, Str
from ..registry import Origin, action
from ._forwards import ForwardResult
from ._lookup import NumOrStr, seen_by_short_id
from ._sending import MessageIdResult, SendMsgParams, route, send

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


# -- forwarding one message --------------------------------------------------------------


class ForwardSingleParams(Params):
    message_id: NumOrStr
    group_id: Str | None = None
    user_id: Str | None = None


def _forward_single(ctx: ActionContext, p: ForwardSingleParams) -> None:
    source = seen_by_short_id(ctx, p.message_id)
    if source is None:
        raise NotFound(Why.FORWARD_SOURCE_NOT_FOUND, message_id=p.message_id)
    if p.user_id:
        if not p.user_id.isdigit() or ctx.world.accounts.find(int(p.user_id)) is None:
            raise NotFound(Why.FORWARD_PEER_NOT_FOUND, user_id=p.user_id)
    elif p.group_id is None:
        raise InvalidState(Why.UNDEFINED_GROUP_ID)
    if source.recalled:
        raise InvalidState(Why.FORWARD_RECALLED, message_id=p.message_id)
    try:
        _repost(ctx, source, p)
    except WorldError as exc:
        raise InvalidState(Why.FORWARD_FAILED, cause=exc) from None


def _repost(ctx: ActionContext, source: Message, p: ForwardSingleParams) -> None:
    """QQ forwards one message as a copy the bot sends, content unchanged."""
    segments = [dict(s) for s in source.segments]
    messages = ctx.world.messages
    if p.user_id:
        messages.post_private(ctx.self_id, int(p.user_id), segments, source.raw_message)
        return
    group_id = str(p.group_id)
    if not group_id.isdigit():
        raise NotFound(Why.GROUP_NOT_FOUND, group_id=group_id)
    messages.post_group(ctx.self_id, int(group_id), segments, source.raw_message)


@action("forward_friend_single_msg", origin=Origin.NAPCAT)
def forward_friend_single_msg(ctx: ActionContext, p: ForwardSingleParams) -> None:
    """Forward one message to ``user_id`` (or, without it, to ``group_id``) as the bot."""
    _forward_single(ctx, p)


@action("forward_group_single_msg", origin=Origin.NAPCAT)
def forward_group_single_msg(ctx: ActionContext, p: ForwardSingleParams) -> None:
    """Forward one message to ``group_id`` (``user_id``, when given, wins) as the bot."""
    _forward_single(ctx, p)
