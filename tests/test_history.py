"""History paging, recent contacts and read markers, as a bot sees them through NapCat."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api

from simulator import ManualClock, Simulator
from simulator.onebot.context import ConnectionSettings
from simulator.world.history import ChatRef


def say(sim: Simulator, count: int, group_id: int = ADMIN_GROUP, user: int = 20003) -> list[int]:
    """``count`` group messages m0, m1, ... from ``user``; their short ids."""
    return [sim.person(user).send_group_msg(group_id, f"m{i}").message_id for i in range(count)]


def texts(data: dict[str, Any]) -> list[str]:
    return [m["raw_message"] for m in data["messages"]]


def group_page(api: Api, **params: Any) -> list[str]:
    return texts(api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP, **params}))


# -- get_group_msg_history ---------------------------------------------------------------


def test_without_anchor_the_newest_twenty_come_oldest_first(api: Api, sim: Simulator) -> None:
    say(sim, 25)
    assert group_page(api) == [f"m{i}" for i in range(5, 25)]
    assert group_page(api, count=3) == ["m22", "m23", "m24"]
    # "" and "0" mean "no anchor" too, and reverse_order does not change that page
    assert group_page(api, message_seq="0", count=2, reverse_order=True) == ["m23", "m24"]


def test_anchor_is_included_and_the_page_runs_forward(api: Api, sim: Simulator) -> None:
    ids = say(sim, 10)
    assert group_page(api, message_seq=ids[3], count=4) == ["m3", "m4", "m5", "m6"]
    assert group_page(api, message_seq=str(ids[8]), count=5) == ["m8", "m9"]


@pytest.mark.parametrize("flag", ["reverse_order", "reverseOrder"])
def test_reverse_order_pages_backwards_to_the_anchor(
    api: Api, sim: Simulator, flag: str
) -> None:
    ids = say(sim, 10)
    assert group_page(api, message_seq=ids[5], count=3, **{flag: True}) == ["m3", "m4", "m5"]
    assert group_page(api, message_seq=ids[1], count=5, **{flag: "true"}) == ["m0", "m1"]


def test_a_bot_can_walk_the_whole_history_backwards(api: Api, sim: Simulator) -> None:
    say(sim, 12)
    seen: list[str] = []
    page = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP, "count": 5})["messages"]
    while True:
        seen = [m["raw_message"] for m in page] + seen
        oldest = page[0]["message_id"]
        page = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP, "message_seq": oldest,
                                                "count": 5, "reverse_order": True})["messages"]
        assert page[-1]["message_id"] == oldest  # the anchor is always included
        page = page[:-1]
        if not page:
            break
    assert seen == [f"m{i}" for i in range(12)]


def test_history_objects_are_get_msg_objects(api: Api, sim: Simulator) -> None:
    [first] = say(sim, 1)
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": "mine"})
    listed = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP})["messages"]
    got = api.ok("get_msg", {"message_id": first})
    got.pop("emoji_likes_list")
    assert listed[0] == got
    assert listed[1]["post_type"] == "message_sent" and "target_id" not in listed[1]
    as_string = sim.link(BOT, ConnectionSettings(message_format="string")).call(
        "get_group_msg_history", {"group_id": ADMIN_GROUP})["data"]["messages"]
    assert [(m["message"], m["message_format"]) for m in as_string] == [
        ("m0", "string"), ("mine", "string")]


def test_recalled_messages_are_left_out(api: Api, sim: Simulator) -> None:
    ids = say(sim, 5)
    sim.person(20003).recall(ids[2])
    assert group_page(api) == ["m0", "m1", "m3", "m4"]
    # a recalled anchor still marks the place
    assert group_page(api, message_seq=ids[2], count=2) == ["m3", "m4"]
    assert group_page(api, message_seq=ids[2], count=2, reverse_order=True) == ["m0", "m1"]


@pytest.mark.parametrize(("params", "error"), [
    ({}, "消息undefined不存在"),  # NapCat prints the missing anchor as JavaScript does
    ({"message_seq": ""}, "消息不存在"),
    ({"message_seq": "424242"}, "消息424242不存在"),
    ({"count": 0}, "消息undefined不存在"),
])
def test_an_empty_page_is_an_error(api: Api, params: dict[str, Any], error: str) -> None:
    api.fail("get_group_msg_history", {"group_id": ADMIN_GROUP, **params}, error)


def test_anchors_from_other_chats_and_groups_the_bot_is_not_in(api: Api, sim: Simulator) -> None:
    [elsewhere] = say(sim, 1, group_id=OWNED_GROUP, user=20008)
    say(sim, 2)
    api.fail("get_group_msg_history", {"group_id": ADMIN_GROUP, "message_seq": elsewhere},
             f"消息{elsewhere}不存在")
    sim.world.groups.create(100400, "外面", 20004)
    sim.person(20004).send_group_msg(100400, "secret")
    api.fail("get_group_msg_history", {"group_id": 100400}, "消息undefined不存在")
    sim.person(20001).kick(ADMIN_GROUP, BOT)
    api.fail("get_group_msg_history", {"group_id": ADMIN_GROUP}, "消息undefined不存在")


def test_group_id_is_required_and_coerced(api: Api, sim: Simulator) -> None:
    say(sim, 1)
    assert texts(api.ok("get_group_msg_history", {"group_id": str(ADMIN_GROUP),
                                                  "count": "1"})) == ["m0"]
    api.fail("get_group_msg_history", {},
             "Schema compilation error: Expected required property (/group_id)", 1400)
    api.fail("get_group_msg_history", {"group_id": ADMIN_GROUP, "count": "many"},
             "Schema compilation error: Expected number (/count)", 1400)


def test_forwards_come_with_their_content_unless_asked_not_to(api: Api) -> None:
    node = {"type": "node", "data": {"user_id": 20001, "nickname": "张伟", "content": "inside"}}
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": [node]})
    [carrier] = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP})["messages"]
    [forward] = carrier["message"]
    assert [m["raw_message"] for m in forward["data"]["content"]] == ["inside"]
    bare = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP, "parse_mult_msg": False})
    assert "content" not in bare["messages"][0]["message"][0]["data"]


def test_disable_get_url_leaves_media_without_urls(api: Api) -> None:
    b64 = base64.b64encode(b"not really a png").decode()
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": [
        {"type": "image", "data": {"file": f"base64://{b64}"}},
        {"type": "record", "data": {"file": f"base64://{b64}"}}]})
    image, record = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP})[
        "messages"][0]["message"]
    assert image["data"]["url"].startswith("https://") and "url" in record["data"]
    image, record = api.ok("get_group_msg_history", {
        "group_id": ADMIN_GROUP, "disable_get_url": True, "quick_reply": True})[
        "messages"][0]["message"]
    assert image["data"]["url"] == "" and "url" not in record["data"]


# -- get_friend_msg_history --------------------------------------------------------------


def test_friend_history_holds_both_sides(api: Api, sim: Simulator) -> None:
    sim.person(20001).send_private_msg(BOT, "hi bot")
    api.ok("send_private_msg", {"user_id": 20001, "message": "hi 张伟"})
    sim.person(20001).send_private_msg(20002, "not for the bot")
    sim.person(20001).send_private_msg(BOT, "again")
    data = api.ok("get_friend_msg_history", {"user_id": 20001})
    assert texts(data) == ["hi bot", "hi 张伟", "again"]
    assert [m["post_type"] for m in data["messages"]] == ["message", "message_sent", "message"]
    assert all("target_id" not in m for m in data["messages"])
    oldest = data["messages"][1]["message_id"]
    assert texts(api.ok("get_friend_msg_history", {"user_id": "20001", "message_seq": oldest,
                                                   "count": 1, "reverseOrder": True})) == [
        "hi 张伟"]


def test_temp_chats_are_friend_history_too(api: Api, sim: Simulator) -> None:
    sim.person(20004).send_private_msg(BOT, "不是好友", via_group=ADMIN_GROUP)
    [message] = api.ok("get_friend_msg_history", {"user_id": 20004})["messages"]
    assert (message["sub_type"], message["group_id"], message["temp_source"]) == (
        "group", ADMIN_GROUP, 0)


def test_friend_history_errors(api: Api, sim: Simulator) -> None:
    api.fail("get_friend_msg_history", {"user_id": 99}, "记录99不存在")
    api.fail("get_friend_msg_history", {"user_id": 20002}, "消息undefined不存在")
    [in_group] = say(sim, 1)
    sim.person(20002).send_private_msg(BOT, "x")
    api.fail("get_friend_msg_history", {"user_id": 20002, "message_seq": in_group},
             f"消息{in_group}不存在")


# -- get_recent_contact ------------------------------------------------------------------


def test_recent_contacts_newest_first_with_napcats_fields(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    sim.world.accounts.set_remark(BOT, 20001, "老张")
    sim.person(20001).send_private_msg(BOT, "first")
    clock.advance(10)
    say(sim, 1, group_id=MEMBER_GROUP, user=20009)
    clock.advance(10)
    latest = sim.person(20004).send_private_msg(BOT, "temp", via_group=ADMIN_GROUP)
    contacts = api.ok("get_recent_contact")
    assert [(c["peerUin"], c["chatType"]) for c in contacts] == [
        ("20004", 100), (str(MEMBER_GROUP), 2), ("20001", 1)]
    temp, group, friend = contacts
    assert list(temp) == ["lastestMsg", "peerUin", "remark", "msgTime", "chatType", "msgId",
                          "sendNickName", "sendMemberName", "peerName"]
    as_get_msg = api.ok("get_msg", {"message_id": latest.message_id})
    as_get_msg.pop("emoji_likes_list")
    assert temp["lastestMsg"] == as_get_msg  # no target_id, no emoji_likes_list
    assert (temp["msgTime"], temp["peerName"], temp["remark"]) == (
        str(latest.time), "刘洋", "")
    assert (group["peerName"], group["sendNickName"], group["sendMemberName"]) == (
        "读书会", "周杰", "")
    assert (friend["remark"], friend["peerName"], friend["sendMemberName"]) == (
        "老张", "张伟", "")
    assert len(friend["msgId"]) == 19 and friend["msgId"].isdigit()
    assert [c["peerUin"] for c in api.ok("get_recent_contact", {"count": "2"})] == [
        "20004", str(MEMBER_GROUP)]


def test_recent_contacts_follow_recalls_and_skip_strangers_chats(
    api: Api, sim: Simulator
) -> None:
    ids = say(sim, 2)
    sim.person(20001).send_private_msg(20002, "between others")
    sim.person(20003).recall(ids[1])
    [contact] = api.ok("get_recent_contact")
    assert (contact["peerUin"], contact["lastestMsg"]["raw_message"]) == (str(ADMIN_GROUP), "m0")
    assert (contact["sendNickName"], contact["sendMemberName"]) == ("李娜", "娜娜")
    assert api.ok("get_recent_contact", {"count": 0}) == []


def test_raw_msg_ids_work_as_history_anchors(api: Api, sim: Simulator) -> None:
    say(sim, 4)
    [contact] = api.ok("get_recent_contact")
    page = api.ok("get_group_msg_history", {"group_id": ADMIN_GROUP,
                                            "message_seq": contact["msgId"], "count": 2,
                                            "reverse_order": True})
    assert texts(page) == ["m2", "m3"]


# -- read markers ------------------------------------------------------------------------


def unread(sim: Simulator, chat_type: str, peer: int) -> int:
    return sim.world.reads.unread_count(BOT, ChatRef(chat_type, peer))


def test_marking_a_group_read(api: Api, sim: Simulator) -> None:
    say(sim, 3)
    assert unread(sim, "group", ADMIN_GROUP) == 3
    assert api.ok("mark_group_msg_as_read", {"group_id": ADMIN_GROUP}) is None
    assert unread(sim, "group", ADMIN_GROUP) == 0
    later = sim.person(20002).send_group_msg(ADMIN_GROUP, "new")
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": "the bot's own"})
    assert unread(sim, "group", ADMIN_GROUP) == 1
    assert not sim.world.reads.is_read(BOT, later)


def test_marking_a_private_chat_read(api: Api, sim: Simulator) -> None:
    message = sim.person(20001).send_private_msg(BOT, "read me")
    assert not sim.world.reads.is_read(BOT, message)
    api.ok("mark_private_msg_as_read", {"user_id": 20001})
    assert sim.world.reads.is_read(BOT, message)
    assert unread(sim, "private", 20001) == 0


def test_message_id_wins_then_user_id_then_group_id(api: Api, sim: Simulator) -> None:
    private = sim.person(20001).send_private_msg(BOT, "p")
    say(sim, 1)
    sim.person(20002).send_private_msg(BOT, "q")
    api.ok("mark_msg_as_read", {"message_id": private.message_id, "user_id": 20002,
                                "group_id": ADMIN_GROUP})
    assert (unread(sim, "private", 20001), unread(sim, "private", 20002),
            unread(sim, "group", ADMIN_GROUP)) == (0, 1, 1)
    # an unknown message_id falls through to user_id
    api.ok("mark_msg_as_read", {"message_id": "424242", "user_id": "20002",
                                "group_id": ADMIN_GROUP})
    assert (unread(sim, "private", 20002), unread(sim, "group", ADMIN_GROUP)) == (0, 1)


@pytest.mark.parametrize(("params", "error"), [
    ({}, "缺少参数 group_id 或 user_id"),
    ({"message_id": "424242"}, "缺少参数 group_id 或 user_id"),
    ({"user_id": 99}, "私聊99不存在"),
    ({"group_id": 100400}, "设置已读失败,机器人不在群100400中"),
])
def test_mark_read_errors(api: Api, params: dict[str, Any], error: str) -> None:
    api.fail("mark_msg_as_read", params, error)


def test_mark_all_as_read(api: Api, sim: Simulator) -> None:
    say(sim, 2)
    say(sim, 1, group_id=OWNED_GROUP, user=20008)
    sim.person(20003).send_private_msg(BOT, "hi")
    assert api.ok("_mark_all_as_read", {"ignored": 1}) is None
    assert (unread(sim, "group", ADMIN_GROUP), unread(sim, "group", OWNED_GROUP),
            unread(sim, "private", 20003)) == (0, 0, 0)
