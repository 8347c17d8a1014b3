"""Applying a quick operation to an event (NapCat §2.7): reply, or answer a request.

Shared by ``.handle_quick_operation`` and by HTTP POST webhook responses (the
adapter reaches it through ``onebot.actions.apply_quick_operation``). As in
NapCat, a group reply quotes the triggering message, ``at_sender`` adds an
at-mention, and ``delete``/``kick``/``ban`` are accepted but ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from ...errors import BadParams, WorldError
from ..codec import MessageFormatError, to_segments
from ..compose import Chat
from ..context import ActionContext
from ..params import refuse_unstorable
from ._sending import deliver
from ._util import loose_int, not_false, truthy

log = logging.getLogger("qqsim.action")


def _reply(ctx: ActionContext, event: dict[str, Any], operation: dict[str, Any]) -> None:
    segments = [dict(s) for s in to_segments(operation["reply"],
                                             auto_escape=truthy(operation.get("auto_escape"),
                                                                default=False))]
    user_id = loose_int(event.get("user_id")) or 0
    group_id = loose_int(event.get("group_id")) or 0
    if event.get("message_type") == "group":
        prefix: list[dict[str, Any]] = []
        if event.get("message_id") is not None:
            prefix.append({"type": "reply", "data": {"id": str(event["message_id"])}})
        if truthy(operation.get("at_sender"), default=False):
            prefix.append({"type": "at", "data": {"qq": str(user_id)}})
        deliver(ctx, Chat("group", group_id=group_id), prefix + segments)
    else:
        deliver(ctx, Chat("private", group_id=group_id, peer_id=user_id), segments)


def _answer_request(ctx: ActionContext, event: dict[str, Any], operation: dict[str, Any]
                    ) -> None:
    kind = "friend" if event.get("request_type") == "friend" else "group"
    ctx.world.requests.answer(ctx.self_id, str(event.get("flag", "")),
                              not_false(operation["approve"]), kind=kind)


def apply_quick_operation(
    ctx: ActionContext, event: dict[str, Any], operation: dict[str, Any]
) -> None:
    """Apply ``operation`` to ``event``; failures are logged, never raised (as NapCat)."""
    try:
        refuse_unstorable(operation)  # a webhook reply is not checked by parse_params
        post_type = event.get("post_type")
        if post_type == "message" and operation.get("reply") not in (None, ""):
            _reply(ctx, event, operation)
        elif post_type == "request" and "approve" in operation:
            _answer_request(ctx, event, operation)
    except (WorldError, MessageFormatError, BadParams) as exc:
        log.warning("[%s] quick operation failed: %s", ctx.self_id, exc)
