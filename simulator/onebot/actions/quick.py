"""Quick operations: replies and approvals attached to an event (NapCat §2.7).

The ``.handle_quick_operation`` action; applying an operation is ``_quick``,
shared with HTTP POST webhook responses.
"""

from __future__ import annotations

from typing import Any

from ..context import ActionContext
from ..params import Int, Params, Str
from ..registry import Origin, action
from ._quick import apply_quick_operation


class QuickContext(Params):
    time: Int
    self_id: Int
    post_type: Str
    user_id: Str
    group_id: Str | None = None
    message_id: Int | None = None


class QuickOperationParams(Params):
    context: QuickContext
    operation: dict[str, Any]


@action(".handle_quick_operation", origin=Origin.SPEC, void=True)
def handle_quick_operation(ctx: ActionContext, p: QuickOperationParams) -> None:
    """Apply a quick operation to an event, as a webhook reply would."""
    event = p.context.model_dump(exclude_none=True)
    apply_quick_operation(ctx, event, p.operation)
