"""Reading forward (merged) messages back: ``get_forward_msg``.

Sending forwards is ``send_msg`` with node segments (``_sending``); storing and
reading their nodes is ``_forwards``.
"""

from __future__ import annotations

from ...errors import InvalidState, Why
from ..context import ActionContext
from ..params import Params
from ..registry import Origin, action
from ._forwards import chat_peer, forward_messages
from ._lookup import MessageList


class GetForwardMsgParams(Params):
    message_id: str | int | None = None
    id: str | int | None = None


@action("get_forward_msg", origin=Origin.SPEC)
def get_forward_msg(ctx: ActionContext, p: GetForwardMsgParams) -> MessageList:
    """The nodes of a forward, by its res_id or by the message that carries it."""
    ident = str(p.message_id if p.message_id not in (None, "") else (p.id or ""))
    if not ident:
        raise InvalidState(Why.MESSAGE_ID_REQUIRED)
    if not ident.isdigit():  # NapCat: a non-numeric id is a res_id
        return {"messages": forward_messages(ctx, ident)}
    carrier = ctx.world.history.find_visible(ctx.self_id, int(ident))
    found = [s for s in carrier.segments if s.get("type") == "forward"] if carrier else []
    res_id = str(found[0]["data"]["id"]) if found else ""
    if carrier is not None and ctx.world.media.has_forward(res_id):
        return {"messages": forward_messages(ctx, res_id, chat_peer(carrier, ctx.self_id))}
    if carrier is None and ctx.world.media.has_forward(ident):
        # A numeric res_id: kept in a world file saved when qqsim's res_ids were digits.
        return {"messages": forward_messages(ctx, ident)}
    raise InvalidState(Why.FORWARD_UNAVAILABLE, message_id=ident)
