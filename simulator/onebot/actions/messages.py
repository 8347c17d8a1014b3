"""Sending, reading and recalling messages (OneBot 11 standard)."""

from __future__ import annotations

from typing import Any

from ...errors import BadParams, InvalidState, NotFound, Why
from ..context import ActionContext
from ..params import Id, Params
from ..registry import Origin, action
from ._forwards import ForwardResult
from ._lookup import MessageRefParams, emoji_likes_list, stored_object
from ._sending import MESSAGE_TEXT_MAX as MESSAGE_TEXT_MAX  # re-exported: tests size by it
from ._sending import MessageIdResult, SendMsgParams, route, send
from ._util import loose_int


@action("send_msg", origin=Origin.SPEC)
def send_msg(ctx: ActionContext, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    """Send to a group or a person; ``message_type`` wins, then group_id, then user_id."""
    return send(ctx, route(p), p)


@action("send_private_msg", origin=Origin.SPEC)
def send_private_msg(
    ctx: ActionContext, p: SendMsgParams
) -> MessageIdResult | ForwardResult:
    """Send a private message (a temp chat through ``group_id`` if not friends)."""
    return send(ctx, route(p, "private"), p)


@action("send_group_msg", origin=Origin.SPEC)
def send_group_msg(ctx: ActionContext, p: SendMsgParams) -> MessageIdResult | ForwardResult:
    """Send a message to a group the bot is in and may speak in."""
    return send(ctx, route(p, "group"), p)


class MessageIdParams(Params):
    message_id: Id


@action("get_msg", origin=Origin.SPEC)
def get_msg(ctx: ActionContext, p: MessageRefParams) -> dict[str, Any]:
    """A stored message as NapCat reports it, in this connection's message format.

    A forward it carries has its ``content`` filled (``GetMsg.ts`` parses with
    ``parseMultMsg`` at its default, true), unlike in events.
    """
    if p.message_id in (0, ""):  # GetMsg.ts: ``if (!payload.message_id)``; "0" is truthy
        raise InvalidState(Why.MESSAGE_ID_EMPTY)
    message_id = loose_int(p.message_id)
    if message_id is None:  # NapCat looks it up and finds nothing; qqsim names the mistake
        raise BadParams(Why.EXPECTED_NUMBER, name="message_id")
    message = ctx.world.history.visible_to(ctx.self_id, message_id)
    if message.recalled:
        raise NotFound(Why.MESSAGE_GONE, message_id=message_id)
    body = stored_object(ctx, message)  # no target_id: get_msg never carries it
    body["emoji_likes_list"] = emoji_likes_list(ctx.world, message.message_id)
    return body


@action("delete_msg", origin=Origin.SPEC)
def delete_msg(ctx: ActionContext, p: MessageIdParams) -> None:
    """Recall a message: one's own, or (as admin) a lower-ranked member's."""
    try:
        ctx.world.history.visible_to(ctx.self_id, p.message_id)
    except NotFound:
        # NapCat only knows the ids of messages its account has seen.
        raise NotFound(Why.RECALL_NOT_FOUND, message_id=p.message_id) from None
    ctx.world.messages.recall(ctx.self_id, p.message_id)
