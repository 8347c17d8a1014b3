"""More about groups: details, extension info, mutes, @all quota, notifications, check-ins.

Several answers are the QQ kernel's own objects (camelCase), which NapCat
passes through. qqsim builds them from the world: every field a bot can
change or observe (settings, remark, portrait, mutes, the todo, ...) is
real, and the kernel's many bookkeeping fields carry QQ's neutral values.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import NotFound, Why
from ...world import Group, Member, Request
from ...world.group_extras import GroupSettings
from ..context import ActionContext
from ..params import GroupIdParams, Int, NoParams, Params, Str
from ..registry import Backing, Origin, action
from ._util import nt_uid

#: Kernel role codes of group members.
NT_ROLE = {"owner": 4, "admin": 3, "member": 2}
#: appPrivilegeFlag bits NapCat writes for each member invite policy.
INVITE_PRIVILEGE = {"disabled": 0x04000000, "require_approval": 0,
                    "no_approval": 0x00100000, "no_approval_under_100": 0x02000000}
UPLOAD_ALBUM_FORBIDDEN = 0x1
CREATE_GROUP_FORBIDDEN = 0x8000
TEMPORARY_SESSION_FORBIDDEN = 0x10000
NEW_MEMBERS_SEE_HISTORY = 0x4  # in groupFlagExt4
#: How the kernel stores "whole-group mute on" (no end time).
WHOLE_MUTE_FOREVER = 0xFFFFFFFF


def privilege_flag(settings: GroupSettings) -> int:
    flag = INVITE_PRIVILEGE[settings.invite_policy]
    if not settings.allow_upload_album:
        flag |= UPLOAD_ALBUM_FORBIDDEN
    if not settings.allow_temporary_session:
        flag |= TEMPORARY_SESSION_FORBIDDEN
    if not settings.allow_create_group:
        flag |= CREATE_GROUP_FORBIDDEN
    return flag


def ext_info(ctx: ActionContext, group: Group) -> dict[str, Any]:
    """The kernel's 0xEF0 extension info of a group."""
    settings = ctx.world.group_extras.settings(group.group_id)
    todo = ctx.world.group_extras.todo(group.group_id)
    return {
        "groupInfoExtSeq": 1, "reserve": 0, "luckyWordId": "0", "lightCharNum": 0,
        "luckyWord": "", "starId": 0, "essentialMsgSwitch": 1,
        "todoSeq": todo.seq if todo else 0, "blacklistExpireTime": 0, "isLimitGroupRtc": 0,
        "companyId": 0, "hasGroupCustomPortrait": 1 if settings.portrait else 0,
        "bindGuildId": "0",
        "groupOwnerId": {"memberUin": str(group.owner_id), "memberUid": nt_uid(group.owner_id),
                         "memberQid": ""},
        "essentialMsgPrivilege": 0, "msgEventSeq": "0", "inviteRobotSwitch": 0, "gangUpId": "0",
        "qqMusicMedalSwitch": 0, "showPlayTogetherSwitch": 0, "groupFlagPro1": "0",
        "groupBindGuildIds": {"guildIds": []}, "viewedMsgDisappearTime": "0",
        "groupExtFlameData": {"switchState": 0, "state": 0, "dayNums": [], "version": 0,
                              "updateTime": "0", "isDisplayDayNum": False},
        "groupBindGuildSwitch": 0, "groupAioBindGuildId": "0",
        "groupExcludeGuildIds": {"guildIds": []}, "fullGroupExpansionSwitch": 0,
        "fullGroupExpansionSeq": "0",
        "inviteRobotMemberSwitch": settings.robot_member_switch,
        "inviteRobotMemberExamine": settings.robot_member_examine, "groupSquareSwitch": 0,
    }


def group_detail(ctx: ActionContext, group: Group) -> dict[str, Any]:
    """The kernel's group detail object, as seen by the bot."""
    settings = ctx.world.group_extras.settings(group.group_id)
    me = ctx.world.groups.find_member(group.group_id, ctx.self_id)
    now = ctx.world.now()
    detail: dict[str, Any] = {
        "groupCode": str(group.group_id), "groupUin": str(group.group_id),
        "ownerUid": nt_uid(group.owner_id), "ownerUin": str(group.owner_id),
        "groupFlag": 0, "groupFlagExt": 0, "maxMemberNum": group.max_member_count,
        "memberNum": group.member_count, "groupOption": settings.add_option, "classExt": 0,
        "groupName": group.name, "fingerMemo": "", "groupQuestion": settings.question,
        "certType": 0, "richFingerMemo": "", "tagRecord": [],
        "shutUpAllTimestamp": WHOLE_MUTE_FOREVER if group.whole_mute else 0,
        "shutUpMeTimestamp": me.mute_until if me and me.muted_at(now) else 0,
        "groupTypeFlag": 0, "privilegeFlag": privilege_flag(settings), "groupSecLevel": 0,
        "groupFlagExt3": 0, "isConfGroup": 0, "isModifyConfGroupFace": 0,
        "isModifyConfGroupName": 0,
        "groupFlagExt4": NEW_MEMBERS_SEE_HISTORY if settings.new_members_see_history else 0,
        "groupMemo": "", "cmdUinJoinTime": me.join_time if me else 0,
        "cmdUinPrivilege": NT_ROLE[me.role] if me else 0,
        "remarkName": ctx.world.group_extras.remark(ctx.self_id, group.group_id),
        "isTop": False, "groupFace": settings.portrait_seq,
        "certificationText": "", "longGroupName": "",
        "groupCardPrefix": {"introduction": "", "rptPrefix": []},
        "groupExt": ext_info(ctx, group), "isAllowRecallMsg": 0,
        "groupSchoolInfo": {"location": "", "grade": 0, "school": ""},
        "activeMemberNum": group.member_count, "groupGrade": 0,
        "groupCreateTime": group.created_at,
        "noFingerOpenFlag": settings.no_finger_open,
        "noCodeFingerOpenFlag": settings.no_code_finger_open, "isGroupFreeze": 0,
        "groupClassText": "", "headPortraitSeq": settings.portrait_seq,
        "groupHeadPortrait": {"portraitCnt": 1 if settings.portrait else 0, "portraitInfo": [],
                              "defaultId": 0, "verifyingPortraitCnt": 0,
                              "verifyingPortraitInfo": []},
        "groupAnswer": settings.answer, "groupAdminMaxNum": 10,
    }
    return detail


@action("get_group_detail_info", origin=Origin.NAPCAT)
def get_group_detail_info(ctx: ActionContext, p: GroupIdParams) -> dict[str, Any]:
    """The kernel's group details plus the OneBot group fields (group_remark stays "")."""
    group = ctx.world.groups.get(p.group_id)
    return {
        **group_detail(ctx, group),
        "group_all_shut": -1 if group.whole_mute else 0,
        "group_remark": "",  # NapCat hard-codes it; the remark is in remarkName
        "group_id": group.group_id,
        "group_name": group.name,
        "member_count": group.member_count,
        "max_member_count": group.max_member_count,
    }


@action("get_group_info_ex", origin=Origin.NAPCAT)
def get_group_info_ex(ctx: ActionContext, p: GroupIdParams) -> dict[str, Any]:
    """The kernel's extension info of a group (robot join options, todo, owner...)."""
    group = ctx.world.groups.get(p.group_id)
    return {"groupCode": str(group.group_id), "resultCode": 0, "extInfo": ext_info(ctx, group)}


def raw_member(ctx: ActionContext, member: Member) -> dict[str, Any]:
    """A member as the kernel describes it."""
    # One key: the bot's whole friend list for each member cost members x friends.
    remark = ctx.world.accounts.remark(ctx.self_id, member.user_id)
    return {
        "uid": nt_uid(member.user_id), "qid": "", "uin": str(member.user_id),
        "nick": member.nickname, "remark": remark, "cardType": 0, "cardName": member.card,
        "role": NT_ROLE[member.role], "avatarPath": "", "shutUpTime": member.mute_until,
        "isDelete": False, "isSpecialConcerned": False, "isSpecialShield": False,
        "isRobot": member.is_bot, "groupHonor": {}, "memberRealLevel": member.level,
        "memberLevel": member.level, "globalGroupLevel": 0, "globalGroupPoint": 0,
        "memberTitleId": 0, "memberSpecialTitle": member.title, "specialTitleExpireTime": "0",
        "userShowFlag": 0, "userShowFlagNew": 0, "richFlag": 0, "mssVipType": 0,
        "bigClubLevel": 0, "bigClubFlag": 0, "autoRemark": "", "creditLevel": 0,
        "joinTime": member.join_time, "lastSpeakTime": member.last_sent_time,
        "memberFlag": 0, "memberFlagExt": 0, "memberMobileFlag": 0, "memberFlagExt2": 0,
        "isSpecialShielded": False, "cardNameId": 0,
    }


@action("get_group_shut_list", origin=Origin.NAPCAT)
def get_group_shut_list(ctx: ActionContext, p: GroupIdParams) -> list[dict[str, Any]]:
    """Members muted right now, as kernel member objects ([] when QQ says nothing)."""
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is None:
        return []  # NapCat answers [] whenever the kernel call fails
    now = ctx.world.now()
    return [raw_member(ctx, m) for m in ctx.world.groups.members(p.group_id)
            if m.muted_at(now)]


class AtAllRemain(TypedDict):
    can_at_all: bool
    remain_at_all_count_for_group: int
    remain_at_all_count_for_uin: int


@action("get_group_at_all_remain", origin=Origin.GOCQ)
def get_group_at_all_remain(ctx: ActionContext, p: GroupIdParams) -> AtAllRemain:
    """How many @all mentions the group and the bot have left today (admins only may)."""
    me = ctx.world.groups.member(p.group_id, ctx.self_id)
    used = ctx.world.group_extras.at_all_used(p.group_id, ctx.self_id)
    return {"can_at_all": used.allows(me.is_admin),
            "remain_at_all_count_for_group": used.left_for_group,
            "remain_at_all_count_for_uin": used.left_for_member}


# -- the group notification list ---------------------------------------------------


class NotifyItem(TypedDict):
    request_id: int
    invitor_uin: int
    invitor_nick: str
    group_id: int
    message: str
    group_name: str
    checked: bool
    actor: int
    requester_nick: str


class SystemMessages(TypedDict):
    invited_requests: list[NotifyItem]
    InvitedRequest: list[NotifyItem]
    join_requests: list[NotifyItem]


def _nick(ctx: ActionContext, user_id: int) -> str:
    account = ctx.world.accounts.find(user_id)
    return account.nickname if account else ""


def _notify_item(ctx: ActionContext, request: Request) -> NotifyItem:
    """One group notification as NapCat flattens it.

    NapCat reads ``user1`` as the invitor and ``user2`` as the actor. For a join
    request user1 is the applicant and user2 the admin who handled it; for an
    invitation of the bot, user1 is the bot itself and user2 the member who
    invited it, so the names come out that way round, as in NapCat.
    """
    handled = request.state != "pending"
    if request.sub_type == "invite":
        user1, user2 = request.self_id, request.user_id
    else:
        user1, user2 = request.user_id, request.self_id if handled else 0
    group = ctx.world.groups.find(request.group_id)
    return {
        "request_id": int(request.flag), "invitor_uin": user1,
        "invitor_nick": _nick(ctx, user1), "group_id": request.group_id,
        "message": request.comment, "group_name": group.name if group else "",
        "checked": handled, "actor": user2, "requester_nick": _nick(ctx, user1),
    }


def system_messages(ctx: ActionContext, count: int | None) -> SystemMessages:
    requests = ctx.world.group_extras.group_notifications(ctx.self_id)
    if count is not None:
        requests = requests[:count]
    invited = [_notify_item(ctx, r) for r in requests if r.sub_type == "invite"]
    joins = [_notify_item(ctx, r) for r in requests if r.sub_type == "add"]
    return {"invited_requests": invited, "InvitedRequest": invited, "join_requests": joins}


class SystemMsgParams(Params):
    count: Int | Str = 50


@action("get_group_system_msg", origin=Origin.GOCQ)
def get_group_system_msg(ctx: ActionContext, p: SystemMsgParams) -> SystemMessages:
    """The bot's group notifications: invitations and join requests, handled or not."""
    count = p.count if isinstance(p.count, int) else (
        int(p.count) if p.count.strip().isdigit() else None)
    return system_messages(ctx, count)


@action("get_group_ignored_notifies", origin=Origin.NAPCAT)
def get_group_ignored_notifies(ctx: ActionContext, p: NoParams) -> SystemMessages:
    """The same list as get_group_system_msg (NapCat reads the normal list, 50 items)."""
    return system_messages(ctx, 50)


@action("get_group_ignore_add_request", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_group_ignore_add_request(ctx: ActionContext, p: NoParams) -> list[NotifyItem]:
    """Join requests QQ's risk filter set aside: always none, qqsim has no risk filter."""
    return []


# -- check-ins ---------------------------------------------------------------------


class SignedItem(TypedDict):
    user_id: int
    nick: str
    time: int
    rank: int


@action("get_group_signed_list", origin=Origin.NAPCAT)
def get_group_signed_list(ctx: ActionContext, p: GroupIdParams) -> list[SignedItem]:
    """Today's check-ins in the group, in the order members checked in."""
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is None:
        raise NotFound(Why.SIGNED_LIST_UNAVAILABLE, group_id=p.group_id)
    signed: list[SignedItem] = []
    for sign in ctx.world.group_extras.signed_today(p.group_id):
        member = ctx.world.groups.find_member(p.group_id, sign.user_id)
        nick = (member.card or member.nickname) if member else _nick(ctx, sign.user_id)
        signed.append({"user_id": sign.user_id, "nick": nick, "time": sign.time,
                       "rank": sign.rank})
    return signed
