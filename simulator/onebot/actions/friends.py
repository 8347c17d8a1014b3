"""Accounts, friends, likes and requests (OneBot 11 standard)."""

from __future__ import annotations

from typing import Any, TypedDict

from ..context import ActionContext
from ..params import Bool, Id, Int, NoCacheParams, NoParams, Params, Str
from ..registry import Origin, action
from ._friends import FriendInfo, friend_infos
from ._util import not_false, nt_uid, require_user


class LoginInfo(TypedDict):
    user_id: int
    nickname: str


@action("get_login_info", origin=Origin.SPEC)
def get_login_info(ctx: ActionContext, p: NoParams) -> LoginInfo:
    """The bot's own QQ number and nickname."""
    account = ctx.world.accounts.get(ctx.self_id)
    return {"user_id": account.user_id, "nickname": account.nickname}


class StrangerParams(Params):
    user_id: Id
    no_cache: Bool = False


@action("get_stranger_info", origin=Origin.SPEC)
def get_stranger_info(ctx: ActionContext, p: StrangerParams) -> dict[str, Any]:
    """Anyone's public profile, with NapCat's extra kernel fields."""
    require_user(ctx, p.user_id)
    account = ctx.world.accounts.get(p.user_id)
    birth_year = 2026 - account.age if account.age else 0
    return {
        "user_id": account.user_id,
        "uid": nt_uid(account.user_id),
        "nickname": account.nickname,
        "age": account.age,
        "qid": "",
        "qqLevel": account.qq_level,
        "sex": account.sex,
        "long_nick": account.long_nick,
        "reg_time": account.reg_time,
        "is_vip": False,
        "is_years_vip": False,
        "vip_level": 0,
        "remark": ctx.world.accounts.remark(ctx.self_id, p.user_id),
        "status": 10,
        "login_days": 0,
        # Raw kernel fields NapCat spreads into the result.
        "uin": str(account.user_id),
        "nick": account.nickname,
        "longNick": account.long_nick,
        "regTime": account.reg_time,
        "birthday_year": birth_year,
        "birthday_month": 0,
        "birthday_day": 0,
        "eMail": "",
        "phoneNum": "",
        "categoryId": 0,
    }


@action("get_friend_list", origin=Origin.SPEC)
def get_friend_list(ctx: ActionContext, p: NoCacheParams) -> list[FriendInfo]:
    """The bot's friends, with the remark the bot gave each."""
    return friend_infos(ctx)


class LikeParams(Params):
    user_id: Id
    times: Int = 1


@action("send_like", origin=Origin.SPEC, void=True)
def send_like(ctx: ActionContext, p: LikeParams) -> None:
    """Like someone's profile (QQ allows ten a day per person)."""
    require_user(ctx, p.user_id)
    ctx.world.accounts.like(ctx.self_id, p.user_id, p.times)


class FriendRequestParams(Params):
    flag: Str
    approve: Any = None
    remark: Str = ""


@action("set_friend_add_request", origin=Origin.SPEC, void=True)
def set_friend_add_request(ctx: ActionContext, p: FriendRequestParams) -> None:
    """Approve or reject a friend request by its flag."""
    approve = not_false(p.approve)
    request = ctx.world.requests.answer(ctx.self_id, p.flag, approve, kind="friend")
    if approve and p.remark:
        ctx.world.accounts.set_remark(ctx.self_id, request.user_id, p.remark)


class GroupRequestParams(Params):
    flag: Str
    approve: Any = None
    reason: Str = " "
    count: Int = 100
    sub_type: Any = None
    type: Any = None


@action("set_group_add_request", origin=Origin.SPEC)
def set_group_add_request(ctx: ActionContext, p: GroupRequestParams) -> None:
    """Approve or reject a join request or an invitation (``sub_type`` is ignored)."""
    approve = not_false(p.approve)
    if approve:
        ctx.world.requests.check_approver(ctx.self_id, p.flag)
    ctx.world.requests.answer(ctx.self_id, p.flag, approve, kind="group")
