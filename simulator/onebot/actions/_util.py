"""Small helpers shared by action handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import NotFound, Why, WorldError
from ...world import Group, Member
from ..context import ActionContext
from ..ids import nt_uid as nt_uid  # re-exported for the action modules


def loose_int(value: Any) -> int | None:
    """An id from a parameter NapCat does not validate (numbers or numeric strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def truthy(value: Any, *, default: bool) -> bool:
    """NapCat's checks of the form ``value === true || value === 'true'``."""
    if value is None:
        return default
    return value is True or value == "true" or value == 1


def not_false(value: Any) -> bool:
    """NapCat's ``approve`` rule: anything but false / "false" means yes."""
    return value is not False and value != "false"


def bot_group(ctx: ActionContext, group_id: int) -> Group:
    """A group the bot is in (QQ shows a group's details only to its members)."""
    return ctx.world.groups.joined(group_id, ctx.self_id)


def bot_member(ctx: ActionContext, group_id: int) -> Member:
    bot_group(ctx, group_id)
    return ctx.world.groups.member(group_id, ctx.self_id)


def require_user(ctx: ActionContext, user_id: int) -> None:
    if ctx.world.accounts.find(user_id) is None:
        raise NotFound(Why.USER_NOT_FOUND, user_id=user_id)


def avatar_url(user_id: int) -> str:
    return f"https://q1.qlogo.cn/g?b=qq&nk={user_id}&s=640"


def unchecked(ctx: ActionContext, what: str, change: Callable[..., object], *args: Any) -> None:
    """Run ``change``; like NapCat, which ignores the kernel's answer for ``what``, report
    success even when QQ refused (the refusal is logged, and the world stays unchanged)."""
    try:
        change(*args)
    except WorldError as exc:
        if what in ctx.profile.refusals_reported:  # go-cqhttp checks what NapCat ignores
            raise
        ctx.log.info("[%s] %s had no effect: %s", ctx.self_id, what, exc)
