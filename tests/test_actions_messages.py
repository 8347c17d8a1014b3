"""Message actions: send_msg / send_private_msg / send_group_msg, get_msg, delete_msg, forwards."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, Api, EventLog

from simulator import ManualClock, PermissionDenied, Simulator
from simulator.onebot.actions._timeout import KERNEL_SEND_TIMEOUT_TEXT
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.profiles import Transport

NODE_MIX = "转发消息不能和普通消息混在一起发送,转发需要保证message只有type为node的元素"
PNG = b"\x89PNG\r\n\x1a\n-not-really-an-image"


def last(sim: Simulator, group_id: int = ADMIN_GROUP) -> Any:
    return sim.history(group_id=group_id)[-1]


def send_group(api: Api, message: Any, **extra: Any) -> int:
    data = api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": message, **extra})
    return int(data["message_id"])


# -- message forms ----------------------------------------------------------------------


@pytest.mark.parametrize("message", [
    "hi [CQ:face,id=14]",
    [{"type": "text", "data": {"text": "hi "}}, {"type": "face", "data": {"id": 14}}],
])
def test_cq_string_and_array_send_the_same_message(
    api: Api, sim: Simulator, message: Any
) -> None:
    message_id = send_group(api, message)
    stored = last(sim)
    assert stored.message_id == message_id and stored.sender_id == BOT
    assert [(s["type"], s["data"].get("text", s["data"].get("id"))) for s in stored.segments] == [
        ("text", "hi "), ("face", "14")]
    assert stored.raw_message.startswith("hi [CQ:face,id=14,raw=")


def test_single_segment_object(api: Api, sim: Simulator) -> None:
    send_group(api, {"type": "text", "data": {"text": "solo"}})
    assert last(sim).segments == [{"type": "text", "data": {"text": "solo"}}]


@pytest.mark.parametrize("flag", [True, "true"])
def test_auto_escape_sends_cq_codes_as_text(api: Api, sim: Simulator, flag: Any) -> None:
    send_group(api, "[CQ:face,id=14]&", auto_escape=flag)
    assert last(sim).segments == [{"type": "text", "data": {"text": "[CQ:face,id=14]&"}}]
    assert last(sim).raw_message == "&#91;CQ:face,id=14&#93;&amp;"


def test_at_kept_in_groups_and_dropped_in_private(api: Api, sim: Simulator) -> None:
    send_group(api, "[CQ:at,qq=20003,name=x] hi [CQ:at,qq=all]")
    assert [s["data"] for s in last(sim).segments] == [{"qq": "20003"}, {"text": " hi "},
                                                        {"qq": "all"}]
    api.ok("send_private_msg", {"user_id": 20001, "message": "[CQ:at,qq=20002]hello"})
    assert sim.history(user_id=BOT, peer_id=20001)[-1].raw_message == "hello"
    api.fail("send_private_msg", {"user_id": 20001, "message": "[CQ:at,qq=20002]"},
             "消息体无法解析, 请检查是否发送了不支持的消息类型")
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": "[CQ:at,qq=99]"},
             "Get Uid Error")


def test_reply_to_unknown_id_is_dropped_known_is_kept(api: Api, sim: Simulator) -> None:
    target = send_group(api, "first")
    send_group(api, f"[CQ:reply,id={target}]yes")
    assert last(sim).segments[0] == {"type": "reply", "data": {"id": str(target)}}
    send_group(api, "[CQ:reply,id=424242]still sent")
    assert last(sim).segments == [{"type": "text", "data": {"text": "still sent"}}]


@pytest.mark.parametrize(("message", "error"), [
    ({"type": "x", "data": {}}, "未知的消息类型：x"),
    ("[CQ:xml,data=<x/>][CQ:poke,qq=1]", "消息体无法解析, 请检查是否发送了不支持的消息类型"),
    ("[CQ:face,id=9999]", "消息体无法解析, 请检查是否发送了不支持的消息类型"),
    ("", "参数message不能为空"),
])
def test_unsendable_messages(api: Api, sim: Simulator, message: Any, error: str) -> None:
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": message}, error)
    assert sim.history(group_id=ADMIN_GROUP) == []


def test_kernel_converted_segments(api: Api, sim: Simulator) -> None:
    send_group(api, "[CQ:dice,result=9][CQ:mface,emoji_id=abcd,emoji_package_id=1,key=k]"
                    "[CQ:music,type=qq,id=42][CQ:markdown,content=**b**]")
    dice, mface, music, markdown = last(sim).segments
    assert dice["type"] == "dice" and dice["data"]["result"] in {"1", "2", "3", "4", "5", "6"}
    assert mface["type"] == "image" and mface["data"]["file"] == "ab-abcd.gif"
    assert music["type"] == "json" and '"app":"com.tencent.music.lua"' in music["data"]["data"]
    assert markdown == {"type": "markdown", "data": {"content": "**b**"}}


# -- media ------------------------------------------------------------------------------


def test_base64_image_is_stored_and_readable_via_get_image(api: Api, sim: Simulator) -> None:
    b64 = base64.b64encode(PNG).decode()
    send_group(api, [{"type": "image", "data": {"file": f"base64://{b64}", "name": "a.png"}}])
    image = last(sim).segments[0]
    assert image["type"] == "image" and image["data"]["file_size"] == str(len(PNG))
    name = image["data"]["file"]
    assert name.endswith(".png") and len(name) == 36
    got = api.ok("get_image", {"file": name})
    assert Path(got["file"]).read_bytes() == PNG
    assert (got["file_name"], got["file_size"], got["url"]) == (
        name, str(len(PNG)), image["data"]["url"])
    assert "base64" not in got
    assert api.ok("get_image", {"file_id": name})["file_name"] == name
    api.fail("get_image", {"file": "0" * 32 + ".png"}, "file not found")


def test_data_uri_image(api: Api, sim: Simulator) -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    send_group(api, {"type": "image", "data": {"file": uri}})
    assert last(sim).segments[0]["data"]["file"].endswith(".png")


def test_file_uri_inside_storage_is_read(api: Api, sim: Simulator) -> None:
    path = sim.storage.root / "pic.jpg"
    path.write_bytes(PNG)
    send_group(api, [{"type": "image", "data": {"file": path.as_uri()}}])
    name = last(sim).segments[0]["data"]["file"]
    assert Path(api.ok("get_image", {"file": name})["file"]).read_bytes() == PNG


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "/etc/passwd", "file://{root}/../x.jpg"])
def test_local_files_outside_storage_are_refused(api: Api, sim: Simulator, uri: str) -> None:
    uri = uri.format(root=sim.storage.root)
    body = api.call("send_group_msg", {"group_id": ADMIN_GROUP,
                                       "message": [{"type": "image", "data": {"file": uri}}]})
    assert (body["status"], body["retcode"]) == ("failed", 1200)
    assert body["message"].startswith(
        "文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, uri= ")
    assert sim.history(group_id=ADMIN_GROUP) == []


def test_http_url_is_remembered_not_fetched(api: Api, sim: Simulator) -> None:
    url = "http://127.0.0.1:9/never/fetched.gif"  # port 9 (discard): a fetch would fail
    send_group(api, [{"type": "image", "data": {"url": url}}])
    data = last(sim).segments[0]["data"]
    assert (data["url"], data["file_size"]) == (url, "0")
    assert data["file"].endswith(".gif")


def test_unrecognised_uri(api: Api) -> None:
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": "[CQ:image,file=nothing]"},
             "文件处理失败: 识别URL失败, uri= nothing")


# -- routing and who may speak ----------------------------------------------------------


@pytest.mark.parametrize(("params", "where"), [
    ({"message_type": "group", "group_id": ADMIN_GROUP}, "group"),
    ({"group_id": str(ADMIN_GROUP), "user_id": 20001}, "group"),
    ({"user_id": "20001"}, "friend"),
    ({"message_type": "private", "user_id": 20009, "group_id": MEMBER_GROUP}, "temp"),
])
def test_send_msg_routing(api: Api, sim: Simulator, params: dict[str, Any], where: str) -> None:
    message_id = api.ok("send_msg", {**params, "message": "routed"})["message_id"]
    message = sim.world.messages.get(message_id)
    kind = "group" if message.chat_type == "group" else (
        "temp" if message.temp_source else "friend")
    assert kind == where
    if where == "temp":
        assert message.temp_source == MEMBER_GROUP  # the group named wins over 100200


@pytest.mark.parametrize(("params", "error"), [
    ({"message_type": "private", "group_id": ADMIN_GROUP},
     "当前私聊发送,请指定 user_id 而不是 group_id"),
    ({"message_type": "group", "user_id": 20001},
     "当前群聊发送,请指定 group_id 而不是 user_id"),
    ({}, "请指定正确的 group_id 或 user_id"),
    ({"user_id": 99}, "无法获取用户信息"),
])
def test_send_msg_routing_errors(api: Api, params: dict[str, Any], error: str) -> None:
    api.fail("send_msg", {**params, "message": "x"}, error)


@pytest.mark.parametrize("action", ["send_msg", "send_group_msg", "send_private_msg"])
@pytest.mark.parametrize(("key", "value"), [
    ("group_id", "not-a-number"), ("user_id", "12ab"), ("group_id", 1.5),
    ("group_id", True), ("user_id", [20001]),
])
def test_send_with_a_non_numeric_id_is_a_bad_parameter(
    api: Api, sim: Simulator, action: str, key: str, value: Any
) -> None:
    # As get_group_info, and as the README says: not NapCat's late, misleading failure.
    if action == "send_group_msg" and key == "user_id":
        value_is_ignored = api.ok(action, {"group_id": ADMIN_GROUP, key: value, "message": "x"})
        assert "message_id" in value_is_ignored  # send_group_msg drops user_id first
        return
    api.fail(action, {key: value, "message": "x"},
             f"Schema compilation error: Expected number (/{key})", 1400)
    assert sim.history(group_id=ADMIN_GROUP) == []


@pytest.mark.parametrize("absent", [None, "", 0])
def test_send_ids_nap_cat_reads_as_absent(api: Api, absent: Any) -> None:
    api.fail("send_msg", {"group_id": absent, "message": "x"}, "请指定正确的 group_id 或 user_id")
    assert "message_id" in api.ok("send_msg", {"group_id": absent, "user_id": "20001",
                                               "message": "x"})


def test_cannot_speak_when_muted_or_outside(api: Api, sim: Simulator) -> None:
    # NapCat checks nothing: QQ's kernel never confirms the send and NapCat's call times
    # out (the wait itself is in test_napcat_fidelity.py; in-process calls answer at once).
    sim.world.groups.create(100400, "外面", 20004)
    for group in (100400, 999999):
        api.fail("send_group_msg", {"group_id": group, "message": "x"},
                 KERNEL_SEND_TIMEOUT_TEXT)
    sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": "x"},
             KERNEL_SEND_TIMEOUT_TEXT)
    assert sim.history(group_id=ADMIN_GROUP) == []
    sim.world.accounts.add(30000, "路人")
    api.fail("send_private_msg", {"user_id": 30000, "message": "x"},
             "发送消息失败: 30000 不是好友, 也没有共同的群")


# -- get_msg and delete_msg -------------------------------------------------------------


def test_get_msg_returns_napcats_message_object(api: Api, sim: Simulator) -> None:
    sent = sim.person(20003).send_group_msg(ADMIN_GROUP, "hello [CQ:at,qq=10001]")
    got = api.ok("get_msg", {"message_id": str(sent.message_id)})
    assert got == {
        "self_id": BOT, "user_id": 20003, "time": sent.time, "message_id": sent.message_id,
        "message_seq": sent.message_id, "real_id": sent.message_id, "real_seq": "1",
        "message_type": "group",
        "sender": {"user_id": 20003, "nickname": "李娜", "card": "娜娜", "role": "member"},
        "raw_message": "hello [CQ:at,qq=10001]", "font": 14, "sub_type": "normal",
        "message": [{"type": "text", "data": {"text": "hello "}},
                    {"type": "at", "data": {"qq": "10001"}}],
        "message_format": "array", "post_type": "message", "group_id": ADMIN_GROUP,
        "group_name": "机器人测试群", "emoji_likes_list": [],
    }
    string_link = sim.link(BOT, ConnectionSettings(message_format="string"))
    as_string = string_link.call("get_msg", {"message_id": sent.message_id})["data"]
    assert (as_string["message"], as_string["message_format"]) == (
        "hello [CQ:at,qq=10001]", "string")


def test_get_msg_keeps_the_card_as_sent_and_the_current_role(api: Api, sim: Simulator) -> None:
    said = sim.person(20003).send_group_msg(ADMIN_GROUP, "before the change")
    api.ok("set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20003, "card": "新名片"})
    sim.person(20001).set_admin(ADMIN_GROUP, 20003)
    sender = api.ok("get_msg", {"message_id": said.message_id})["sender"]
    assert (sender["card"], sender["role"]) == ("娜娜", "admin")
    later = sim.person(20003).send_group_msg(ADMIN_GROUP, "after")
    assert api.ok("get_msg", {"message_id": later.message_id})["sender"]["card"] == "新名片"


def test_get_msg_visibility(api: Api, sim: Simulator) -> None:
    sim.world.groups.create(100400, "外面", 20004)
    outside = sim.person(20004).send_group_msg(100400, "secret")
    between_others = sim.person(20001).send_private_msg(20002, "psst")
    mine = sim.person(20001).send_private_msg(BOT, "to the bot")
    api.fail("get_msg", {"message_id": outside.message_id}, "消息不存在")
    api.fail("get_msg", {"message_id": between_others.message_id}, "消息不存在")
    api.fail("get_msg", {"message_id": 1}, "消息不存在")
    got = api.ok("get_msg", {"message_id": mine.message_id})
    assert (got["message_type"], got["sub_type"], got["sender"]["card"]) == (
        "private", "friend", "")
    assert "target_id" not in got


def test_delete_msg_recalls_and_notifies(api: Api, sim: Simulator, events: EventLog) -> None:
    victim = sim.person(20003).send_group_msg(ADMIN_GROUP, "spam")
    events.clear()
    assert api.ok("delete_msg", {"message_id": victim.message_id}) is None
    assert sim.world.messages.get(victim.message_id).recalled
    recall = events.one("notice", "group_recall")
    assert (recall["user_id"], recall["operator_id"], recall["message_id"]) == (
        20003, BOT, victim.message_id)
    api.fail("get_msg", {"message_id": victim.message_id}, "消息不存在或已被撤回")
    api.fail("delete_msg", {"message_id": victim.message_id}, "Recall failed")
    api.fail("delete_msg", {"message_id": 7}, "Recall failed")


def test_messages_the_bot_cannot_see_cannot_be_recalled(api: Api, sim: Simulator) -> None:
    sim.world.groups.create(100400, "外面", 20004)
    outside = sim.person(20004).send_group_msg(100400, "secret")
    between_others = sim.person(20001).send_private_msg(20002, "psst")
    for message in (outside, between_others):
        api.fail("delete_msg", {"message_id": message.message_id}, "Recall failed")
        assert not sim.world.messages.get(message.message_id).recalled


def test_delete_msg_rank_and_window(api: Api, sim: Simulator, clock: ManualClock) -> None:
    owner_says = sim.person(20001).send_group_msg(ADMIN_GROUP, "boss")
    api.fail("delete_msg", {"message_id": owner_says.message_id}, "Recall failed: 无权撤回此消息")
    mine = api.ok("send_private_msg", {"user_id": 20001, "message": "oops"})["message_id"]
    clock.advance(121)
    api.fail("delete_msg", {"message_id": mine},
             "Recall failed: 只能撤回自己两分钟内发送的消息")
    assert not sim.world.messages.get(mine).recalled


# -- forwards ---------------------------------------------------------------------------


def node(content: Any, user_id: int = 20001, nickname: str = "张伟") -> dict[str, Any]:
    return {"type": "node", "data": {"user_id": user_id, "nickname": nickname,
                                     "content": content}}


def test_node_mixed_with_text_is_a_parameter_error(api: Api, sim: Simulator) -> None:
    message = [node("a"), {"type": "text", "data": {"text": "b"}}]
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": message}, NODE_MIX, 1400)
    http = sim.link(BOT, ConnectionSettings(transport=Transport.HTTP))
    body = http.call("send_msg", {"group_id": ADMIN_GROUP, "message": message})
    assert (body["retcode"], body["message"], body["echo"]) == (400, NODE_MIX, None)


def test_forward_send_and_read_back(api: Api, sim: Simulator) -> None:
    quoted = sim.person(20003).send_group_msg(ADMIN_GROUP, "original")
    inner = [node("deep", 20002, "王芳")]
    sent = api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": [
        node("hello [CQ:face,id=1]"), node(inner, 20004, "刘洋"),
        {"type": "node", "data": {"id": str(quoted.message_id)}}]})
    assert sent["res_id"] == sent["forward_id"] and set(sent) == {
        "message_id", "res_id", "forward_id"}
    carrier = sim.world.messages.get(sent["message_id"])
    assert carrier.segments == [{"type": "forward", "data": {"id": sent["res_id"]}}]
    assert not sent["res_id"].isdigit()  # NapCat tells a res_id from a message id by that
    by_carrier = api.ok("get_forward_msg", {"message_id": sent["message_id"]})
    by_res_id = api.ok("get_forward_msg", {"id": sent["res_id"]})
    # NapCat gives every inner message one id, hashed with the chat it was read through.
    ids = {(m["message_id"], m["message_seq"], m["real_id"]) for m in by_carrier["messages"]}
    other_ids = {m["message_id"] for m in by_res_id["messages"]}
    assert len(ids) == len(other_ids) == 1 and len(set(next(iter(ids)))) == 1
    assert next(iter(ids))[0] not in other_ids

    def without_ids(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in m.items() if k not in ("message_id", "message_seq", "real_id")}
                for m in messages]

    assert without_ids(by_carrier["messages"])[0] == without_ids(by_res_id["messages"])[0]
    first, nested, quote = by_carrier["messages"]
    # Sent in a group: group messages, as NapCat parses the forward's packet.
    assert (first["message_type"], first["sub_type"], first["group_id"],
            first["group_name"]) == ("group", "normal", ADMIN_GROUP, "")
    assert (first["user_id"], first["sender"]["nickname"], first["message"][0]) == (
        20001, "张伟", {"type": "text", "data": {"text": "hello "}})
    assert first["post_type"] == "message" and first["message_format"] == "array"
    [forward] = nested["message"]
    assert forward["type"] == "forward"
    [deep] = forward["data"]["content"]
    assert (deep["user_id"], deep["raw_message"]) == (20002, "deep")
    assert (quote["user_id"], quote["raw_message"]) == (20003, "original")


def test_forwards_in_chats_the_bot_cannot_see(api: Api, sim: Simulator) -> None:
    sim.world.groups.create(100400, "外面", 20004)
    sim.world.groups.add_member(100400, BOT)
    sent = api.ok("send_group_msg", {"group_id": 100400, "message": [node("inside")]})
    sim.person(20004).kick(100400, BOT)
    api.fail("get_forward_msg", {"message_id": sent["message_id"]},
             "消息已过期或者为内层消息，无法获取转发消息")
    assert len(api.ok("get_forward_msg", {"id": sent["res_id"]})["messages"]) == 1


def test_private_forward_and_forward_errors(api: Api, sim: Simulator) -> None:
    sent = api.ok("send_private_msg", {"user_id": 20001, "message": [node("p")]})
    assert sim.history(user_id=BOT, peer_id=20001)[-1].message_id == sent["message_id"]
    plain = send_group(api, "not a forward")
    for unknown in (plain, 424242):  # NapCat: any numeric id that is not a forward carrier
        api.fail("get_forward_msg", {"message_id": unknown},
                 "消息已过期或者为内层消息，无法获取转发消息")
    api.fail("get_forward_msg", {"id": "res-nope"}, "ResId无效: 找不到相关的聊天记录")
    api.fail("get_forward_msg", {}, "message_id is required")
    api.fail("send_group_msg", {"group_id": ADMIN_GROUP,
                                "message": [{"type": "node", "data": {"id": "5"}}]},
             "消息5不存在")


def test_person_cannot_speak_when_muted_by_the_bot(api: Api, sim: Simulator) -> None:
    api.ok("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20003, "duration": 60})
    with pytest.raises(PermissionDenied):
        sim.person(20003).send_group_msg(ADMIN_GROUP, "let me talk")
