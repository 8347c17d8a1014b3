"""Group and member information (OneBot 11 standard)."""

from __future__ import annotations

from collections import Counter
from typing import Literal, TypedDict

from ...errors import NotFound, Why
from ...world import Group, Member
from ..context import ActionContext
from ..params import Bool, Id, NoCacheParams, Params
from ..registry import Origin, action
from ._util import avatar_url, bot_group, require_user


class GroupInfo(TypedDict):
    group_all_shut: int
    group_remark: str
    group_id: int
    group_name: str
    member_count: int
    max_member_count: int


def group_info(group: Group, remark: str = "") -> GroupInfo:
    return {
        # NapCat reports whole-group mute as -1, otherwise 0.
        "group_all_shut": -1 if group.whole_mute else 0,
        "group_remark": remark,  # the bot's own remark (set_group_remark)
        "group_id": group.group_id,
        "group_name": group.name,
        "member_count": group.member_count,
        "max_member_count": group.max_member_count,
    }


@action("get_group_list", origin=Origin.SPEC)
def get_group_list(ctx: ActionContext, p: NoCacheParams) -> list[GroupInfo]:
    """The groups the bot is in."""
    # The remarks all at once: a bot may be in 10k groups, a look-up each cost seconds.
    remarks = ctx.world.group_extras.remarks(ctx.self_id)
    return [group_info(g, remarks.get(g.group_id, ""))
            for g in ctx.world.groups.of_user(ctx.self_id)]


class GroupParams(Params):
    group_id: Id
    no_cache: Bool = False


@action("get_group_info", origin=Origin.SPEC)
def get_group_info(ctx: ActionContext, p: GroupParams) -> GroupInfo:
    """One group's name, size and whole-group mute state (any existing group)."""
    group = ctx.world.groups.get(p.group_id)
    return group_info(group, ctx.world.group_extras.remark(ctx.self_id, group.group_id))


class MemberInfo(TypedDict):
    group_id: int
    user_id: int
    nickname: str
    card: str
    sex: str
    age: int
    area: str
    level: str
    qq_level: int
    join_time: int
    last_sent_time: int
    title_expire_time: int
    unfriendly: bool
    card_changeable: bool
    is_robot: bool
    shut_up_timestamp: int
    role: str
    title: str


def member_info(member: Member, now: int) -> MemberInfo:
    return {
        "group_id": member.group_id,
        "user_id": member.user_id,
        "nickname": member.nickname,
        "card": member.card,
        "sex": member.sex,
        "age": member.age,
        "area": "",
        "level": str(member.level),
        "qq_level": member.qq_level,
        "join_time": member.join_time,
        "last_sent_time": member.last_sent_time,
        "title_expire_time": 0,
        "unfriendly": False,
        "card_changeable": True,
        "is_robot": member.is_bot,
        "shut_up_timestamp": member.mute_until if member.mute_until > now else 0,
        "role": member.role,
        "title": member.title,
    }


class MemberParams(Params):
    group_id: Id
    user_id: Id
    no_cache: Bool = True


@action("get_group_member_info", origin=Origin.SPEC)
def get_group_member_info(ctx: ActionContext, p: MemberParams) -> MemberInfo:
    """One member's card, role, title, level and mute state."""
    require_user(ctx, p.user_id)
    member = None
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is not None:
        member = ctx.world.groups.find_member(p.group_id, p.user_id)
    if member is None:  # GetGroupMemberInfo.ts: one text whatever is missing
        raise NotFound(Why.MEMBER_NOT_FOUND, group_id=p.group_id, user_id=p.user_id)
    return member_info(member, ctx.world.now())


@action("get_group_member_list", origin=Origin.SPEC)
def get_group_member_list(ctx: ActionContext, p: GroupParams) -> list[MemberInfo]:
    """Every member of a group the bot is in."""
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is None:
        # GetGroupMemberList.ts: the kernel has no member list to give.
        raise NotFound(Why.MEMBER_LIST_UNAVAILABLE, group_id=p.group_id)
    now = ctx.world.now()
    return [member_info(m, now) for m in ctx.world.groups.members(p.group_id)]


HonorType = Literal["all", "talkative", "performer", "legend", "strong_newbie", "emotion"]


class HonorParams(Params):
    group_id: Id
    type: HonorType = "all"


class HonorItem(TypedDict):
    user_id: int
    nickname: str
    avatar: str
    description: str


DAY = 86400


@action("get_group_honor_info", origin=Origin.SPEC)
def get_group_honor_info(ctx: ActionContext, p: HonorParams) -> dict[str, object]:
    """Honours derived from who talked most (today, this week, ever) and sent most faces."""
    bot_group(ctx, p.group_id)
    history = [m for m in ctx.world.messages.group_history(p.group_id) if not m.recalled]
    now = ctx.world.now()
    names = {m.user_id: m.nickname for m in ctx.world.groups.members(p.group_id)}

    def ranked(counts: Counter[int], label: str) -> list[HonorItem]:
        return [
            {"user_id": uid, "nickname": names[uid], "avatar": avatar_url(uid),
             "description": f"{label} {n}"}
            for uid, n in counts.most_common(3) if uid in names
        ]

    today = Counter(m.sender_id for m in history if now - m.time < DAY)
    week = Counter(m.sender_id for m in history if now - m.time < 7 * DAY)
    ever = Counter(m.sender_id for m in history)
    faces = Counter(
        m.sender_id for m in history for s in m.segments if s["type"] in ("face", "image")
    )
    wanted = {p.type} if p.type != "all" else {"talkative", "performer", "legend", "emotion"}
    result: dict[str, object] = {"group_id": p.group_id, "current_talkative": {}}
    lists = {"talkative": (today, "今日发言"), "performer": (week, "本周发言"),
             "legend": (ever, "累计发言"), "emotion": (faces, "表情")}
    for key, (counts, label) in lists.items():
        result[f"{key}_list"] = ranked(counts, label) if key in wanted else []
    talkative = result["talkative_list"]
    if isinstance(talkative, list) and talkative:
        # NapCat's WebApi.getGroupHonorInfo: the first entry of the list, same keys.
        result["current_talkative"] = talkative[0]
    result["strong_newbie_list"] = []  # NapCat never fills it
    return result
