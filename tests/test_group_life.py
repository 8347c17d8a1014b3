"""Group life: details, settings, remarks, portraits, essence, notices, check-ins, todos, AI voice.

Each test drives the world through actions (and simulated people) and checks
what a bot then reads back, as NapCat would answer it.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.adapters.onebot.v11 import event as models

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.link import BotLink
from simulator.onebot.context import ConnectionSettings


def png(width: int, height: int) -> bytes:
    """A tiny valid PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def b64(data: bytes) -> str:
    return "base64://" + base64.b64encode(data).decode()


def detail(api: Api, group_id: int = ADMIN_GROUP) -> dict[str, Any]:
    return dict(api.ok("get_group_detail_info", {"group_id": group_id}))


def ext(api: Api, group_id: int = ADMIN_GROUP) -> dict[str, Any]:
    return dict(api.ok("get_group_info_ex", {"group_id": group_id})["extInfo"])


# -- group information extras -------------------------------------------------------------


def test_group_detail_info_spreads_the_kernel_detail(api: Api, sim: Simulator) -> None:
    info = detail(api)
    assert {k: info[k] for k in ("group_all_shut", "group_remark", "group_id", "group_name",
                                 "member_count", "max_member_count")} == {
        "group_all_shut": 0, "group_remark": "", "group_id": ADMIN_GROUP,
        "group_name": "机器人测试群", "member_count": 7, "max_member_count": 200}
    assert (info["groupCode"], info["ownerUin"], info["memberNum"]) == (
        str(ADMIN_GROUP), "20001", 7)
    assert info["cmdUinPrivilege"] == 3  # the bot is an admin there
    sim.person(20001).mute(ADMIN_GROUP, BOT, 60)
    sim.world.groups.mute_all(20001, ADMIN_GROUP, True)
    info = detail(api)
    assert info["group_all_shut"] == -1 and info["shutUpAllTimestamp"] > 0
    assert info["shutUpMeTimestamp"] == sim.world.now() + 60
    sim.world.groups.create(100400, "外面", 20004)  # details of any group, as NapCat fetches them
    assert detail(api, 100400)["cmdUinPrivilege"] == 0
    api.fail("get_group_detail_info", {"group_id": 999}, "群999不存在")


def test_remark_shows_in_group_info_and_list_but_not_detail_group_remark(api: Api) -> None:
    api.ok("set_group_remark", {"group_id": ADMIN_GROUP, "remark": "工作群"})
    assert api.ok("get_group_info", {"group_id": ADMIN_GROUP})["group_remark"] == "工作群"
    listed = {g["group_id"]: g["group_remark"] for g in api.ok("get_group_list")}
    assert listed == {ADMIN_GROUP: "工作群", OWNED_GROUP: "", MEMBER_GROUP: ""}
    info = detail(api)
    assert (info["group_remark"], info["remarkName"]) == ("", "工作群")  # NapCat hard-codes ""
    api.fail("set_group_remark", {"group_id": 999, "remark": "x"},
             "设置群备注失败, -1:群(999)成员10001不存在")


def test_group_info_ex_reflects_robot_options_and_the_todo(api: Api, sim: Simulator) -> None:
    info = api.ok("get_group_info_ex", {"group_id": ADMIN_GROUP})
    assert (info["groupCode"], info["resultCode"]) == (str(ADMIN_GROUP), 0)
    assert info["extInfo"]["groupOwnerId"]["memberUin"] == "20001"
    api.ok("set_group_robot_add_option", {"group_id": ADMIN_GROUP, "robot_member_switch": 1,
                                          "robot_member_examine": "2"})
    assert (ext(api)["inviteRobotMemberSwitch"], ext(api)["inviteRobotMemberExamine"]) == (1, 2)
    api.fail("set_group_robot_add_option", {"group_id": MEMBER_GROUP, "robot_member_switch": 1},
             "设置群机器人添加选项失败, 10003:ERR_NOT_GROUP_ADMIN")


def test_shut_list_has_kernel_member_objects_of_muted_members(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    assert api.ok("get_group_shut_list", {"group_id": ADMIN_GROUP}) == []
    api.ok("set_group_ban", {"group_id": ADMIN_GROUP, "user_id": 20003, "duration": 600})
    [muted] = api.ok("get_group_shut_list", {"group_id": ADMIN_GROUP})
    assert (muted["uin"], muted["nick"], muted["cardName"], muted["role"]) == (
        "20003", "李娜", "娜娜", 2)
    assert muted["shutUpTime"] == sim.world.now() + 600
    assert muted["remark"] == "" and muted["uid"].startswith("u_")
    clock.advance(600)
    assert api.ok("get_group_shut_list", {"group_id": ADMIN_GROUP}) == []
    assert api.ok("get_group_shut_list", {"group_id": 999}) == []  # NapCat: [] on failure


def test_at_all_remain_counts_todays_mentions(
    api: Api, sim: Simulator, bot: BotLink, clock: ManualClock
) -> None:
    fresh = api.ok("get_group_at_all_remain", {"group_id": ADMIN_GROUP})
    assert fresh == {"can_at_all": True, "remain_at_all_count_for_group": 10,
                     "remain_at_all_count_for_uin": 10}
    api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": "[CQ:at,qq=all] 开会"})
    sim.person(20001).send_group_msg(ADMIN_GROUP, "[CQ:at,qq=all] 再说一次")
    after = api.ok("get_group_at_all_remain", {"group_id": ADMIN_GROUP})
    assert (after["remain_at_all_count_for_group"], after["remain_at_all_count_for_uin"]) == (8, 9)
    clock.advance(86400)
    assert api.ok("get_group_at_all_remain", {"group_id": ADMIN_GROUP}) == fresh
    assert api.ok("get_group_at_all_remain", {"group_id": MEMBER_GROUP})["can_at_all"] is False


def test_group_system_msg_lists_join_requests_and_invitations(api: Api, sim: Simulator) -> None:
    empty = {"invited_requests": [], "InvitedRequest": [], "join_requests": []}
    assert api.ok("get_group_system_msg") == empty
    [join] = sim.person(20008).ask_to_join(ADMIN_GROUP, "想加入")
    sim.world.groups.create(100400, "新群", 20004)
    invite = sim.person(20004).invite_bot(BOT, 100400)
    listed = api.ok("get_group_system_msg", {"count": "50"})
    assert listed["join_requests"] == [{
        "request_id": int(join.flag), "invitor_uin": 20008, "invitor_nick": "黄强",
        "group_id": ADMIN_GROUP, "message": "想加入", "group_name": "机器人测试群",
        "checked": False, "actor": 0, "requester_nick": "黄强"}]
    # NapCat reads the notification's user1 as the invitor: for an invitation that is the bot
    assert listed["invited_requests"] == listed["InvitedRequest"] == [{
        "request_id": int(invite.flag), "invitor_uin": BOT, "invitor_nick": "小Q",
        "group_id": 100400, "message": "", "group_name": "新群", "checked": False,
        "actor": 20004, "requester_nick": "小Q"}]
    api.ok("set_group_add_request", {"flag": join.flag, "approve": True})
    handled = api.ok("get_group_system_msg")["join_requests"][0]
    assert (handled["checked"], handled["actor"]) == (True, BOT)
    assert api.ok("get_group_ignored_notifies") == api.ok("get_group_system_msg")
    assert len(api.ok("get_group_system_msg", {"count": 1})["join_requests"]) == 0
    assert api.ok("get_group_ignore_add_request") == []  # qqsim has no risk filter


# -- settings ------------------------------------------------------------------------


def test_add_option_question_and_search_flags(api: Api) -> None:
    api.ok("set_group_add_option", {"group_id": ADMIN_GROUP, "add_type": 4,
                                    "group_question": "口令?", "group_answer": "芝麻开门"})
    info = detail(api)
    assert (info["groupOption"], info["groupQuestion"], info["groupAnswer"]) == (
        4, "口令?", "芝麻开门")
    api.ok("set_group_add_option", {"group_id": ADMIN_GROUP, "add_type": "5",
                                    "group_question": "你是谁", "group_answer": "ignored"})
    info = detail(api)
    assert (info["groupOption"], info["groupQuestion"], info["groupAnswer"]) == (5, "你是谁", "")
    api.ok("set_group_add_option", {"group_id": ADMIN_GROUP, "add_type": 1})
    assert (detail(api)["groupOption"], detail(api)["groupQuestion"]) == (1, "你是谁")
    api.fail("set_group_add_option", {"group_id": MEMBER_GROUP, "add_type": 3},
             "设置群添加选项失败, 10003:ERR_NOT_GROUP_ADMIN")
    api.fail("set_group_add_option", {"group_id": ADMIN_GROUP, "add_type": 9},
             "设置群添加选项失败, -1:未知的加群方式 9")
    api.fail("set_group_add_option", {"group_id": ADMIN_GROUP},
             "Schema compilation error: Expected required property (/add_type)", retcode=1400)
    api.ok("set_group_search", {"group_id": ADMIN_GROUP, "no_code_finger_open": 1,
                                "no_finger_open": 2})
    api.ok("set_group_search", {"group_id": ADMIN_GROUP, "no_finger_open": 0})  # 0 is not sent
    info = detail(api)
    assert (info["noCodeFingerOpenFlag"], info["noFingerOpenFlag"]) == (1, 2)
    api.fail("set_group_search", {"group_id": MEMBER_GROUP, "no_finger_open": 1},
             "设置群搜索失败, 10003:ERR_NOT_GROUP_ADMIN")


def test_member_invite_policy_and_permissions_set_privilege_flags(api: Api) -> None:
    assert detail(api)["privilegeFlag"] == 0
    api.ok("set_group_member_invite_policy", {"group_id": ADMIN_GROUP, "policy": "no_approval"})
    assert detail(api)["privilegeFlag"] == 0x00100000
    api.ok("set_group_member_permissions", {"group_id": ADMIN_GROUP,
                                            "allow_member_temporary_session": "false",
                                            "allow_member_create_group": False})
    assert detail(api)["privilegeFlag"] == 0x00100000 | 0x10000 | 0x8000
    api.ok("set_group_member_permissions", {"group_id": ADMIN_GROUP,
                                            "allow_member_create_group": True})
    assert detail(api)["privilegeFlag"] == 0x00100000 | 0x10000
    api.fail("set_group_member_permissions", {"group_id": ADMIN_GROUP},
             "至少需要提供一个群成员功能权限")
    api.fail("set_group_member_invite_policy", {"group_id": ADMIN_GROUP, "policy": "maybe"},
             "Schema compilation error: Expected union value (/policy)", retcode=1400)
    api.fail("set_group_member_invite_policy", {"group_id": MEMBER_GROUP, "policy": "disabled"},
             "设置群成员邀请策略失败 Setting: member_invite ErrCode: 10003 "
             "ErrMsg: ERR_NOT_GROUP_ADMIN")
    api.fail("set_group_member_permissions", {"group_id": MEMBER_GROUP,
                                              "allow_member_upload_album": False},
             "设置群成员功能权限失败 Setting: allow_member_upload_album ErrCode: 10003 "
             "ErrMsg: ERR_NOT_GROUP_ADMIN")
    # an unchanged permission is not sent at all, so even a plain member "succeeds"
    api.ok("set_group_member_permissions", {"group_id": MEMBER_GROUP,
                                            "allow_member_upload_album": True})


def test_new_member_history_visibility(api: Api) -> None:
    assert detail(api)["groupFlagExt4"] == 0x4
    assert api.ok("set_group_new_member_history_visibility",
                  {"group_id": ADMIN_GROUP, "visible": False}) is None
    assert detail(api)["groupFlagExt4"] == 0
    api.fail("set_group_new_member_history_visibility",
             {"group_id": MEMBER_GROUP, "visible": False},
             "设置新成员历史消息可见性失败 Setting: new_members_see_recent_history ErrCode: 10003 "
             "ErrMsg: ERR_NOT_GROUP_ADMIN")
    api.fail("set_group_new_member_history_visibility", {"group_id": ADMIN_GROUP,
                                                         "visible": "maybe"},
             "Schema compilation error: Expected boolean (/visible)", retcode=1400)


def test_group_portrait_needs_an_image_and_an_admin(api: Api, sim: Simulator) -> None:
    picture = b64(png(4, 4))
    assert api.ok("set_group_portrait", {"group_id": ADMIN_GROUP, "file": picture}) == {
        "result": 0, "errMsg": ""}
    info = detail(api)
    assert (info["headPortraitSeq"], info["groupHeadPortrait"]["portraitCnt"]) == (1, 1)
    assert ext(api)["hasGroupCustomPortrait"] == 1
    text = b64(b"not an image")
    api.fail("set_group_portrait", {"group_id": ADMIN_GROUP, "file": text},
             f"头像{text}设置失败，文件可能不是图片格式或权限不足")
    api.fail("set_group_portrait", {"group_id": MEMBER_GROUP, "file": picture},
             f"头像{picture}设置失败，文件可能不是图片格式或权限不足")
    api.fail("set_group_portrait", {"group_id": ADMIN_GROUP, "file": "nonsense"},
             "头像nonsense设置失败,file字段可能格式不正确")
    assert detail(api)["headPortraitSeq"] == 1


def test_kick_members_removes_each_and_is_unchecked(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    assert api.ok("set_group_kick_members", {"group_id": ADMIN_GROUP,
                                             "user_id": [20004, "20005", "99"]}) is None
    left = [(e["user_id"], e["sub_type"]) for e in events.of("notice", "group_decrease")]
    assert left == [(20004, "kick"), (20005, "kick")]
    # a scalar is taken as a one-element list; kicking the owner quietly does nothing
    assert api.ok("set_group_kick_members", {"group_id": ADMIN_GROUP, "user_id": 20001}) is None
    assert sim.world.groups.find_member(ADMIN_GROUP, 20001) is not None


# -- essence ---------------------------------------------------------------------------


def test_set_essence_notifies_and_lists_it(api: Api, sim: Simulator, events: EventLog) -> None:
    message = sim.person(20003).send_group_msg(ADMIN_GROUP, "重要[CQ:face,id=1]")
    result = api.ok("set_essence_msg", {"message_id": str(message.message_id)})
    assert (result["errCode"], result["rsp"]["msg"]["msgSeq"]) == (0, message.seq)
    notice = events.one("notice", "essence")
    assert notice == {
        "time": sim.world.now(), "self_id": BOT, "post_type": "notice", "group_id": ADMIN_GROUP,
        "user_id": 20003, "notice_type": "essence", "message_id": message.message_id,
        "sender_id": 20003, "operator_id": BOT, "sub_type": "add"}
    [entry] = api.ok("get_essence_msg_list", {"group_id": ADMIN_GROUP})
    assert entry == {
        "msg_seq": message.seq, "msg_random": result["rsp"]["msg"]["msgRandom"],
        "sender_id": 20003, "sender_nick": "娜娜", "operator_id": BOT,
        "operator_nick": "小Q机器人", "message_id": message.message_id,
        "operator_time": sim.world.now(), "content": message.segments}
    again = api.ok("set_essence_msg", {"message_id": message.message_id})
    assert again["errCode"] != 0
    assert len(events.of("notice", "essence")) == 1


def test_essence_refusals(api: Api, sim: Simulator, events: EventLog) -> None:
    in_member_group = sim.person(20001).send_group_msg(MEMBER_GROUP, "hi")
    refused = api.ok("set_essence_msg", {"message_id": in_member_group.message_id})
    assert (refused["errCode"], refused["errMsg"]) == (10003, "ERR_NOT_GROUP_ADMIN")
    assert api.ok("get_essence_msg_list", {"group_id": MEMBER_GROUP}) == []
    api.fail("set_essence_msg", {"message_id": 12345}, "msg not found")
    private = sim.person(20001).send_private_msg(BOT, "私聊")
    api.fail("set_essence_msg", {"message_id": private.message_id}, "消息不存在")
    elsewhere = sim.person(20004).send_group_msg(ADMIN_GROUP, "x")
    sim.world.groups.leave(ADMIN_GROUP, BOT)
    api.fail("set_essence_msg", {"message_id": elsewhere.message_id}, "msg not found")
    assert events.of("notice", "essence") == []


def test_a_person_setting_essence_reaches_the_bot(sim: Simulator, events: EventLog) -> None:
    message = sim.person(20004).send_group_msg(ADMIN_GROUP, "金句")
    sim.person(20002).set_essence(message.message_id)
    notice = events.one("notice", "essence")
    assert (notice["sender_id"], notice["operator_id"]) == (20004, 20002)
    sim.person(20002).remove_essence(message.message_id)
    assert len(events.of("notice", "essence")) == 1  # NapCat reports no removal


def test_delete_essence_by_message_or_by_seq_and_random(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    first = sim.person(20003).send_group_msg(ADMIN_GROUP, "one")
    second = sim.person(20004).send_group_msg(ADMIN_GROUP, "two")
    for message in (first, second):
        api.ok("set_essence_msg", {"message_id": message.message_id})
    events.clear()
    removed = api.ok("delete_essence_msg", {"message_id": first.message_id})
    assert removed["errCode"] == 0
    [left] = api.ok("get_essence_msg_list", {"group_id": ADMIN_GROUP})
    assert left["message_id"] == second.message_id
    by_seq = api.ok("delete_essence_msg", {"group_id": ADMIN_GROUP, "msg_seq": left["msg_seq"],
                                           "msg_random": left["msg_random"]})
    assert by_seq["errCode"] == 0
    assert api.ok("get_essence_msg_list", {"group_id": ADMIN_GROUP}) == []
    assert events.rendered() == []  # NapCat emits nothing for removals
    assert api.ok("delete_essence_msg", {"message_id": first.message_id})["errCode"] != 0
    api.fail("delete_essence_msg", {},
             "必须提供 message_id 或者同时提供 msg_seq, msg_random, group_id")
    api.fail("delete_essence_msg", {"message_id": 777}, "消息不存在")


def test_essence_of_a_recalled_message_gets_napcats_synthetic_id(
    api: Api, sim: Simulator
) -> None:
    picture = b64(png(2, 2))
    message = sim.person(20003).send_group_msg(
        ADMIN_GROUP, [{"type": "text", "data": {"text": "看图"}},
                      {"type": "image", "data": {"file": picture}},
                      {"type": "face", "data": {"id": "1"}}])
    api.ok("set_essence_msg", {"message_id": message.message_id})
    api.ok("delete_msg", {"message_id": message.message_id})
    [entry] = api.ok("get_essence_msg_list", {"group_id": ADMIN_GROUP})
    assert entry["message_id"] != message.message_id and entry["message_id"] > 0
    url = message.segments[1]["data"]["url"]
    assert entry["content"] == [{"type": "text", "data": {"text": "看图"}},
                                {"type": "image", "data": {"file": "", "url": url}}]
    # NapCat swaps msg_seq and msg_random on this path, so QQ finds nothing to remove
    assert api.ok("delete_essence_msg", {"message_id": entry["message_id"]})["errCode"] != 0
    assert len(api.ok("get_essence_msg_list", {"group_id": ADMIN_GROUP})) == 1


def test_essence_content_in_string_format(sim: Simulator) -> None:
    link = sim.link(BOT, ConnectionSettings(message_format="string"))
    message = sim.person(20003).send_group_msg(ADMIN_GROUP, "[CQ:face,id=2]好")
    link.call("set_essence_msg", {"message_id": message.message_id})
    [entry] = link.call("get_essence_msg_list", {"group_id": ADMIN_GROUP})["data"]
    assert entry["content"] == [{"type": "text", "data": {"text": message.raw_message}}]


# -- notices ---------------------------------------------------------------------------


def test_group_notices_round_trip(api: Api, sim: Simulator, clock: ManualClock) -> None:
    api.void("_send_group_notice", {"group_id": ADMIN_GROUP, "content": "周五聚餐"})
    clock.advance(10)
    api.void("_send_group_notice", {"group_id": ADMIN_GROUP, "content": "带图", "pinned": "1",
                                    "image": b64(png(30, 20)), "confirm_required": 0})
    notices = api.ok("_get_group_notice", {"group_id": ADMIN_GROUP})
    assert [n["message"]["text"] for n in notices] == ["带图", "周五聚餐"]
    pinned = notices[0]
    images = pinned["message"]["image"]
    assert images == pinned["message"]["images"]
    assert [(i["width"], i["height"]) for i in images] == [("30", "20")]
    assert (pinned["sender_id"], pinned["publish_time"]) == (BOT, sim.world.now())
    assert pinned["settings"] == {"is_show_edit_card": 0, "remind_ts": 0, "tip_window_type": 0,
                                  "confirm_required": 0}
    assert set(pinned) == {"notice_id", "sender_id", "publish_time", "message", "settings",
                           "read_num"}
    assert api.ok("_del_group_notice", {"group_id": ADMIN_GROUP,
                                        "notice_id": pinned["notice_id"]}) == {
        "result": 0, "errMsg": ""}
    assert [n["message"]["text"] for n in api.ok("_get_group_notice", {"group_id": ADMIN_GROUP})
            ] == ["周五聚餐"]
    assert api.ok("_del_group_notice", {"group_id": ADMIN_GROUP,
                                        "notice_id": pinned["notice_id"]})["result"] != 0


def test_group_notice_refusals(api: Api, sim: Simulator) -> None:
    api.fail("_send_group_notice", {"group_id": MEMBER_GROUP, "content": "x"},
             "设置群公告失败,错误信息:ERR_NOT_GROUP_ADMIN")
    api.fail("_send_group_notice", {"group_id": ADMIN_GROUP, "content": "x", "image": "junk"},
             "群公告junk设置失败,image字段可能格式不正确")
    notice = sim.person(20007).publish_notice(MEMBER_GROUP, "读书会规则")
    [seen] = api.ok("_get_group_notice", {"group_id": MEMBER_GROUP})
    assert (seen["notice_id"], seen["sender_id"]) == (notice.notice_id, 20007)
    refused = api.ok("_del_group_notice", {"group_id": MEMBER_GROUP,
                                           "notice_id": notice.notice_id})
    assert refused == {"result": 10003, "errMsg": "ERR_NOT_GROUP_ADMIN"}
    sim.world.groups.create(100400, "外面", 20004)
    api.fail("_get_group_notice", {"group_id": 100400}, "获取公告失败")


# -- check-ins -------------------------------------------------------------------------


def test_sign_in_shows_in_todays_signed_list(api: Api, sim: Simulator, clock: ManualClock) -> None:
    assert api.ok("get_group_signed_list", {"group_id": ADMIN_GROUP}) == []
    sim.person(20003).sign_in(ADMIN_GROUP)
    clock.advance(30)
    api.void("set_group_sign", {"group_id": ADMIN_GROUP})
    api.void("send_group_sign", {"group_id": str(ADMIN_GROUP)})  # again: QQ keeps the first
    assert api.ok("get_group_signed_list", {"group_id": ADMIN_GROUP}) == [
        {"user_id": 20003, "nick": "娜娜", "time": sim.world.now() - 30, "rank": 1},
        {"user_id": BOT, "nick": "小Q机器人", "time": sim.world.now(), "rank": 2}]
    clock.advance(86400)  # a new day (China time) starts an empty list
    assert api.ok("get_group_signed_list", {"group_id": ADMIN_GROUP}) == []
    api.void("set_group_sign", {"group_id": 999})  # unchecked, as NapCat's packet is
    api.fail("get_group_signed_list", {"group_id": 999}, "无法获取该群组打卡列表")


# -- the group todo ----------------------------------------------------------------------


def test_group_todo_set_complete_cancel(api: Api, sim: Simulator) -> None:
    message = sim.person(20003).send_group_msg(ADMIN_GROUP, "明天交报告")
    api.void("set_group_todo", {"group_id": ADMIN_GROUP, "message_id": message.message_id})
    assert ext(api)["todoSeq"] == message.seq
    api.void("complete_group_todo", {"group_id": ADMIN_GROUP, "message_seq": str(message.seq)})
    todo = sim.world.group_extras.todo(ADMIN_GROUP)
    assert todo is not None and todo.completed_by == (BOT,)
    api.void("cancel_group_todo", {"group_id": ADMIN_GROUP, "message_seq": message.seq})
    assert ext(api)["todoSeq"] == 0
    api.fail("set_group_todo", {"group_id": ADMIN_GROUP}, "缺少参数 message_id 或 message_seq")
    api.fail("set_group_todo", {"group_id": ADMIN_GROUP, "message_id": "123"}, "消息不存在")


def test_group_todo_is_unchecked_for_members(api: Api, sim: Simulator) -> None:
    message = sim.person(20001).send_group_msg(MEMBER_GROUP, "任务")
    api.void("set_group_todo", {"group_id": MEMBER_GROUP, "message_id": message.message_id})
    assert ext(api, MEMBER_GROUP)["todoSeq"] == 0


# -- AI voice ----------------------------------------------------------------------------


def test_ai_characters_and_records(api: Api, sim: Simulator) -> None:
    categories = api.ok("get_ai_characters", {"group_id": ADMIN_GROUP, "chat_type": "1"})
    assert categories and all(set(c) == {"type", "characters"} for c in categories)
    first = categories[0]["characters"][0]
    assert set(first) == {"character_id", "character_name"}
    assert api.ok("get_ai_characters", {"group_id": 999}) == []
    params = {"group_id": ADMIN_GROUP, "character": first["character_id"], "text": "大家好"}
    url = api.ok("get_ai_record", params)
    assert isinstance(url, str) and url.startswith("https://")
    assert api.ok("get_ai_record", params) == url  # deterministic
    api.fail("get_ai_record", {**params, "character": "nobody"},
             "sendAiVoiceChatReq failed after 30 times")
    assert api.ok("send_group_ai_record", params) == {"message_id": 0}
    said = sim.history(group_id=ADMIN_GROUP)[-1]
    assert (said.sender_id, said.segments[0]["type"]) == (BOT, "record")
    api.fail("send_group_ai_record", {**params, "character": "nobody"},
             "sendAiVoiceChatReq failed after 30 times")


# -- profiles and what client libraries see ---------------------------------------------------


def test_napcat_only_names_are_unknown_under_gocq(clock: ManualClock) -> None:
    sim = Simulator(SimulatorConfig(control_port=None, profile="gocq"), clock=clock)
    try:
        link = sim.link(BOT)
        assert link.call("set_group_remark", {"group_id": ADMIN_GROUP, "remark": "x"}
                         )["retcode"] == 404
        body = link.call("_send_group_notice", {"group_id": ADMIN_GROUP, "content": "hi"})
        assert (body["status"], body["data"]) == ("ok", None)  # go-cqhttp sends data: null
    finally:
        sim.close()


def test_essence_notice_parses_as_nonebots_generic_notice(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    message = sim.person(20003).send_group_msg(ADMIN_GROUP, "x")
    api.ok("set_essence_msg", {"message_id": message.message_id})
    parsed = Adapter.json_to_event(events.one("notice", "essence"))
    # NoneBot's OneBot v11 adapter has no model for go-cqhttp's essence notice
    assert type(parsed) is models.NoticeEvent


@pytest.mark.parametrize("name", ["get_group_detail_info", "get_group_info_ex",
                                  "get_group_at_all_remain", "get_essence_msg_list"])
def test_group_reads_accept_numeric_strings(api: Api, name: str) -> None:
    assert api.call(name, {"group_id": str(ADMIN_GROUP)})["status"] == "ok"
