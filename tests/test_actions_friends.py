"""Account and friend actions: login info, profiles, friend list, likes, friend requests."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BOT, Api, EventLog

from simulator import ManualClock, Simulator


def friend_ids(api: Api) -> list[int]:
    return [f["user_id"] for f in api.ok("get_friend_list")]


def test_get_login_info(api: Api, sim: Simulator) -> None:
    assert api.ok("get_login_info") == {"user_id": BOT, "nickname": "小Q"}
    assert sim.link(10001).call("get_login_info", {"ignored": 1})["data"]["user_id"] == BOT


def test_get_stranger_info(api: Api, sim: Simulator) -> None:
    info = api.ok("get_stranger_info", {"user_id": "20001", "no_cache": "true"})
    assert {k: info[k] for k in ("user_id", "nickname", "age", "sex", "long_nick", "qqLevel",
                                 "login_days", "uin", "nick")} == {
        "user_id": 20001, "nickname": "张伟", "age": 31, "sex": "male", "long_nick": "写代码的",
        "qqLevel": 48, "login_days": 0, "uin": "20001", "nick": "张伟"}
    assert info["uid"].startswith("u_") and info["uid"] != api.ok(
        "get_stranger_info", {"user_id": 20002})["uid"]
    assert api.ok("get_stranger_info", {"user_id": 20010})["sex"] == "female"
    api.fail("get_stranger_info", {"user_id": 99}, "Uin2Uid Error: 用户ID 99 不存在")


def test_get_friend_list(api: Api, sim: Simulator) -> None:
    friends = api.ok("get_friend_list", {"no_cache": False})
    assert [f["user_id"] for f in friends] == [20001, 20002, 20003, 20007]
    assert friends[0] == {
        "birthday_year": 2026 - 31, "birthday_month": 0, "birthday_day": 0, "user_id": 20001,
        "age": 31, "phone_num": "", "email": "", "category_id": 0, "nickname": "张伟",
        "remark": "", "sex": "male", "level": 48,
    }
    sim.world.accounts.unfriend(BOT, 20002)
    assert 20002 not in friend_ids(api)


# -- send_like --------------------------------------------------------------------------


def test_send_like_is_void_and_capped(api: Api, sim: Simulator, clock: ManualClock) -> None:
    api.void("send_like", {"user_id": 20001, "times": 10})
    api.fail("send_like", {"user_id": 20001}, "点赞失败 今日同一好友点赞数已达上限")
    api.void("send_like", {"user_id": "20002"})  # times defaults to 1
    clock.advance(86400)
    api.void("send_like", {"user_id": 20001})
    api.fail("send_like", {"user_id": 99}, "Uin2Uid Error: 用户ID 99 不存在")
    api.fail("send_like", {"user_id": 20001, "times": 0}, "点赞失败 今日同一好友点赞数已达上限")


def test_a_person_liking_the_bot_is_a_notice(sim: Simulator, events: EventLog) -> None:
    sim.person(20003).like(BOT, 3)
    like = events.one("notice", "notify")
    assert like == {"time": sim.world.now(), "self_id": BOT, "post_type": "notice",
                    "notice_type": "notify", "sub_type": "profile_like",
                    "operator_id": 20003, "operator_nick": "李娜", "times": 3}


# -- friend requests --------------------------------------------------------------------


def test_friend_request_approved_end_to_end(api: Api, sim: Simulator, events: EventLog) -> None:
    assert 20004 not in friend_ids(api)
    sim.person(20004).add_friend(BOT, "我是刘洋")
    request = events.one("request", "friend")
    assert request == {"time": sim.world.now(), "self_id": BOT, "post_type": "request",
                       "request_type": "friend", "user_id": 20004, "comment": "我是刘洋",
                       "flag": request["flag"]}
    assert isinstance(request["flag"], str) and request["flag"].isdigit()
    events.clear()
    api.void("set_friend_add_request", {"flag": request["flag"], "remark": "老刘"})
    friends = {f["user_id"]: f for f in api.ok("get_friend_list")}
    assert friends[20004]["remark"] == "老刘"
    assert events.one("notice", "friend_add") == {
        "time": sim.world.now(), "self_id": BOT, "post_type": "notice",
        "notice_type": "friend_add", "user_id": 20004}
    # now friends: a private message is no longer a temp chat
    assert sim.person(20004).send_private_msg(BOT, "hi").temp_source == 0
    api.fail("set_friend_add_request", {"flag": request["flag"]}, "No such request")


@pytest.mark.parametrize("approve", [False, "false"])
def test_friend_request_rejected(api: Api, sim: Simulator, events: EventLog,
                                 approve: Any) -> None:
    request = sim.person(20005).add_friend(BOT)
    api.void("set_friend_add_request", {"flag": request.flag, "approve": approve})
    assert 20005 not in friend_ids(api)
    assert events.of("notice", "friend_add") == []
    assert sim.world.requests.find(request.flag).state == "rejected"  # type: ignore[union-attr]


@pytest.mark.parametrize("approve", [None, True, "true", "yes"])
def test_anything_but_false_approves(api: Api, sim: Simulator, approve: Any) -> None:
    request = sim.person(20006).add_friend(BOT)
    params: dict[str, Any] = {"flag": int(request.flag)}  # numbers are coerced to strings
    if approve is not None:
        params["approve"] = approve
    api.void("set_friend_add_request", params)
    assert 20006 in friend_ids(api)


def test_request_flags_do_not_cross_kinds(api: Api, sim: Simulator) -> None:
    friend = sim.person(20004).add_friend(BOT)
    [join] = sim.person(20008).ask_to_join(100100)
    api.fail("set_group_add_request", {"flag": friend.flag}, "No such request")
    api.fail("set_friend_add_request", {"flag": join.flag}, "No such request")
    api.fail("set_friend_add_request", {"flag": "999"}, "No such request")
    api.fail("set_friend_add_request", {}, "Schema compilation error: Expected required "
             "property (/flag)", 1400)
    assert 20004 not in friend_ids(api)
