"""System actions, credentials, media look-ups and ``.handle_quick_operation``."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, Api, EventLog

from simulator import Simulator
from simulator.onebot.actions.system import csrf_token

VOICE = b"#!AMR\n fake voice bytes"


def test_get_status_and_version(api: Api) -> None:
    assert api.ok("get_status") == {"online": True, "good": True, "stat": {}}
    assert api.ok("get_version_info") == {
        "app_name": "NapCat.Onebot", "protocol_version": "v11", "app_version": "4.18.19"}


@pytest.mark.parametrize("action", ["can_send_image", "can_send_record"])
def test_can_send_is_always_yes(api: Api, action: str) -> None:
    assert api.ok(action) == {"yes": True}


@pytest.mark.parametrize("action", ["set_restart", "clean_cache"])
def test_restart_and_clean_cache_are_void_and_harmless(
    api: Api, sim: Simulator, action: str
) -> None:
    sent = sim.person(20003).send_group_msg(ADMIN_GROUP, "[CQ:image,file=base64://AAAA]")
    api.void(action)
    name = sent.segments[0]["data"]["file"]
    assert api.ok("get_image", {"file": name})["file_size"] == "3"  # media survive
    assert api.ok("get_status")["online"] is True


# -- credentials ------------------------------------------------------------------------


def test_cookies_and_csrf_token_agree(api: Api, sim: Simulator) -> None:
    cookies = api.ok("get_cookies", {"domain": "qun.qq.com"})
    pairs = dict(kv.split("=", 1) for kv in cookies["cookies"].split("; "))
    assert pairs["uin"] == pairs["p_uin"] == f"o{BOT}"
    token = api.ok("get_csrf_token")["token"]
    assert isinstance(token, int) and cookies["bkn"] == str(token)
    assert csrf_token(pairs["skey"]) == token  # the bkn QQ web APIs check
    creds = api.ok("get_credentials", {"domain": "qun.qq.com"})
    assert creds == {"cookies": cookies["cookies"], "token": token}
    other = api.ok("get_cookies", {"domain": "qzone.qq.com"})["cookies"]
    assert other != cookies["cookies"] and f"skey={pairs['skey']}" in other
    api.fail("get_cookies", {}, "Schema compilation error: Expected required property (/domain)",
             1400)
    api.fail("get_credentials", {"domain": None},
             "Schema compilation error: Expected string (/domain)", 1400)


def test_csrf_token_is_qqs_hash() -> None:
    # hash = 5381; hash += (hash << 5) + ord(c) for each char; & 0x7FFFFFFF (worked by hand)
    assert csrf_token("") == 5381
    assert csrf_token("a") == 5381 + 5381 * 32 + 97 == 177_670
    assert csrf_token("ab") == 177_670 + 177_670 * 32 + 98
    assert 0 <= csrf_token("@" + "z" * 40) < 2**31


# -- get_record -------------------------------------------------------------------------


def voice_name(sim: Simulator) -> str:
    b64 = base64.b64encode(VOICE).decode()
    sent = sim.person(20001).send_private_msg(BOT, f"[CQ:record,file=base64://{b64}]")
    return str(sent.segments[0]["data"]["file"])


def test_get_record_in_the_asked_format(api: Api, sim: Simulator) -> None:
    name = voice_name(sim)
    assert name.endswith(".amr")
    got = api.ok("get_record", {"file": name, "out_format": "mp3"})
    # GetRecord.ts: the converted copy is the download path + ".mp3", as file and url;
    # file_name stays the voice's own.
    assert got["file_name"] == name
    assert got["file"] == got["url"] and got["file"].endswith(f"/{name}.mp3")
    assert base64.b64decode(got["base64"]) == VOICE  # always included for records
    assert Path(got["file"]).read_bytes() == VOICE
    assert got["file_size"] == str(len(VOICE))
    plain = api.ok("get_record", {"file": name, "out_format": ""})  # converts nothing
    assert plain["file"] == plain["url"] and plain["file"].endswith(f"/{name}")
    assert "base64" not in plain


@pytest.mark.parametrize(("params", "message", "retcode"), [
    ({"file": "x.amr"}, "Schema compilation error: Expected required property (/out_format)",
     1400),
    # GetRecord.ts: any string passes the schema; the handler finds the file, then refuses.
    ({"file": "x.amr", "out_format": "aac"}, "file not found", 1200),
    ({"file": "nothing.amr", "out_format": "mp3"}, "file not found", 1200),
])
def test_get_record_errors(api: Api, params: dict[str, Any], message: str,
                           retcode: int) -> None:
    api.fail("get_record", params, message, retcode)


def test_get_record_unknown_format_fails_at_run_time(api: Api, sim: Simulator) -> None:
    api.fail("get_record", {"file": voice_name(sim), "out_format": "aac"},
             "转换失败 out_format 字段可能格式不正确", 1200)




def test_media_kinds_do_not_mix(api: Api, sim: Simulator) -> None:
    name = voice_name(sim)
    api.fail("get_image", {"file": name}, "file not found")
    image = sim.person(20001).send_private_msg(BOT, "[CQ:image,file=base64://AAAA]")
    api.fail("get_record", {"file": image.segments[0]["data"]["file"], "out_format": "wav"},
             "file not found")
    api.fail("get_image", {}, "file not found")


# -- .handle_quick_operation ------------------------------------------------------------


def quick(api: Api, context: dict[str, Any], operation: dict[str, Any]) -> None:
    api.void(".handle_quick_operation", {"context": context, "operation": operation})


def test_quick_reply_in_a_group_quotes_the_trigger(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    trigger = sim.person(20003).send_group_msg(ADMIN_GROUP, "ping")
    context = events.one("message")
    quick(api, context, {"reply": "pong", "at_sender": True, "delete": True, "kick": True,
                         "ban": True, "ban_duration": 60})
    reply = sim.history(group_id=ADMIN_GROUP)[-1]
    assert reply.sender_id == BOT
    assert reply.segments == [
        {"type": "reply", "data": {"id": str(trigger.message_id)}},
        {"type": "at", "data": {"qq": "20003"}},
        {"type": "text", "data": {"text": "pong"}},
    ]
    # delete / kick / ban are accepted and ignored, as in NapCat
    assert not sim.world.messages.get(trigger.message_id).recalled
    assert sim.world.groups.find_member(ADMIN_GROUP, 20003) is not None
    assert not sim.world.groups.is_muted(ADMIN_GROUP, 20003)


def test_quick_reply_in_private_and_temp_chats(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    sim.person(20001).send_private_msg(BOT, "hi")
    quick(api, events.one("message"), {"reply": "[CQ:face,id=1]", "auto_escape": True})
    assert sim.history(user_id=BOT, peer_id=20001)[-1].segments == [
        {"type": "text", "data": {"text": "[CQ:face,id=1]"}}]
    events.clear()
    sim.person(20005).send_private_msg(BOT, "temp hi")  # not a friend: temp chat via 100100
    quick(api, events.one("message"), {"reply": "temp pong"})
    answer = sim.history(user_id=BOT, peer_id=20005)[-1]
    assert (answer.sender_id, answer.raw_message, answer.temp_source) == (
        BOT, "temp pong", ADMIN_GROUP)


def test_quick_operation_approves_requests(api: Api, sim: Simulator, events: EventLog) -> None:
    sim.person(20004).add_friend(BOT)
    quick(api, events.one("request", "friend"), {"approve": True, "remark": "ignored"})
    assert sim.world.accounts.is_friend(BOT, 20004)
    assert [f.remark for f in sim.world.accounts.friends_of(BOT) if f.friend_id == 20004] == [""]
    events.clear()
    sim.person(20008).ask_to_join(ADMIN_GROUP)
    quick(api, events.one("request", "group"), {"approve": False, "reason": "no"})
    assert sim.world.groups.find_member(ADMIN_GROUP, 20008) is None
    events.clear()
    sim.person(20009).ask_to_join(ADMIN_GROUP)
    quick(api, events.one("request", "group"), {"approve": "true"})
    assert sim.world.groups.member(ADMIN_GROUP, 20009).role == "member"


def test_quick_operation_failures_are_only_logged(
    api: Api, sim: Simulator, events: EventLog
) -> None:
    sim.person(20003).send_group_msg(ADMIN_GROUP, "ping")
    context = events.one("message")
    sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
    quick(api, context, {"reply": "pong"})  # the bot is muted: nothing sent, still ok
    assert sim.history(group_id=ADMIN_GROUP)[-1].raw_message == "ping"
    quick(api, {**context, "post_type": "notice"}, {"reply": "ignored"})
    quick(api, {"time": 1, "self_id": BOT, "post_type": "request", "user_id": 1,
                "request_type": "friend", "flag": "nope"}, {"approve": True})


@pytest.mark.parametrize(("params", "path"), [
    ({"operation": {}}, "/context"),
    ({"context": {"self_id": BOT, "post_type": "message", "user_id": 1}, "operation": {}},
     "/context/time"),
    ({"context": {"time": 1, "self_id": BOT, "post_type": "message"}, "operation": {}},
     "/context/user_id"),
    ({"context": {"time": 1, "self_id": BOT, "post_type": "message", "user_id": 1}},
     "/operation"),
])
def test_quick_operation_context_is_validated(api: Api, params: dict[str, Any],
                                              path: str) -> None:
    body = api.call(".handle_quick_operation", params)
    assert (body["status"], body["retcode"]) == ("failed", 1400)
    assert re.fullmatch(r"Schema compilation error: Expected required property \((.*)\)",
                        body["message"])[1] == path  # type: ignore[index]
