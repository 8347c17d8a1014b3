"""NapCat's account extras: friend categories, one-way deletion, doubtful requests,
profile likes, profile edits, online status, typing and pokes.

Several of these pass the QQNT kernel's answer straight through ("raw NT"); for
setters that is ``{"result": 0, "errMsg": ""}``, which qqsim returns after
changing the world.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from ...errors import BadParams, InvalidState, NotFound, Why
from ...world.profiles import Liker, LikeSummary
from ..context import ActionContext
from ..media import resolve_media
from ..params import Bool, Int, NoParams, Params, Str, UserParams
from ..registry import Origin, action
from ._friends import FriendInfo, friend_infos
from ._nt import NtResult, gender_code, js_int, js_parse_int, nt_ok, number_or_string
from ._util import loose_int, nt_uid

log = logging.getLogger("qqsim.action")


def _known(ctx: ActionContext, raw: object) -> int | None:
    """The QQ number in ``raw`` if such an account exists (NapCat's uin → uid look-up)."""
    user_id = loose_int(raw)
    if user_id is None or ctx.world.accounts.find(user_id) is None:
        return None
    return user_id


# -- friend list extras -------------------------------------------------------------


class FriendCategory(TypedDict):
    categoryId: int
    categorySortId: int
    categoryName: str
    categoryMbCount: int
    onlineCount: int
    buddyList: list[FriendInfo]


@action("get_friends_with_category", origin=Origin.NAPCAT)
def get_friends_with_category(ctx: ActionContext, p: NoParams) -> list[FriendCategory]:
    """The bot's friends grouped by the categories it keeps them in."""
    friends = {f["user_id"]: f for f in friend_infos(ctx)}
    result: list[FriendCategory] = []
    # One statement for every friend's presence, not a look-up per friend.
    offline = ctx.world.profiles.friends_seen_offline(ctx.self_id)
    for category in ctx.world.social.categories(ctx.self_id):
        online = sum(1 for uid in category.friend_ids if uid not in offline)
        result.append({
            "categoryId": category.category_id,
            "categorySortId": category.sort_id,
            "categoryName": category.name,
            "categoryMbCount": len(category.friend_ids),
            "onlineCount": online,
            "buddyList": [friends[uid] for uid in category.friend_ids],
        })
    return result


class OneWayFriend(TypedDict):
    uin: int
    uid: str
    nick_name: str
    age: int
    source: str


@action("get_unidirectional_friend_list", origin=Origin.GOCQ)
def get_unidirectional_friend_list(ctx: ActionContext, p: NoParams) -> list[OneWayFriend]:
    """People who still list the bot as a friend after the bot deleted them one way."""
    return [{"uin": account.user_id, "uid": nt_uid(account.user_id),
             "nick_name": account.nickname, "age": account.age, "source": ""}
            for account, _since in ctx.world.social.unidirectional(ctx.self_id)]


class DeleteFriendParams(Params):
    friend_id: Any = None
    user_id: Any = None
    temp_block: Bool | None = None
    temp_both_del: Bool | None = None


@action("delete_friend", origin=Origin.GOCQ)
def delete_friend(ctx: ActionContext, p: DeleteFriendParams) -> dict[str, Any]:
    """Delete a friend (one way unless ``temp_both_del``); a non-friend is not an error."""
    raw = number_or_string(p.friend_id if p.friend_id is not None else p.user_id)
    friend_id = _known(ctx, raw)
    # NapCat's quirk: an unknown user or a non-friend is a *success* saying valid: false.
    if friend_id is None:
        return {"valid": False, "message": "好友不存在"}
    if not ctx.world.accounts.is_friend(ctx.self_id, friend_id):
        return {"valid": False, "message": "不是好友"}
    ctx.world.social.delete_friend(ctx.self_id, friend_id, both_ways=bool(p.temp_both_del))
    return dict(nt_ok())


class RemarkParams(Params):
    user_id: Str
    remark: Str


@action("set_friend_remark", origin=Origin.NAPCAT, void=True)
def set_friend_remark(ctx: ActionContext, p: RemarkParams) -> None:
    """Set the remark (备注) the bot shows for a friend."""
    friend_id = _known(ctx, p.user_id)
    if friend_id is None or not ctx.world.accounts.is_friend(ctx.self_id, friend_id):
        raise InvalidState(Why.NOT_A_FRIEND, user_id=p.user_id)
    ctx.world.accounts.set_remark(ctx.self_id, friend_id, p.remark)


# -- doubtful friend requests ---------------------------------------------------------


class DoubtParams(Params):
    count: Int = 50


class DoubtRequestInfo(TypedDict):
    flag: str
    uin: str
    nick: str
    source: str
    reason: str
    msg: str
    group_code: str
    time: str
    type: str


@action("get_doubt_friends_add_request", origin=Origin.NAPCAT)
def get_doubt_friends_add_request(ctx: ActionContext, p: DoubtParams) -> list[DoubtRequestInfo]:
    """Friend requests QQ's risk control set aside (no request event announced them)."""
    return [{
        "flag": nt_uid(request.user_id),  # NapCat: the asker's uid, not a number
        "uin": str(request.user_id),
        "nick": request.nick,
        "source": request.source,
        "reason": request.reason,
        "msg": request.msg,
        "group_code": str(request.group_code),
        "time": str(request.time),
        "type": "doubt",
    } for request in ctx.world.social.doubtful_requests(ctx.self_id, p.count)]


class DoubtAnswerParams(Params):
    flag: Str
    approve: Bool = True


@action("set_doubt_friends_add_request", origin=Origin.NAPCAT, void=True)
def set_doubt_friends_add_request(ctx: ActionContext, p: DoubtAnswerParams) -> None:
    """Accept a doubtful request by its flag (``approve`` is ignored: NapCat always accepts)."""
    for request in ctx.world.social.doubtful_requests(ctx.self_id, 1 << 30):
        if nt_uid(request.user_id) == p.flag:
            ctx.world.social.approve_doubtful(ctx.self_id, request.user_id)
            return
    log.info("[%s] set_doubt_friends_add_request: no pending request %s", ctx.self_id, p.flag)


# -- profile likes --------------------------------------------------------------------


class ProfileLikeParams(Params):
    user_id: Str | None = None
    start: Any = 0
    count: Any = 10


def _vote_info(liker: Liker) -> dict[str, Any]:
    """One kernel ``NTVoteInfo``, with the ``uin`` NapCat adds."""
    return {
        "age": liker.age, "bAvailableCnt": liker.can_still_like,
        "bTodayVotedCnt": liker.today_count, "count": liker.count, "customId": 0,
        "gender": gender_code(liker.sex), "giftCount": 0, "isFriend": liker.is_friend,
        "isSvip": False, "isvip": False, "lastCharged": 0,
        # The world keeps likes per day: the time is that day's start.
        "latestTime": liker.last_day * 86400, "nick": liker.nickname, "src": 71,
        "uid": nt_uid(liker.user_id), "uin": liker.user_id,
    }


def _like_info(summary: LikeSummary, start: int, count: int, now: int) -> dict[str, Any]:
    page = slice(start, start + count)
    return {
        "uid": nt_uid(summary.user_id),
        "time": str(now),
        "favoriteInfo": {
            "userInfos": [_vote_info(x) for x in summary.favorites[page]],
            "total_count": summary.favorites_total,
            "last_time": summary.favorites_last_day * 86400,
            "today_count": summary.favorites_today,
        },
        "voteInfo": {
            "total_count": summary.votes_total,
            "new_count": summary.votes_today,
            "new_nearby_count": 0,
            "last_visit_time": now,
            "userInfos": [_vote_info(x) for x in summary.votes[page]],
        },
    }


@action("get_profile_like", origin=Origin.NAPCAT)
def get_profile_like(ctx: ActionContext, p: ProfileLikeParams) -> dict[str, Any]:
    """Who liked a profile (the bot's by default) and whom it liked, paged by start/count."""
    start, count = js_int(number_or_string(p.start)), js_int(number_or_string(p.count))
    if start is None or count is None:
        raise InvalidState(Why.GET_INFO_ERROR, start=p.start, count=p.count)
    # NapCat falls back to the bot's own uid when the user is unknown.
    target = _known(ctx, p.user_id) if p.user_id else None
    summary = ctx.world.profiles.like_summary(target or ctx.self_id, viewer_id=ctx.self_id)
    return _like_info(summary, max(start, 0), max(count, 0), ctx.world.now())


# -- presence -------------------------------------------------------------------------


class UserStatus(TypedDict):
    status: int
    ext_status: int


@action("nc_get_user_status", origin=Origin.NAPCAT)
def nc_get_user_status(ctx: ActionContext, p: UserParams) -> UserStatus:
    """Someone's online status as the bot sees it (the invisible look offline)."""
    user_id = _known(ctx, p.user_id)
    if user_id is None:
        raise NotFound(Why.USER_STATUS_UNAVAILABLE, user_id=p.user_id)
    status, ext_status = ctx.world.profiles.status_seen_by(user_id, ctx.self_id)
    return {"status": status, "ext_status": ext_status}


class OnlineStatusParams(Params):
    status: Any
    ext_status: Any
    battery_status: Any


@action("set_online_status", origin=Origin.NAPCAT)
def set_online_status(ctx: ActionContext, p: OnlineStatusParams) -> None:
    """Set the bot's status: 10 online, 30 away, 40 invisible, 50 busy, 60 Q-me, 70 DND."""
    values = [js_int(number_or_string(v)) for v in (p.status, p.ext_status, p.battery_status)]
    status, ext_status, battery = values
    if status is None or ext_status is None or battery is None:
        raise InvalidState(Why.BAD_STATUS, status=p.status, ext_status=p.ext_status,
                           battery_status=p.battery_status)
    ctx.world.profiles.set_status(ctx.self_id, status, ext_status, battery)


class DiyStatusParams(Params):
    face_id: Any
    face_type: Any = "1"
    wording: Str = " "


@action("set_diy_online_status", origin=Origin.NAPCAT)
def set_diy_online_status(ctx: ActionContext, p: DiyStatusParams) -> str:
    """Set a custom status (a face and a text); returns the kernel's errMsg, ``""``."""
    face_id, face_type = number_or_string(p.face_id), number_or_string(p.face_type)
    if face_id is None:  # an explicit null matches neither number nor string
        raise BadParams(Why.EXPECTED_UNION)
    ctx.world.profiles.set_diy_status(ctx.self_id, str(face_id), str(face_type), p.wording)
    return ""


class InputStatusParams(Params):
    user_id: Str
    event_type: Int


@action("set_input_status", origin=Origin.NAPCAT)
def set_input_status(ctx: ActionContext, p: InputStatusParams) -> NtResult:
    """Show "typing…" (1) or "speaking…" (0) to a user; a bot peer gets a notice."""
    user_id = _known(ctx, p.user_id)
    if user_id is None:
        raise NotFound(Why.UID_EMPTY, user_id=p.user_id)
    ctx.world.profiles.input_status(ctx.self_id, user_id, p.event_type)
    return nt_ok()


# -- profile --------------------------------------------------------------------------


class ProfileParams(Params):
    nickname: Str
    personal_note: Str | None = None
    sex: Any = None


@action("set_qq_profile", origin=Origin.GOCQ)
def set_qq_profile(ctx: ActionContext, p: ProfileParams) -> NtResult:
    """Change the bot's nickname, signature and sex (0 unknown, 1 male, 2 female)."""
    sex_value = number_or_string(p.sex)
    sex = None
    if sex_value:  # NapCat keeps the old sex for a missing (or numeric 0) value
        sex = {1: "male", 2: "female"}.get(js_parse_int(str(sex_value)) or 0, "unknown")
    account = ctx.world.accounts.get(ctx.self_id)
    note = p.personal_note if p.personal_note is not None else account.long_nick
    ctx.world.profiles.update_profile(ctx.self_id, nickname=p.nickname, long_nick=note or "",
                                      sex=sex)
    return nt_ok()


class LongNickParams(Params):
    longNick: Str


@action("set_self_longnick", origin=Origin.NAPCAT)
def set_self_longnick(ctx: ActionContext, p: LongNickParams) -> NtResult:
    """Set the bot's signature (个性签名)."""
    ctx.world.profiles.update_profile(ctx.self_id, long_nick=p.longNick)
    return nt_ok()


class AvatarParams(Params):
    file: Str


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF")


@action("set_qq_avatar", origin=Origin.NAPCAT)
def set_qq_avatar(ctx: ActionContext, p: AvatarParams) -> None:
    """Set the bot's avatar from a file, URL or base64 image."""
    try:
        media = resolve_media(ctx, p.file, kind="image")
    except InvalidState:
        raise InvalidState(Why.AVATAR_BAD_FILE, file=p.file) from None
    if media.data is not None and not media.data.startswith(_IMAGE_MAGIC):
        raise InvalidState(Why.AVATAR_NOT_IMAGE, file=p.file)
    ctx.world.profiles.set_avatar(ctx.self_id, media.name)


# -- pokes ----------------------------------------------------------------------------


class PokeParams(Params):
    user_id: Str
    group_id: Str | None = None
    target_id: Str | None = None


def _poke(ctx: ActionContext, p: PokeParams) -> None:
    target_raw = p.target_id or p.user_id
    peer_raw = p.group_id or p.user_id
    if not target_raw or not peer_raw:
        raise InvalidState(Why.POKE_TARGET_MISSING)
    target, peer = js_int(target_raw), js_int(peer_raw)
    if target is None or peer is None:
        return  # NapCat sends a packet QQ ignores
    if p.group_id:
        ctx.world.pokes.poke(ctx.self_id, target, group_id=peer)
    else:
        ctx.world.pokes.poke(ctx.self_id, target, peer_id=peer)


@action("send_poke", origin=Origin.NAPCAT, void=True)
def send_poke(ctx: ActionContext, p: PokeParams) -> None:
    """Poke someone: in a group when ``group_id`` is given, else in the private chat."""
    _poke(ctx, p)


@action("group_poke", origin=Origin.NAPCAT, void=True)
def group_poke(ctx: ActionContext, p: PokeParams) -> None:
    """The same as send_poke (a group poke only when ``group_id`` is given)."""
    _poke(ctx, p)


@action("friend_poke", origin=Origin.NAPCAT, void=True)
def friend_poke(ctx: ActionContext, p: PokeParams) -> None:
    """The same as send_poke (passing ``group_id`` makes it a group poke)."""
    _poke(ctx, p)

