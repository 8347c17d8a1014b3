"""NapCat's account extras: friend categories and deletion, doubtful requests, likes,
profile and status changes, typing, pokes, system stubs, share cards and keys."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import trio
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, Api, EventLog, wired_config
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.adapters.onebot.v11 import event as models
from trio_websocket import open_websocket_url

from simulator import (
    ManualClock,
    Simulator,
    open_simulator,
)
from simulator.onebot.actions._util import nt_uid

BOT2 = 10002
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5Er"
    "kJggg==")


@pytest.fixture
def bot2(sim: Simulator, events: EventLog) -> int:
    """A second bot, friends with the first and a member of 100100 (its arrival not logged)."""
    sim.world.accounts.add(BOT2, "小R", is_bot=True)
    sim.world.accounts.befriend(BOT, BOT2)
    sim.world.groups.add_member(ADMIN_GROUP, BOT2)
    events.clear()
    return BOT2


def parsed(event: dict[str, Any]) -> models.Event:
    """NoneBot's model for ``event`` (its adapter parses without a running driver)."""
    result = Adapter.json_to_event(event)
    assert result is not None, event
    return result


def friend_ids(api: Api) -> list[int]:
    return [f["user_id"] for f in api.ok("get_friend_list")]


# -- friend list extras -------------------------------------------------------------------


def test_get_friends_with_category(api: Api, sim: Simulator) -> None:
    [default] = api.ok("get_friends_with_category")
    assert (default["categoryId"], default["categoryName"], default["categoryMbCount"],
            default["onlineCount"]) == (0, "我的好友", 4, 4)
    assert default["buddyList"] == api.ok("get_friend_list")
    work = sim.world.social.create_category(BOT, "同事")
    sim.world.social.move_friend(BOT, 20007, work)
    sim.person(20001).set_online_status(40)  # invisible: counted as offline
    default, colleagues = api.ok("get_friends_with_category")
    assert [f["user_id"] for f in default["buddyList"]] == [20001, 20002, 20003]
    assert (default["categoryMbCount"], default["onlineCount"]) == (3, 2)
    assert (colleagues["categoryId"], colleagues["categoryName"]) == (work, "同事")
    assert [f["user_id"] for f in colleagues["buddyList"]] == [20007]


def test_delete_friend_one_way_leaves_a_unidirectional_friend(api: Api, sim: Simulator) -> None:
    assert api.ok("get_unidirectional_friend_list") == []
    assert api.ok("delete_friend", {"user_id": 20002}) == {"result": 0, "errMsg": ""}
    assert 20002 not in friend_ids(api)
    assert sim.world.accounts.is_friend(20002, BOT)  # the other side still lists the bot
    assert api.ok("get_unidirectional_friend_list") == [
        {"uin": 20002, "uid": nt_uid(20002), "nick_name": "王芳", "age": 27, "source": ""}]
    # NapCat's quirk: not a friend, or nobody at all, is a success with valid: false.
    assert api.ok("delete_friend", {"friend_id": "20002"}) == {"valid": False,
                                                                "message": "不是好友"}
    assert api.ok("delete_friend", {"user_id": 99}) == {"valid": False, "message": "好友不存在"}
    assert api.ok("delete_friend", {}) == {"valid": False, "message": "好友不存在"}


def test_delete_friend_both_ways(api: Api, sim: Simulator) -> None:
    api.ok("delete_friend", {"friend_id": 20003, "temp_both_del": True, "temp_block": False})
    assert not sim.world.accounts.is_friend(20003, BOT)
    assert api.ok("get_unidirectional_friend_list") == []
    api.fail("delete_friend", {"user_id": [1]}, "Schema compilation error: Expected union value",
             1400)


def test_set_friend_remark(api: Api) -> None:
    api.void("set_friend_remark", {"user_id": "20001", "remark": "老张"})
    assert api.ok("get_friend_list")[0]["remark"] == "老张"
    api.fail("set_friend_remark", {"user_id": "20004", "remark": "x"}, "用户 20004 不是好友")
    api.fail("set_friend_remark", {"user_id": "abc", "remark": "x"}, "用户 abc 不是好友")
    api.fail("set_friend_remark", {"user_id": 20001},
             "Schema compilation error: Expected required property (/remark)", 1400)


# -- doubtful friend requests ---------------------------------------------------------------


def test_doubtful_requests_are_listed_and_accepted(api: Api, sim: Simulator,
                                                   events: EventLog) -> None:
    sim.person(20005).add_friend_doubtful(BOT, "加个好友", source="群聊", reason="风险账号",
                                          group_code=ADMIN_GROUP)
    assert events.rendered() == []  # QQ raises no request event for these
    [request] = api.ok("get_doubt_friends_add_request", {"count": "10"})
    assert request == {"flag": nt_uid(20005), "uin": "20005", "nick": "陈静", "source": "群聊",
                       "reason": "风险账号", "msg": "加个好友", "group_code": "100100",
                       "time": str(sim.world.now()), "type": "doubt"}
    api.void("set_doubt_friends_add_request", {"flag": request["flag"], "approve": False})
    assert 20005 in friend_ids(api)  # approve is ignored: NapCat always accepts
    assert events.one("notice", "friend_add")["user_id"] == 20005
    assert api.ok("get_doubt_friends_add_request") == []
    api.void("set_doubt_friends_add_request", {"flag": "u_nobody"})  # no error, no change


def test_doubtful_requests_respect_count(api: Api, sim: Simulator, clock: ManualClock) -> None:
    for user in (20004, 20006, 20008):
        sim.person(user).add_friend_doubtful(BOT)
        clock.advance(1)
    newest = api.ok("get_doubt_friends_add_request", {"count": 2})
    assert [r["uin"] for r in newest] == ["20008", "20006"]


# -- likes ------------------------------------------------------------------------------------


def test_get_profile_like_reflects_likes(api: Api, sim: Simulator) -> None:
    sim.person(20003).like(BOT, 3)
    sim.person(20001).like(BOT, 1)
    api.void("send_like", {"user_id": 20002, "times": 2})
    info = api.ok("get_profile_like")
    assert info["uid"] == nt_uid(BOT) and info["time"] == str(sim.world.now())
    votes = info["voteInfo"]
    assert (votes["total_count"], votes["new_count"]) == (4, 4)
    first = votes["userInfos"][0]
    assert (first["uin"], first["uid"], first["nick"], first["count"], first["bTodayVotedCnt"],
            first["gender"], first["isFriend"]) == (20003, nt_uid(20003), "李娜", 3, 3, 2, True)
    favorites = info["favoriteInfo"]
    assert (favorites["total_count"], favorites["today_count"]) == (2, 2)
    assert [u["uin"] for u in favorites["userInfos"]] == [20002]
    assert favorites["userInfos"][0]["bAvailableCnt"] == 8  # 10 a day, 2 given
    page = api.ok("get_profile_like", {"start": "1", "count": 1})["voteInfo"]["userInfos"]
    assert [u["uin"] for u in page] == [20001]


def test_get_profile_like_of_someone_else(api: Api, sim: Simulator) -> None:
    api.void("send_like", {"user_id": 20001, "times": 5})
    other = api.ok("get_profile_like", {"user_id": "20001"})
    assert other["uid"] == nt_uid(20001)
    assert other["voteInfo"]["total_count"] == 5
    assert other["voteInfo"]["userInfos"][0]["uin"] == BOT
    # NapCat falls back to the bot itself for an unknown user.
    assert api.ok("get_profile_like", {"user_id": 99})["uid"] == nt_uid(BOT)
    api.fail("get_profile_like", {"start": "x"}, "get info error")


# -- presence ---------------------------------------------------------------------------------


def test_nc_get_user_status(api: Api, sim: Simulator) -> None:
    assert api.ok("nc_get_user_status", {"user_id": 20001}) == {"status": 10, "ext_status": 0}
    sim.person(20001).set_online_status(30)
    assert api.ok("nc_get_user_status", {"user_id": "20001"}) == {"status": 30,
                                                                   "ext_status": 0}
    sim.person(20001).set_online_status(40)  # invisible looks offline to others
    assert api.ok("nc_get_user_status", {"user_id": 20001}) == {"status": 0, "ext_status": 0}
    api.fail("nc_get_user_status", {"user_id": 99}, "无法获取用户状态")


def test_set_online_status(api: Api, sim: Simulator, bot2: int) -> None:
    assert api.ok("set_online_status", {"status": 50, "ext_status": "1028",
                                        "battery_status": 80}) is None
    seen = sim.link(bot2).call("nc_get_user_status", {"user_id": BOT})["data"]
    assert seen == {"status": 50, "ext_status": 1028}
    api.fail("set_online_status", {"status": 99, "ext_status": 0, "battery_status": 0},
             "设置在线状态失败")
    api.fail("set_online_status", {"status": "busy", "ext_status": 0, "battery_status": 0},
             "设置在线状态失败")
    api.fail("set_online_status", {"status": 10},
             "Schema compilation error: Expected required property (/ext_status)", 1400)


def test_set_diy_online_status(api: Api, sim: Simulator) -> None:
    assert api.ok("set_diy_online_status", {"face_id": 277, "wording": "摸鱼中"}) == ""
    presence = sim.world.profiles.presence(BOT)
    assert (presence.status, presence.ext_status, presence.face_id, presence.face_type,
            presence.wording) == (10, 2000, "277", "1", "摸鱼中")
    api.fail("set_diy_online_status", {},
             "Schema compilation error: Expected required property (/face_id)", 1400)
    api.fail("set_diy_online_status", {"face_id": None},
             "Schema compilation error: Expected union value", 1400)


def test_set_input_status_notifies_a_bot_peer(api: Api, sim: Simulator, events: EventLog,
                                              bot2: int) -> None:
    assert api.ok("set_input_status", {"user_id": str(bot2), "event_type": 1}) == {
        "result": 0, "errMsg": ""}
    [event] = events.rendered(self_id=bot2)
    assert event == {"time": sim.world.now(), "self_id": bot2, "post_type": "notice",
                     "notice_type": "notify", "sub_type": "input_status",
                     "status_text": "对方正在输入...", "event_type": 1, "user_id": BOT,
                     "group_id": 0}
    assert events.rendered() == []  # the typer is not told
    # NoneBot has no model for NapCat's input_status: it parses as the generic notify event.
    assert type(parsed(event)) is models.NotifyEvent
    events.clear()
    api.ok("set_input_status", {"user_id": 20001, "event_type": 0})  # a person: nobody hears
    assert events.rendered(self_id=bot2) == []
    api.fail("set_input_status", {"user_id": 99, "event_type": 1}, "uid is empty")


def test_a_person_typing_to_the_bot(sim: Simulator, events: EventLog) -> None:
    sim.person(20001).type_to(BOT, 0)
    assert events.one("notice", "notify")["status_text"] == "对方正在说话..."


# -- profile ----------------------------------------------------------------------------------


def test_set_qq_profile(api: Api) -> None:
    assert api.ok("set_qq_profile", {"nickname": "新名字", "personal_note": "签名",
                                     "sex": "2"}) == {"result": 0, "errMsg": ""}
    assert api.ok("get_login_info")["nickname"] == "新名字"
    me = api.ok("get_stranger_info", {"user_id": BOT})
    assert (me["long_nick"], me["sex"]) == ("签名", "female")
    api.ok("set_qq_profile", {"nickname": "又改了", "sex": 0})  # numeric 0 keeps the old sex
    me = api.ok("get_stranger_info", {"user_id": BOT})
    assert (me["nickname"], me["long_nick"], me["sex"]) == ("又改了", "签名", "female")
    api.ok("set_qq_profile", {"nickname": "x", "sex": "1"})
    assert api.ok("get_stranger_info", {"user_id": BOT})["sex"] == "male"
    api.fail("set_qq_profile", {"nickname": " "}, "昵称不能为空")
    api.fail("set_qq_profile", {}, "Schema compilation error: Expected required property "
             "(/nickname)", 1400)


def test_set_self_longnick(api: Api) -> None:
    assert api.ok("set_self_longnick", {"longNick": "今天也要加油"}) == {"result": 0,
                                                                      "errMsg": ""}
    assert api.ok("get_stranger_info", {"user_id": BOT})["long_nick"] == "今天也要加油"


def test_set_qq_avatar(api: Api, sim: Simulator) -> None:
    image = "base64://" + base64.b64encode(PNG_1X1).decode()
    assert api.ok("set_qq_avatar", {"file": image}) is None
    avatar = sim.world.profiles.presence(BOT).avatar
    media = sim.world.media.get(avatar)
    assert media.data == PNG_1X1
    api.fail("set_qq_avatar", {"file": "base64://aGVsbG8="},
             "头像base64://aGVsbG8=设置失败，文件可能不是图片格式")
    api.fail("set_qq_avatar", {"file": "nonsense"}, "头像nonsense设置失败,file字段可能格式不正确")


# -- pokes ------------------------------------------------------------------------------------


def test_group_poke_notice(api: Api, sim: Simulator, events: EventLog) -> None:
    api.void("group_poke", {"group_id": ADMIN_GROUP, "user_id": 20003})
    event = events.one("notice", "notify")
    assert event == {
        "time": sim.world.now(), "self_id": BOT, "post_type": "notice",
        "notice_type": "notify", "sub_type": "poke", "target_id": 20003, "user_id": BOT,
        "group_id": ADMIN_GROUP,
        "raw_info": [
            {"col": "1", "nm": "", "type": "qq", "uid": nt_uid(BOT)},
            {"jp": "https://zb.vip.qq.com/v2/pages/nudgeMall?_wv=2&actionId=0",
             "src": "http://tianquan.gtimg.cn/nudgeaction/item/0/expression.jpg",
             "type": "img"},
            {"txt": "戳了戳", "type": "nor"},
            {"col": "1", "nm": "", "tp": "0", "type": "qq", "uid": nt_uid(20003)},
            {"txt": "", "type": "nor"},
        ],
    }
    model = parsed(event)
    assert isinstance(model, models.PokeNotifyEvent)
    assert (model.group_id, model.user_id, model.target_id) == (ADMIN_GROUP, BOT, 20003)


def test_private_poke_notice_has_sender_and_no_group(api: Api, sim: Simulator,
                                                     events: EventLog) -> None:
    api.void("friend_poke", {"user_id": 20001})
    event = events.one("notice", "notify")
    assert (event["user_id"], event["sender_id"], event["target_id"]) == (20001, BOT, 20001)
    assert "group_id" not in event
    events.clear()
    sim.person(20002).poke(BOT)
    event = events.one("notice", "notify")
    assert (event["user_id"], event["sender_id"], event["target_id"]) == (20002, 20002, BOT)
    assert list(event)[-2:] == ["raw_info", "sender_id"]
    model = parsed(event)
    assert isinstance(model, models.PokeNotifyEvent) and model.group_id is None


def test_send_poke_routes_by_group_id(api: Api, sim: Simulator, events: EventLog) -> None:
    api.void("send_poke", {"user_id": 20003, "group_id": str(ADMIN_GROUP),
                           "target_id": 20004})
    assert events.one("notice", "notify")["target_id"] == 20004
    events.clear()
    api.void("friend_poke", {"user_id": 20003, "group_id": ADMIN_GROUP})  # group_id wins
    assert events.one("notice", "notify")["group_id"] == ADMIN_GROUP


def test_impossible_pokes_succeed_and_do_nothing(api: Api, sim: Simulator,
                                                 events: EventLog) -> None:
    api.void("send_poke", {"user_id": 20004})  # not a friend
    api.void("group_poke", {"group_id": 100999, "user_id": 20001})  # no such group
    api.void("group_poke", {"group_id": MEMBER_GROUP, "user_id": 20002})  # not a member
    assert events.rendered() == []
    assert sim.person(20004).poke(20005) is False
    api.fail("send_poke", {"user_id": ""}, "请检查参数，缺少 user_id 或 group_id")
    api.fail("send_poke", {}, "Schema compilation error: Expected required property (/user_id)",
             1400)


def test_pokes_between_people_reach_bots_in_the_group(sim: Simulator, events: EventLog,
                                                      bot2: int) -> None:
    assert sim.person(20003).poke(20004, group_id=ADMIN_GROUP)
    for bot in (BOT, bot2):
        [event] = events.rendered(self_id=bot)
        assert (event["user_id"], event["target_id"], event["group_id"]) == (20003, 20004,
                                                                              ADMIN_GROUP)


# -- system -----------------------------------------------------------------------------------


def test_bot_exit_goes_offline_and_keeps_qqsim_running(api: Api, sim: Simulator,
                                                       events: EventLog, bot2: int) -> None:
    api.void("bot_exit")
    event = events.one("notice", "bot_offline")
    assert event == {"time": sim.world.now(), "self_id": BOT, "post_type": "notice",
                     "notice_type": "bot_offline", "user_id": BOT, "tag": "退出登录",
                     "message": "账号已通过 bot_exit 退出登录 (qqsim 仍在运行)"}
    # NoneBot has no model for NapCat's bot_offline: it parses as the generic notice event.
    assert type(parsed(event)) is models.NoticeEvent
    assert events.rendered(self_id=bot2) == []
    seen = sim.link(bot2).call("nc_get_user_status", {"user_id": BOT})["data"]
    assert seen == {"status": 0, "ext_status": 0}
    assert api.ok("get_login_info")["user_id"] == BOT  # the simulator still answers


def test_compatibility_stubs(api: Api) -> None:
    assert api.ok("get_online_clients", {"no_cache": True}) == []
    assert api.ok("_get_model_show", {"model": "iPhone"}) == [
        {"variants": {"model_show": "napcat", "need_pay": False}}]
    api.void("_set_model_show", {"model": "x", "model_show": "y"})
    api.void("get_guild_list")
    api.void("get_guild_service_profile")
    api.void("nc_get_packet_status")
    assert api.ok("test_auto_register_01") == "AutoRegister Router Test"
    assert api.ok("test_auto_register_02") == "AutoRegister Router Test"


def test_send_packet(api: Api) -> None:
    answer = api.ok("send_packet", {"cmd": "OidbSvcTrpcTcp.0x9067_202", "data": "0a0b"})
    assert isinstance(answer, str) and len(answer) == 64 and int(answer, 16) >= 0
    assert api.ok("send_packet", {"cmd": "OidbSvcTrpcTcp.0x9067_202", "data": "0a0bzz",
                                  "rsp": "true"}) == answer  # hex stops at the junk
    assert api.ok("send_packet", {"cmd": "x", "data": "00", "rsp": False}) is None
    assert api.ok("send_packet", {"cmd": "x", "data": "00", "rsp": "false"}) is None
    api.fail("send_packet", {"cmd": "x"},
             "Schema compilation error: Expected required property (/data)", 1400)


# -- share cards ------------------------------------------------------------------------------


def test_send_ark_share_builds_contact_cards(api: Api, sim: Simulator,
                                             events: EventLog) -> None:
    user = api.ok("send_ark_share", {"user_id": 20001})
    assert (user["result"], user["errMsg"]) == (0, "")
    card = json.loads(user["arkMsg"])
    assert (card["app"], card["prompt"]) == ("com.tencent.contact.lua", "推荐联系人：张伟")
    assert card["meta"]["contact"]["contact"] == "QQ号：20001"
    group = api.ok("ArkSharePeer", {"group_id": ADMIN_GROUP, "user_id": 20001})
    assert json.loads(group["arkJson"])["prompt"] == "推荐群聊：机器人测试群"
    assert api.ok("send_ark_share", {"user_id": 99})["result"] != 0
    api.fail("send_ark_share", {}, "group_id or user_id is required")
    assert events.rendered() == [] and sim.history(group_id=ADMIN_GROUP) == []  # nothing sent


def test_send_group_ark_share_returns_the_json_string(api: Api, sim: Simulator) -> None:
    text = api.ok("send_group_ark_share", {"group_id": ADMIN_GROUP})
    card = json.loads(text)
    assert card["app"] == "com.tencent.troopsharecard"
    assert card["meta"]["contact"]["nickname"] == "机器人测试群"
    assert api.ok("ArkShareGroup", {"group_id": "100100"}) == text
    sim.world.groups.rename(20001, ADMIN_GROUP, "改名了")
    assert "改名了" in api.ok("send_group_ark_share", {"group_id": ADMIN_GROUP})
    assert api.ok("send_group_ark_share", {"group_id": 1}) is None


# -- keys -------------------------------------------------------------------------------------


def test_clientkey_is_stable_for_an_hour(api: Api, clock: ManualClock) -> None:
    key = api.ok("get_clientkey")["clientkey"]
    assert len(key) == 96 and key == key.upper()
    clock.advance(60)
    assert api.ok("get_clientkey")["clientkey"] == key
    clock.advance(3600)
    assert api.ok("get_clientkey")["clientkey"] != key


def test_rkeys_agree_across_the_three_actions(api: Api, sim: Simulator) -> None:
    private, group = api.ok("get_rkey")
    assert (private["type"], group["type"], private["ttl"]) == ("private", "group", 3600)
    assert private["rkey"].startswith("&rkey=") and private["rkey"] != group["rkey"]
    assert private["created_at"] <= sim.world.now() < private["created_at"] + 3600
    raw = api.ok("nc_get_rkey")
    assert [(r["type"], r["rkey"], r["ttl"]) for r in raw] == [
        (10, private["rkey"], "3600"), (20, group["rkey"], "3600")]
    server = api.ok("get_rkey_server")
    assert server == {"private_rkey": private["rkey"], "group_rkey": group["rkey"],
                      "expired_time": private["created_at"] + 3600, "name": "NapCat 4"}


def test_get_robot_uin_range(api: Api) -> None:
    ranges = api.ok("get_robot_uin_range")
    assert {"minUin": "2854196301", "maxUin": "2854216399"} in ranges
    assert all(int(r["minUin"]) <= int(r["maxUin"]) for r in ranges)


# -- over the wire ------------------------------------------------------------------------------


@pytest.mark.trio
async def test_poke_notice_over_forward_websocket() -> None:
    config = wired_config()
    with trio.fail_after(10):
        async with open_simulator(config) as sim:
            url = sim.url("ws")
            async with open_websocket_url(url + "/") as ws:
                assert json.loads(await ws.get_message())["meta_event_type"] == "lifecycle"
                await ws.send_message(json.dumps({"action": "group_poke", "echo": 1, "params": {
                    "group_id": ADMIN_GROUP, "user_id": 20002}}))
                frames = [json.loads(await ws.get_message()) for _ in range(2)]
    answer = next(f for f in frames if f.get("echo") == 1)
    notice = next(f for f in frames if f.get("post_type") == "notice")
    assert answer["status"] == "ok" and "data" not in answer
    assert (notice["sub_type"], notice["user_id"], notice["target_id"]) == ("poke", BOT, 20002)
    assert isinstance(parsed(notice), models.PokeNotifyEvent)
