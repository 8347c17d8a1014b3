"""Group administration (OneBot 11 standard), with NapCat's checked and unchecked results.

NapCat does not check the kernel's answer for kick, admin, leave and special
title: without permission the call still succeeds, and QQ simply changes
nothing. qqsim does the same, so a bot's missing permission check shows up as
an unchanged world, exactly as on real QQ.
"""

from __future__ import annotations

import logging
from typing import Any

from ...errors import InvalidState, NotFound, PermissionDenied, Why, WorldError
from ..context import ActionContext
from ..params import Bool, Id, Int, Params, Str
from ..registry import Origin, action
from ._util import bot_group, truthy, unchecked

log = logging.getLogger("qqsim.action")


class KickParams(Params):
    group_id: Id
    user_id: Id
    reject_add_request: Any = None


@action("set_group_kick", origin=Origin.SPEC)
def set_group_kick(ctx: ActionContext, p: KickParams) -> None:
    """Remove a member (needs a higher rank; unchecked, as in NapCat)."""
    if ctx.world.accounts.find(p.user_id) is None:
        raise NotFound(Why.KICK_UID_ERROR, user_id=p.user_id)
    unchecked(ctx, "set_group_kick", ctx.world.groups.kick, ctx.self_id, p.group_id, p.user_id)


class BanParams(Params):
    group_id: Id
    user_id: Id
    duration: Int = 0


@action("set_group_ban", origin=Origin.SPEC)
def set_group_ban(ctx: ActionContext, p: BanParams) -> None:
    """Mute a member for ``duration`` seconds; 0 lifts the mute."""
    if ctx.world.accounts.find(p.user_id) is None:
        raise NotFound(Why.BAN_UID_ERROR, user_id=p.user_id)
    if ctx.world.groups.find_member(p.group_id, p.user_id) is None:
        raise NotFound(Why.BAN_NOT_IN_GROUP, user_id=p.user_id, group_id=p.group_id)
    ctx.world.groups.mute(ctx.self_id, p.group_id, p.user_id, p.duration)


class WholeBanParams(Params):
    group_id: Id
    enable: Any = None


@action("set_group_whole_ban", origin=Origin.SPEC)
def set_group_whole_ban(ctx: ActionContext, p: WholeBanParams) -> None:
    """Mute everyone but admins (``enable`` defaults to true)."""
    enable = p.enable is not False and p.enable != "false"
    try:
        ctx.world.groups.mute_all(ctx.self_id, p.group_id, enable)
    except (PermissionDenied, NotFound) as exc:
        raise InvalidState(Why.WHOLE_BAN_FAILED, cause=exc) from None


class AdminParams(Params):
    group_id: Id
    user_id: Id
    enable: Any = None


@action("set_group_admin", origin=Origin.SPEC)
def set_group_admin(ctx: ActionContext, p: AdminParams) -> None:
    """Grant or revoke admin (owner only; ``enable`` defaults to false in NapCat)."""
    enable = truthy(p.enable, default=False)
    unchecked(ctx, "set_group_admin", ctx.world.groups.set_admin, ctx.self_id, p.group_id,
               p.user_id, enable)


class CardParams(Params):
    group_id: Id
    user_id: Id
    card: Str = ""


@action("set_group_card", origin=Origin.SPEC)
def set_group_card(ctx: ActionContext, p: CardParams) -> None:
    """Set a member's group card ("" clears it); one's own always, others' with rank."""
    ctx.world.groups.member(p.group_id, p.user_id)
    try:
        ctx.world.groups.set_card(ctx.self_id, p.group_id, p.user_id, p.card)
    except WorldError:
        raise InvalidState(Why.CARD_NOT_APPLIED, user_id=p.user_id) from None


class GroupNameParams(Params):
    group_id: Id
    group_name: Str


@action("set_group_name", origin=Origin.SPEC)
def set_group_name(ctx: ActionContext, p: GroupNameParams) -> None:
    """Rename a group (admins and owner)."""
    try:
        ctx.world.groups.rename(ctx.self_id, p.group_id, p.group_name)
    except WorldError as exc:
        raise InvalidState(Why.RENAME_FAILED, cause=exc) from None


class LeaveParams(Params):
    group_id: Id
    is_dismiss: Any = None


@action("set_group_leave", origin=Origin.SPEC)
def set_group_leave(ctx: ActionContext, p: LeaveParams) -> None:
    """Leave a group (an owner cannot; unchecked, as in NapCat)."""
    unchecked(ctx, "set_group_leave", ctx.world.groups.leave, p.group_id, ctx.self_id)


class TitleParams(Params):
    group_id: Id
    user_id: Id
    special_title: Str = ""


@action("set_group_special_title", origin=Origin.SPEC, void=True)
def set_group_special_title(ctx: ActionContext, p: TitleParams) -> None:
    """Give a member a special title (owner only; unchecked)."""
    bot_group(ctx, p.group_id)
    unchecked(ctx, "set_group_special_title", ctx.world.groups.set_title, ctx.self_id,
               p.group_id, p.user_id, p.special_title)


class AnonymousParams(Params):
    group_id: Id
    enable: Bool = True


@action("set_group_anonymous", origin=Origin.SPEC)
def set_group_anonymous(ctx: ActionContext, p: AnonymousParams) -> None:
    """Allow anonymous chat (not routed by NapCat; served under the gocq/spec profiles)."""
    ctx.world.groups.require_admin(p.group_id, ctx.self_id)


class AnonymousBanParams(Params):
    group_id: Id
    anonymous: dict[str, Any] | None = None
    anonymous_flag: Str = ""
    flag: Str = ""
    duration: Int = 1800


@action("set_group_anonymous_ban", origin=Origin.SPEC)
def set_group_anonymous_ban(ctx: ActionContext, p: AnonymousBanParams) -> None:
    """Mute an anonymous sender (the world has no anonymous messages, so no flag matches)."""
    bot_group(ctx, p.group_id)
    flag = (p.anonymous or {}).get("flag") or p.anonymous_flag or p.flag
    if not flag:
        raise NotFound(Why.ANONYMOUS_FLAG_MISSING)
    raise NotFound(Why.ANONYMOUS_FLAG_NOT_FOUND, flag=flag)
