"""go-cqhttp's forward-sending actions and NapCat's single-message forwarding."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import trio
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP, Api, EventLog, wired_config
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.adapters.onebot.v11 import event as models

from simulator import Simulator, open_simulator
from simulator.onebot.context import ConnectionSettings
from simulator.world.forward_cards import ForwardCard

NODE_MIX = "转发消息不能和普通消息混在一起发送,转发需要保证message只有type为node的元素"


def node(content: Any, user_id: int = 20001, nickname: str = "张伟", **card: Any
         ) -> dict[str, Any]:
    return {"type": "node", "data": {"user_id": user_id, "nickname": nickname,
                                     "content": content, **card}}


def card(sim: Simulator, res_id: str) -> ForwardCard:
    found = sim.world.forward_cards.find(res_id)
    assert found is not None
    return found


# -- send_group_forward_msg / send_private_forward_msg / send_forward_msg ----------------


def test_send_group_forward_msg(api: Api, sim: Simulator) -> None:
    sent = api.ok("send_group_forward_msg", {"group_id": ADMIN_GROUP, "messages": [
        node("hello [CQ:face,id=1]"), node("[CQ:at,qq=20003] 看这个", 20002, "王芳")]})
    assert set(sent) == {"message_id", "res_id", "forward_id"}
    assert sent["res_id"] == sent["forward_id"]
    carrier = sim.history(group_id=ADMIN_GROUP)[-1]
    assert (carrier.message_id, carrier.sender_id) == (sent["message_id"], BOT)
    assert carrier.segments == [{"type": "forward", "data": {"id": sent["res_id"]}}]
    read_back = api.ok("get_forward_msg", {"id": sent["res_id"]})["messages"]
    assert [m["user_id"] for m in read_back] == [20001, 20002]
    assert read_back[0]["raw_message"].startswith("hello [CQ:face,id=1,raw=")
    assert read_back[1]["raw_message"] == "[CQ:at,qq=20003] 看这个"
    # NapCat's packet-mode card: custom nodes always count as a group chat's record
    assert card(sim, sent["res_id"]) == ForwardCard(
        source="群聊的聊天记录", news=("张伟: hello [表情]", "王芳: @李娜 看这个"),
        summary="查看2条转发消息", prompt="[聊天记录]")


def test_card_texts_given_by_the_sender_are_kept(api: Api, sim: Simulator) -> None:
    sent = api.ok("send_group_forward_msg", {
        "group_id": str(ADMIN_GROUP), "messages": [node("a"), node("b")],
        "source": "年度总结", "news": [{"text": "第一行"}, {"text": "第二行"}],
        "summary": "看看吧", "prompt": "[年度总结]"})
    assert card(sim, sent["res_id"]) == ForwardCard(
        source="年度总结", news=("第一行", "第二行"), summary="看看吧", prompt="[年度总结]")
    empty_news = api.ok("send_group_forward_msg", {"group_id": ADMIN_GROUP,
                                                   "messages": [node("a")], "news": []})
    assert card(sim, empty_news["res_id"]).news == ()  # NapCat keeps an explicit empty list


def test_forwards_sent_with_send_msg_keep_cards_too(api: Api, sim: Simulator) -> None:
    sent = api.ok("send_group_msg", {"group_id": ADMIN_GROUP, "message": [node("hi")],
                                     "summary": "从 send_group_msg 来"})
    assert card(sim, sent["res_id"]).summary == "从 send_group_msg 来"
    plain = api.ok("send_msg", {"group_id": ADMIN_GROUP, "message": [node("a"), node("b")]})
    assert card(sim, plain["res_id"]).summary == "查看2条转发消息"


def test_nested_forwards_keep_their_own_cards(api: Api, sim: Simulator) -> None:
    inner = [node("deep", 20003, "李娜"), node("deeper", 20004, "刘洋")]
    sent = api.ok("send_group_forward_msg", {"group_id": ADMIN_GROUP, "messages": [
        node(inner, 20002, "王芳", summary="内层摘要", source="内层"), node("outer")]})
    outer = card(sim, sent["res_id"])
    assert outer.news == ("王芳: [卡片消息]", "张伟: outer")
    [nested, _] = api.ok("get_forward_msg", {"id": sent["res_id"]})["messages"]
    inner_id = nested["message"][0]["data"]["id"]
    assert [m["raw_message"] for m in nested["message"][0]["data"]["content"]] == [
        "deep", "deeper"]
    assert card(sim, inner_id) == ForwardCard(
        source="内层", news=("李娜: deep", "刘洋: deeper"), summary="内层摘要", prompt="[聊天记录]")


def test_send_private_forward_msg_and_referenced_nodes(api: Api, sim: Simulator) -> None:
    first = sim.person(20001).send_private_msg(BOT, "我说的")
    second = api.ok("send_private_msg", {"user_id": 20001, "message": "我回的"})["message_id"]
    sent = api.ok("send_private_forward_msg", {"user_id": 20001, "messages": [
        {"type": "node", "data": {"id": first.message_id}},
        {"type": "node", "data": {"id": str(second)}}]})
    assert sim.history(user_id=BOT, peer_id=20001)[-1].message_id == sent["message_id"]
    # only referenced messages, sent into a private chat: the title names the speakers
    assert card(sim, sent["res_id"]).source == "张伟和小Q的聊天记录"
    custom = api.ok("send_private_forward_msg", {"user_id": 20001, "messages": [node("x")]})
    assert card(sim, custom["res_id"]).source == "群聊的聊天记录"


def test_send_forward_msg_routes_like_send_msg(api: Api, sim: Simulator) -> None:
    to_group = api.ok("send_forward_msg", {"group_id": OWNED_GROUP, "messages": [node("g")]})
    assert sim.history(group_id=OWNED_GROUP)[-1].message_id == to_group["message_id"]
    to_friend = api.ok("send_forward_msg", {"user_id": 20002, "messages": [node("p")]})
    assert sim.history(user_id=BOT, peer_id=20002)[-1].message_id == to_friend["message_id"]
    typed = api.ok("send_forward_msg", {"message_type": "group", "group_id": MEMBER_GROUP,
                                        "user_id": 20002, "message": [node("t")]})
    assert sim.history(group_id=MEMBER_GROUP)[-1].message_id == typed["message_id"]


def test_messages_replaces_message_and_plain_segments_send_plainly(
    api: Api, sim: Simulator
) -> None:
    sent = api.ok("send_group_forward_msg", {"group_id": ADMIN_GROUP, "message": "ignored",
                                             "messages": "just text"})
    assert sent == {"message_id": sim.history(group_id=ADMIN_GROUP)[-1].message_id}
    assert sim.history(group_id=ADMIN_GROUP)[-1].raw_message == "just text"
    with_message = api.ok("send_group_forward_msg", {"group_id": ADMIN_GROUP,
                                                     "message": [node("old style")]})
    assert "res_id" in with_message


def test_forward_send_errors(api: Api, sim: Simulator) -> None:
    api.fail("send_group_forward_msg", {"group_id": ADMIN_GROUP,
                                        "messages": [node("a"), {"type": "text",
                                                                 "data": {"text": "b"}}]},
             NODE_MIX, 1400)
    api.fail("send_group_forward_msg", {"user_id": 20001, "messages": [node("a")]},
             "当前群聊发送,请指定 group_id 而不是 user_id")
    api.fail("send_private_forward_msg", {"group_id": ADMIN_GROUP, "messages": [node("a")]},
             "当前私聊发送,请指定 user_id 而不是 group_id")
    api.fail("send_group_forward_msg", {"group_id": ADMIN_GROUP}, "参数message不能为空")
    sim.person(20001).mute(ADMIN_GROUP, BOT, 60)
    # SendMsg.ts, packet mode: the carrier's send times out; NapCat names the res_id.
    body = api.call("send_group_forward_msg", {"group_id": ADMIN_GROUP,
                                               "messages": [node("a")]})
    assert (body["status"], body["retcode"]) == ("failed", 1200)
    assert re.fullmatch(r"发送转发消息（res_id：[A-Za-z0-9_-]{64} 失败", body["message"])


@pytest.mark.trio
async def test_forward_over_http() -> None:
    config = wired_config()
    with trio.fail_after(10):
        async with open_simulator(config) as sim:
            url = sim.url("http")
            async with httpx.AsyncClient(base_url=url) as client:
                sent = (await client.post("/send_group_forward_msg", json={
                    "group_id": ADMIN_GROUP, "messages": [node("over http")]})).json()
                history = (await client.get("/get_group_msg_history", params={
                    "group_id": str(ADMIN_GROUP), "count": "1"})).json()
    assert (sent["status"], sent["retcode"]) == ("ok", 0)
    [carrier] = history["data"]["messages"]
    assert carrier["message_id"] == sent["data"]["message_id"]
    [forward] = carrier["message"]
    assert forward["data"]["content"][0]["raw_message"] == "over http"


# -- forward_friend_single_msg / forward_group_single_msg --------------------------------


def test_forward_group_single_msg_copies_the_message_as_the_bot(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    original = sim.person(20003).send_group_msg(ADMIN_GROUP, "转发我 [CQ:face,id=14]")
    events.clear()
    assert api.ok("forward_group_single_msg", {"message_id": original.message_id,
                                               "group_id": OWNED_GROUP}) is None
    copy = sim.history(group_id=OWNED_GROUP)[-1]
    assert (copy.sender_id, copy.segments, copy.raw_message) == (
        BOT, original.segments, original.raw_message)
    assert copy.message_id != original.message_id
    mine = events.rendered(settings=ConnectionSettings(report_self_message=True))
    assert [(e["post_type"], e["group_id"]) for e in mine] == [("message_sent", OWNED_GROUP)]


def test_forward_friend_single_msg_and_user_id_wins(api: Api, sim: Simulator) -> None:
    original = sim.person(20003).send_group_msg(ADMIN_GROUP, "给张伟看看")
    api.ok("forward_friend_single_msg", {"message_id": str(original.message_id),
                                         "user_id": 20001, "group_id": OWNED_GROUP})
    copy = sim.history(user_id=BOT, peer_id=20001)[-1]
    assert (copy.sender_id, copy.raw_message) == (BOT, "给张伟看看")
    assert sim.history(group_id=OWNED_GROUP) == []
    # either name forwards anywhere: NapCat gives both the same handler
    api.ok("forward_friend_single_msg", {"message_id": original.message_id,
                                         "group_id": OWNED_GROUP})
    assert sim.history(group_id=OWNED_GROUP)[-1].raw_message == "给张伟看看"


def test_forward_single_msg_errors(api: Api, sim: Simulator) -> None:
    original = sim.person(20003).send_group_msg(ADMIN_GROUP, "x")
    api.fail("forward_group_single_msg", {"message_id": 424242, "group_id": OWNED_GROUP},
             "无法找到消息424242")
    api.fail("forward_friend_single_msg", {"message_id": original.message_id, "user_id": 99},
             "无法找到私聊对象99")
    api.fail("forward_group_single_msg", {"message_id": original.message_id},
             "Cannot read properties of undefined (reading 'toString')")
    api.fail("forward_group_single_msg", {"message_id": original.message_id,
                                          "group_id": 100400},
             "转发消息失败 群100400不存在")
    sim.person(20007).mute(MEMBER_GROUP, BOT, 60)
    api.fail("forward_group_single_msg", {"message_id": original.message_id,
                                          "group_id": MEMBER_GROUP},
             "转发消息失败 发送消息失败: 10001 在群100300中被禁言")
    sim.person(20003).recall(original.message_id)
    api.fail("forward_group_single_msg", {"message_id": original.message_id,
                                          "group_id": OWNED_GROUP},
             "转发消息失败 消息已被撤回")
    api.fail("forward_group_single_msg", {"group_id": OWNED_GROUP},
             "Schema compilation error: Expected required property (/message_id)", 1400)


def test_nonebot_parses_forwarded_copies(api: Api, sim: Simulator, events: EventLog) -> None:
    sim.world.accounts.add(10002, "小R", is_bot=True)
    sim.world.groups.add_member(OWNED_GROUP, 10002)
    original = sim.person(20003).send_group_msg(ADMIN_GROUP, "hi")
    events.clear()
    api.ok("forward_group_single_msg", {"message_id": original.message_id,
                                        "group_id": OWNED_GROUP})
    api.ok("send_group_forward_msg", {"group_id": OWNED_GROUP, "messages": [node("n")]})
    seen = events.rendered(self_id=10002)
    assert len(seen) == 2
    assert all(type(Adapter.json_to_event(e)) is models.GroupMessageEvent for e in seen)
