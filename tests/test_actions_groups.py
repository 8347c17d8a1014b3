"""Group actions: information, members, honours, administration and join requests."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog

from simulator import ManualClock, PermissionDenied, Simulator


def member(api: Api, group_id: int, user_id: int) -> dict[str, Any]:
    return dict(api.ok("get_group_member_info", {"group_id": group_id, "user_id": user_id}))


def role(sim: Simulator, group_id: int, user_id: int) -> str | None:
    found = sim.world.groups.find_member(group_id, user_id)
    return None if found is None else found.role


# -- information ------------------------------------------------------------------------


def test_get_group_list_and_info(api: Api, sim: Simulator) -> None:
    groups = api.ok("get_group_list", {"no_cache": True})
    assert [g["group_id"] for g in groups] == [ADMIN_GROUP, OWNED_GROUP, MEMBER_GROUP]
    assert groups[0] == {"group_all_shut": 0, "group_remark": "", "group_id": ADMIN_GROUP,
                         "group_name": "机器人测试群", "member_count": 7,
                         "max_member_count": 200}
    assert api.ok("get_group_info", {"group_id": str(OWNED_GROUP)})["group_name"] == "摸鱼小分队"
    sim.world.groups.create(100400, "外面", 20004)  # NapCat shows groups the bot is not in
    assert api.ok("get_group_info", {"group_id": 100400})["member_count"] == 1
    assert 100400 not in [g["group_id"] for g in api.ok("get_group_list")]
    api.fail("get_group_info", {"group_id": 999}, "群999不存在")


def test_get_group_member_info(api: Api, sim: Simulator) -> None:
    assert member(api, ADMIN_GROUP, 20002) == {
        "group_id": ADMIN_GROUP, "user_id": 20002, "nickname": "王芳", "card": "芳芳",
        "sex": "female", "age": 27, "area": "", "level": "1", "qq_level": 40,
        "join_time": sim.world.now(), "last_sent_time": 0, "title_expire_time": 0,
        "unfriendly": False, "card_changeable": True, "is_robot": False,
        "shut_up_timestamp": 0, "role": "admin", "title": "元老",
    }
    assert member(api, ADMIN_GROUP, BOT)["is_robot"] is True
    api.fail("get_group_member_info", {"group_id": ADMIN_GROUP, "user_id": 20010},
             f"群({ADMIN_GROUP})成员20010不存在")
    api.fail("get_group_member_info", {"group_id": ADMIN_GROUP, "user_id": 99},
             "Uin2Uid Error: 用户ID 99 不存在")
    sim.world.groups.create(100400, "外面", 20004)
    api.fail("get_group_member_info", {"group_id": 100400, "user_id": 20004},
             "群(100400)成员20004不存在")  # GetGroupMemberInfo.ts: the bot is not in it


def test_get_group_member_list(api: Api, sim: Simulator) -> None:
    members = api.ok("get_group_member_list", {"group_id": MEMBER_GROUP})
    assert {m["user_id"]: m["role"] for m in members} == {
        20007: "owner", 20010: "admin", 20001: "member", 20009: "member", BOT: "member"}
    sim.world.groups.create(100400, "外面", 20004)
    api.fail("get_group_member_list", {"group_id": 100400},
             "Failed to get group member list for group 100400")
    api.fail("get_group_member_list", {"group_id": 999999},
             "Failed to get group member list for group 999999")


def test_last_sent_time_follows_speech(api: Api, sim: Simulator, clock: ManualClock) -> None:
    clock.advance(50)
    sim.person(20003).send_group_msg(ADMIN_GROUP, "hi")
    assert member(api, ADMIN_GROUP, 20003)["last_sent_time"] == sim.world.now()


def test_honour_info_reflects_who_spoke(api: Api, sim: Simulator, clock: ManualClock) -> None:
    for speaker, times in ((20004, 1), (20003, 3), (20005, 2)):
        for _ in range(times):
            sim.person(speaker).send_group_msg(ADMIN_GROUP, "chat")
    sim.person(20006).send_group_msg(ADMIN_GROUP, "[CQ:face,id=1]")
    honours = api.ok("get_group_honor_info", {"group_id": ADMIN_GROUP})
    # NapCat: the first entry of talkative_list, the same keys (no go-cqhttp day_count).
    assert honours["current_talkative"] == honours["talkative_list"][0]
    assert set(honours["current_talkative"]) == {"user_id", "nickname", "avatar", "description"}
    assert honours["current_talkative"]["user_id"] == 20003
    assert [h["user_id"] for h in honours["talkative_list"]] == [20003, 20005, 20004]
    assert honours["talkative_list"][0]["nickname"] == "李娜"
    assert [h["user_id"] for h in honours["emotion_list"]] == [20006]
    assert honours["strong_newbie_list"] == []
    clock.advance(2 * 86400)
    sim.person(20004).send_group_msg(ADMIN_GROUP, "new day")
    later = api.ok("get_group_honor_info", {"group_id": ADMIN_GROUP, "type": "talkative"})
    assert [h["user_id"] for h in later["talkative_list"]] == [20004]
    assert later["legend_list"] == []  # only the asked type is filled
    legend = api.ok("get_group_honor_info", {"group_id": ADMIN_GROUP, "type": "legend"})
    assert [h["user_id"] for h in legend["legend_list"]][:2] == [20003, 20004]
    api.fail("get_group_honor_info", {"group_id": ADMIN_GROUP, "type": "best"},
             "Schema compilation error: Expected union value (/type)", 1400)


# -- set_group_ban / set_group_whole_ban ------------------------------------------------


def test_set_group_ban_mutes_until_lifted(api: Api, sim: Simulator, clock: ManualClock,
                                          events: EventLog) -> None:
    start = sim.world.now()
    assert api.ok("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20003,
                                    "duration": 600}) is None
    assert member(api, ADMIN_GROUP, 20003)["shut_up_timestamp"] == start + 600
    with pytest.raises(PermissionDenied):
        sim.person(20003).send_group_msg(ADMIN_GROUP, "hello?")
    ban = events.one("notice", "group_ban")
    assert (ban["sub_type"], ban["user_id"], ban["operator_id"], ban["duration"]) == (
        "ban", 20003, BOT, 600)
    api.ok("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20003})  # duration=0 lifts
    assert member(api, ADMIN_GROUP, 20003)["shut_up_timestamp"] == 0
    sim.person(20003).send_group_msg(ADMIN_GROUP, "free")
    api.ok("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20004, "duration": "30"})
    clock.advance(30)
    assert member(api, ADMIN_GROUP, 20004)["shut_up_timestamp"] == 0
    sim.person(20004).send_group_msg(ADMIN_GROUP, "expired")


@pytest.mark.parametrize(("group", "user", "error"), [
    (ADMIN_GROUP, 20001, "cannot ban owner"),
    (ADMIN_GROUP, 20002, "cannot ban admin"),
    (MEMBER_GROUP, 20009, "ERR_NOT_GROUP_ADMIN"),
    (ADMIN_GROUP, 20010, "user not in group"),
    (ADMIN_GROUP, 99, "uid error"),
])
def test_set_group_ban_errors(api: Api, sim: Simulator, group: int, user: int,
                              error: str) -> None:
    api.fail("set_group_ban", {"group_id": group, "user_id": user, "duration": 60}, error)
    found = sim.world.groups.find_member(group, user)
    assert found is None or found.mute_until == 0


def test_owner_may_ban_an_admin(api: Api, sim: Simulator) -> None:
    api.ok("set_group_ban", {"group_id": OWNED_GROUP, "user_id": 20007, "duration": 60})
    assert sim.world.groups.is_muted(OWNED_GROUP, 20007)


def test_set_group_whole_ban(api: Api, sim: Simulator, events: EventLog) -> None:
    api.ok("set_group_whole_ban", {"group_id": ADMIN_GROUP})  # enable defaults to true
    assert api.ok("get_group_info", {"group_id": ADMIN_GROUP})["group_all_shut"] == -1
    with pytest.raises(PermissionDenied):
        sim.person(20003).send_group_msg(ADMIN_GROUP, "x")
    sim.person(20002).send_group_msg(ADMIN_GROUP, "admins still talk")
    ban = events.one("notice", "group_ban")
    assert (ban["user_id"], ban["duration"], ban["sub_type"]) == (0, -1, "ban")
    api.ok("set_group_whole_ban", {"group_id": ADMIN_GROUP, "enable": "false"})
    assert api.ok("get_group_info", {"group_id": ADMIN_GROUP})["group_all_shut"] == 0
    sim.person(20003).send_group_msg(ADMIN_GROUP, "x")
    api.fail("set_group_whole_ban", {"group_id": MEMBER_GROUP},
             "SetGroupWholeBan failed: ERR_NOT_GROUP_ADMIN 10003")
    assert not sim.world.groups.get(MEMBER_GROUP).whole_mute


# -- unchecked administration: ok, even when QQ changed nothing -------------------------


def test_set_group_kick(api: Api, sim: Simulator, events: EventLog) -> None:
    api.ok("set_group_kick", {"group_id": ADMIN_GROUP, "user_id": 20003,
                              "reject_add_request": "true"})
    assert role(sim, ADMIN_GROUP, 20003) is None
    kicked = events.one("notice", "group_decrease")
    assert (kicked["sub_type"], kicked["user_id"], kicked["operator_id"]) == (
        "kick", 20003, BOT)
    api.fail("set_group_kick", {"group_id": ADMIN_GROUP, "user_id": 99}, "get Uid Error")


@pytest.mark.parametrize(("action", "params", "unchanged"), [
    ("set_group_kick", {"group_id": MEMBER_GROUP, "user_id": 20009},
     lambda sim: role(sim, MEMBER_GROUP, 20009) == "member"),
    ("set_group_kick", {"group_id": ADMIN_GROUP, "user_id": 20001},
     lambda sim: role(sim, ADMIN_GROUP, 20001) == "owner"),
    ("set_group_admin", {"group_id": ADMIN_GROUP, "user_id": 20003, "enable": True},
     lambda sim: role(sim, ADMIN_GROUP, 20003) == "member"),
    ("set_group_leave", {"group_id": OWNED_GROUP, "is_dismiss": True},
     lambda sim: role(sim, OWNED_GROUP, BOT) == "owner"),
    ("set_group_leave", {"group_id": 424242},
     lambda sim: len(sim.world.groups.of_user(BOT)) == 3),
])
def test_unchecked_actions_succeed_without_effect(
    api: Api, sim: Simulator, events: EventLog, action: str, params: dict[str, Any],
    unchanged: Any,
) -> None:
    api.ok(action, params)
    assert unchanged(sim)
    assert events.rendered() == []


def test_set_group_admin_by_the_owner(api: Api, sim: Simulator, events: EventLog) -> None:
    api.ok("set_group_admin", {"group_id": OWNED_GROUP, "user_id": 20008, "enable": "true"})
    assert member(api, OWNED_GROUP, 20008)["role"] == "admin"
    assert events.one("notice", "group_admin")["sub_type"] == "set"
    api.ok("set_group_admin", {"group_id": OWNED_GROUP, "user_id": 20008})  # default: unset
    assert member(api, OWNED_GROUP, 20008)["role"] == "member"


def test_set_group_leave(api: Api, sim: Simulator) -> None:
    api.ok("set_group_leave", {"group_id": MEMBER_GROUP})
    assert MEMBER_GROUP not in [g["group_id"] for g in api.ok("get_group_list")]
    gone = api.call("send_group_msg", {"group_id": MEMBER_GROUP, "message": "x"})
    assert gone["status"] == "failed" and gone["message"].startswith("Timeout: NTEvent")


def test_set_group_special_title(api: Api, sim: Simulator, events: EventLog) -> None:
    api.void("set_group_special_title", {"group_id": OWNED_GROUP, "user_id": 20009,
                                         "special_title": "摸鱼王"})
    assert member(api, OWNED_GROUP, 20009)["title"] == "摸鱼王"
    assert events.one("notice", "notify")["title"] == "摸鱼王"
    api.void("set_group_special_title", {"group_id": ADMIN_GROUP, "user_id": 20003,
                                         "special_title": "x"})  # not owner: ignored
    assert member(api, ADMIN_GROUP, 20003)["title"] == ""
    sim.world.groups.create(100400, "外面", 20004)
    api.fail("set_group_special_title", {"group_id": 100400, "user_id": 20004},
             "机器人不在群100400中")


# -- checked administration -------------------------------------------------------------


def test_set_group_card(api: Api, sim: Simulator, events: EventLog) -> None:
    api.ok("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20004, "card": "老刘"})
    assert member(api, ADMIN_GROUP, 20004)["card"] == "老刘"
    card = events.one("notice", "group_card")
    assert (card["card_new"], card["card_old"]) == ("老刘", "")
    api.ok("set_group_card", {"group_id": MEMBER_GROUP, "user_id": BOT, "card": "我自己"})
    assert member(api, MEMBER_GROUP, BOT)["card"] == "我自己"
    api.ok("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20004})  # "" clears
    assert member(api, ADMIN_GROUP, 20004)["card"] == ""
    api.fail("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20002, "card": "x"},
             "设置群名片未生效")
    assert member(api, ADMIN_GROUP, 20002)["card"] == "芳芳"
    api.fail("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20010, "card": "x"},
             f"群({ADMIN_GROUP})成员20010不存在")


def test_set_group_name(api: Api, sim: Simulator, events: EventLog) -> None:
    api.ok("set_group_name", {"group_id": ADMIN_GROUP, "group_name": "改名了"})
    assert api.ok("get_group_info", {"group_id": ADMIN_GROUP})["group_name"] == "改名了"
    notice = events.one("notice", "notify")
    assert (notice["sub_type"], notice["name_new"], notice["user_id"]) == (
        "group_name", "改名了", BOT)
    api.fail("set_group_name", {"group_id": MEMBER_GROUP, "group_name": "x"},
             "设置群名称失败 ErrCode: 10003 ErrMsg: ERR_NOT_GROUP_ADMIN")
    assert sim.world.groups.get(MEMBER_GROUP).name == "读书会"


# -- join requests and invitations ------------------------------------------------------


def test_join_request_approved_end_to_end(api: Api, sim: Simulator, events: EventLog) -> None:
    sim.person(20008).ask_to_join(ADMIN_GROUP, "想进群")
    request = events.one("request", "group")
    assert (request["sub_type"], request["user_id"], request["comment"]) == (
        "add", 20008, "想进群")
    events.clear()
    api.ok("set_group_add_request", {"flag": request["flag"], "sub_type": "add"})
    assert member(api, ADMIN_GROUP, 20008)["role"] == "member"
    joined = events.one("notice", "group_increase")
    assert (joined["sub_type"], joined["user_id"], joined["operator_id"]) == (
        "approve", 20008, BOT)
    api.fail("set_group_add_request", {"flag": request["flag"]}, "No such request")


@pytest.mark.parametrize("approve", [False, "false"])
def test_join_request_rejected(api: Api, sim: Simulator, events: EventLog,
                               approve: Any) -> None:
    [request] = sim.person(20008).ask_to_join(ADMIN_GROUP)
    api.ok("set_group_add_request", {"flag": request.flag, "approve": approve, "reason": "不"})
    assert role(sim, ADMIN_GROUP, 20008) is None
    assert events.of("notice", "group_increase") == []


def test_join_request_needs_admin_at_approval(api: Api, sim: Simulator) -> None:
    [request] = sim.person(20008).ask_to_join(ADMIN_GROUP)
    sim.person(20001).set_admin(ADMIN_GROUP, BOT, False)
    api.fail("set_group_add_request", {"flag": request.flag}, "ERR_NOT_GROUP_ADMIN")
    assert role(sim, ADMIN_GROUP, 20008) is None


def test_invitation_accepted(api: Api, sim: Simulator, events: EventLog) -> None:
    sim.world.groups.create(100400, "新群", 20004)
    sim.person(20004).invite_bot(BOT, 100400)
    invite = events.one("request", "group")
    assert (invite["sub_type"], invite["user_id"], invite["group_id"], invite["comment"]) == (
        "invite", 20004, 100400, "")
    api.ok("set_group_add_request", {"flag": invite["flag"], "approve": True})
    assert 100400 in [g["group_id"] for g in api.ok("get_group_list")]
    joined = events.one("notice", "group_increase")
    assert (joined["sub_type"], joined["user_id"], joined["operator_id"]) == (
        "invite", BOT, 20004)
    api.fail("set_group_add_request", {"flag": "123"}, "No such request")
