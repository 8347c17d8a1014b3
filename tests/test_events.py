"""Events: each domain event rendered as NapCat emits it, and who gets to see it."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog

from simulator import Simulator
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.events import render_event
from simulator.onebot.profiles import GOCQ
from simulator.world.events import DomainEvent

BOT2 = 10002
SELF = ConnectionSettings(report_self_message=True)
MESSAGE_KEYS = ["self_id", "user_id", "time", "message_id", "message_seq", "real_id",
                "real_seq", "message_type", "sender", "raw_message", "font", "sub_type",
                "message", "message_format", "post_type"]


@pytest.fixture
def bot2(sim: Simulator) -> int:
    """A second bot that is only in 100300."""
    sim.world.accounts.add(BOT2, "小R", is_bot=True)
    sim.world.groups.add_member(MEMBER_GROUP, BOT2)
    return BOT2


# -- message events ---------------------------------------------------------------------


def test_group_message_event(sim: Simulator, events: EventLog) -> None:
    sent = sim.person(20002).send_group_msg(ADMIN_GROUP, "hi [CQ:at,qq=10001]")
    [event] = events.rendered()
    assert list(event) == [*MESSAGE_KEYS, "group_id", "group_name"]
    assert event == {
        "self_id": BOT, "user_id": 20002, "time": sim.world.now(),
        "message_id": sent.message_id, "message_seq": sent.message_id,
        "real_id": sent.message_id, "real_seq": "1", "message_type": "group",
        "sender": {"user_id": 20002, "nickname": "王芳", "card": "芳芳", "role": "admin"},
        "raw_message": "hi [CQ:at,qq=10001]", "font": 14, "sub_type": "normal",
        "message": [{"type": "text", "data": {"text": "hi "}},
                    {"type": "at", "data": {"qq": "10001"}}],
        "message_format": "array", "post_type": "message",
        "group_id": ADMIN_GROUP, "group_name": "机器人测试群",
    }


def test_string_format(sim: Simulator, events: EventLog) -> None:
    sim.person(20002).send_group_msg(ADMIN_GROUP, "a&b [CQ:face,id=5]")
    [event] = events.rendered(settings=ConnectionSettings(message_format="string"))
    assert event["message"] == event["raw_message"]
    assert event["message"].startswith("a&amp;b [CQ:face,id=5,raw=")
    assert event["message_format"] == "string"
    [other] = events.rendered(settings=ConnectionSettings(message_format="json"))
    assert other["message_format"] == "array" and isinstance(other["message"], list)


def test_friend_private_message(sim: Simulator, events: EventLog) -> None:
    sim.person(20001).send_private_msg(BOT, "hello")
    [event] = events.rendered()
    assert list(event) == [*MESSAGE_KEYS, "target_id"]
    assert (event["message_type"], event["sub_type"], event["target_id"]) == (
        "private", "friend", 20001)
    assert event["sender"] == {"user_id": 20001, "nickname": "张伟", "card": ""}


def test_temp_chat_message_fields(sim: Simulator, events: EventLog) -> None:
    sim.person(20004).send_private_msg(BOT, "不是好友", via_group=ADMIN_GROUP)
    [event] = events.rendered()
    assert list(event) == [*MESSAGE_KEYS, "group_id", "temp_source", "target_id"]
    assert (event["message_type"], event["sub_type"], event["group_id"],
            event["temp_source"], event["target_id"]) == (
        "private", "group", ADMIN_GROUP, 0, 20004)
    assert "group_name" not in event


def test_self_messages_only_with_report_self_message(api: Api, events: EventLog) -> None:
    group = api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": "mine"})
    api.ok("send_private_msg", {"user_id": 20001, "message": "mine too"})
    assert events.rendered() == []
    group_event, private_event = events.rendered(settings=SELF)
    assert list(group_event) == [*MESSAGE_KEYS, "message_sent_type", "group_id", "group_name",
                                 "target_id"]
    assert (group_event["post_type"], group_event["message_sent_type"],
            group_event["user_id"], group_event["target_id"],
            group_event["message_id"]) == (
        "message_sent", "self", BOT, ADMIN_GROUP, group["message_id"])
    assert (private_event["post_type"], private_event["target_id"]) == ("message_sent", 20001)


def test_bots_outside_a_chat_see_nothing(sim: Simulator, events: EventLog, bot2: int) -> None:
    events.clear()  # bot2 joining 100300
    sim.world.groups.create(100400, "无机器人", 20004)
    sim.person(20004).send_group_msg(100400, "nobody listens")
    sim.person(20001).send_private_msg(20002, "between people")
    assert events.rendered() == [] and events.rendered(bot2) == []
    sim.person(20003).send_group_msg(ADMIN_GROUP, "only the first bot")
    sim.person(20001).mute(ADMIN_GROUP, 20003, 60)
    assert events.rendered(bot2) == [] and len(events.rendered()) == 2
    events.clear()
    sim.person(20009).send_group_msg(MEMBER_GROUP, "both bots")
    assert [e["self_id"] for e in events.rendered() + events.rendered(bot2)] == [BOT, bot2]


def test_bot_to_bot_private_message(sim: Simulator, events: EventLog, bot2: int) -> None:
    events.clear()
    sim.link(bot2).call("send_private_msg", {"user_id": BOT, "message": "hi bot",
                                             "group_id": MEMBER_GROUP})
    [received] = events.rendered()
    assert (received["post_type"], received["user_id"], received["sub_type"]) == (
        "message", bot2, "group")
    assert events.rendered(bot2) == []
    [sent] = events.rendered(bot2, SELF)
    assert (sent["post_type"], sent["target_id"]) == ("message_sent", BOT)


def test_gocq_profile_font(sim: Simulator, events: EventLog) -> None:
    sim.person(20002).send_group_msg(ADMIN_GROUP, "x")
    [event] = [render_event(e, BOT, ConnectionSettings(), GOCQ) for e in events.domain]
    assert event is not None and event["font"] == 0


# -- notices and requests ---------------------------------------------------------------


def head(sim: Simulator, post_type: str = "notice") -> dict[str, Any]:
    return {"time": sim.world.now(), "self_id": BOT, "post_type": post_type}


def test_recall_notices(sim: Simulator, events: EventLog, api: Api) -> None:
    group = sim.person(20003).send_group_msg(ADMIN_GROUP, "oops")
    private = sim.person(20001).send_private_msg(BOT, "oops")
    events.clear()
    sim.person(20003).recall(group.message_id)
    sim.person(20001).recall(private.message_id)
    mine = api.ok("send_private_msg", {"user_id": 20002, "message": "x"})["message_id"]
    api.ok("delete_msg", {"message_id": mine})
    group_recall, friend_recall, own_recall = events.rendered()
    assert group_recall == {**head(sim), "notice_type": "group_recall", "group_id": ADMIN_GROUP,
                            "user_id": 20003, "operator_id": 20003,
                            "message_id": group.message_id}
    assert friend_recall == {**head(sim), "notice_type": "friend_recall", "user_id": 20001,
                             "message_id": private.message_id}
    assert (own_recall["notice_type"], own_recall["user_id"]) == ("friend_recall", 20002)


def test_ban_notices(sim: Simulator, events: EventLog) -> None:
    sim.person(20001).mute(ADMIN_GROUP, 20003, 60)
    sim.person(20001).mute(ADMIN_GROUP, 20003, 0)
    sim.world.groups.mute_all(20001, ADMIN_GROUP, True)
    sim.world.groups.mute_all(20001, ADMIN_GROUP, False)
    base = {**head(sim), "notice_type": "group_ban", "group_id": ADMIN_GROUP,
            "operator_id": 20001}
    assert events.rendered() == [
        {**base, "sub_type": "ban", "user_id": 20003, "duration": 60},
        {**base, "sub_type": "lift_ban", "user_id": 20003, "duration": 0},
        {**base, "sub_type": "ban", "user_id": 0, "duration": -1},
        {**base, "sub_type": "lift_ban", "user_id": 0, "duration": 0},
    ]


def test_admin_notices(sim: Simulator, events: EventLog) -> None:
    sim.person(20001).set_admin(ADMIN_GROUP, 20003, True)
    sim.person(20001).set_admin(ADMIN_GROUP, BOT, False)
    base = {**head(sim), "notice_type": "group_admin", "group_id": ADMIN_GROUP}
    assert events.rendered() == [{**base, "sub_type": "set", "user_id": 20003},
                                 {**base, "sub_type": "unset", "user_id": BOT}]


def test_membership_notices(sim: Simulator, events: EventLog) -> None:
    sim.person(20010).join(ADMIN_GROUP)
    sim.person(20010).leave(ADMIN_GROUP)
    sim.person(20001).kick(ADMIN_GROUP, 20004)
    sim.person(20001).kick(ADMIN_GROUP, BOT)
    base = {**head(sim), "group_id": ADMIN_GROUP}
    assert events.rendered() == [
        {**base, "notice_type": "group_increase", "sub_type": "approve", "operator_id": 0,
         "user_id": 20010},
        {**base, "notice_type": "group_decrease", "sub_type": "leave", "operator_id": 20010,
         "user_id": 20010},
        {**base, "notice_type": "group_decrease", "sub_type": "kick", "operator_id": 20001,
         "user_id": 20004},
        {**base, "notice_type": "group_decrease", "sub_type": "kick_me", "operator_id": 20001,
         "user_id": BOT},
    ]
    events.clear()
    sim.person(20003).send_group_msg(ADMIN_GROUP, "the bot is gone")
    assert events.rendered() == []


def test_requests(sim: Simulator, events: EventLog) -> None:
    friend = sim.person(20004).add_friend(BOT, "hi")
    [join] = sim.person(20008).ask_to_join(ADMIN_GROUP, "let me in")
    sim.world.groups.create(100400, "新群", 20005)
    invite = sim.person(20005).invite_bot(BOT, 100400)
    request = head(sim, "request")
    assert events.rendered() == [
        {**request, "request_type": "friend", "user_id": 20004, "comment": "hi",
         "flag": friend.flag},
        {**request, "request_type": "group", "sub_type": "add", "group_id": ADMIN_GROUP,
         "user_id": 20008, "comment": "let me in", "flag": join.flag},
        {**request, "request_type": "group", "sub_type": "invite", "group_id": 100400,
         "user_id": 20005, "comment": "", "flag": invite.flag},
    ]
    assert len({friend.flag, join.flag, invite.flag}) == 3
    assert all(len(r.flag) >= 16 for r in (friend, join, invite))


def test_friend_add_notice_for_either_side(sim: Simulator, events: EventLog) -> None:
    sim.world.accounts.befriend(20005, BOT)
    sim.world.accounts.befriend(BOT, 20006)
    sim.world.accounts.befriend(20008, 20009)  # no bot involved
    assert events.rendered() == [
        {**head(sim), "notice_type": "friend_add", "user_id": 20005},
        {**head(sim), "notice_type": "friend_add", "user_id": 20006},
    ]


def test_group_info_notices(sim: Simulator, events: EventLog) -> None:
    sim.world.groups.rename(20007, OWNED_GROUP, "新名")
    sim.world.groups.set_card(20008, OWNED_GROUP, 20008, "小黄")
    sim.world.groups.set_card(20008, OWNED_GROUP, 20008, "小黄")  # unchanged: no notice
    sim.world.groups.set_title(BOT, OWNED_GROUP, 20008, "头衔")
    base = {**head(sim), "group_id": OWNED_GROUP}
    assert events.rendered() == [
        {**head(sim), "notice_type": "notify", "sub_type": "group_name",
         "group_id": OWNED_GROUP, "user_id": 20007, "name_new": "新名"},
        {**base, "notice_type": "group_card", "user_id": 20008, "card_new": "小黄",
         "card_old": ""},
        {**head(sim), "notice_type": "notify", "sub_type": "title", "group_id": OWNED_GROUP,
         "user_id": 20008, "title": "头衔"},
    ]


def test_profile_like_goes_to_the_liked_bot_only(sim: Simulator, events: EventLog) -> None:
    sim.person(20003).like(20004, 1)
    assert events.rendered() == []
    sim.person(20003).like(BOT, 2)
    [like] = events.rendered()
    assert (like["sub_type"], like["operator_id"], like["times"]) == ("profile_like", 20003, 2)
    assert "user_id" not in like


def test_events_carry_the_world_time(sim: Simulator, events: EventLog, clock: Any) -> None:
    clock.advance(3600)
    sim.person(20003).send_group_msg(ADMIN_GROUP, "later")
    assert events.rendered()[0]["time"] == 1_767_225_600 + 3600


def test_unrenderable_events_are_skipped(sim: Simulator) -> None:
    event = DomainEvent(time=1, audience=frozenset({BOT}))
    assert render_event(event, BOT, ConnectionSettings(), sim.profile) is None
