"""Golden files for the NapCat profile (issue 14, rows 1-13).

Each ``tests/golden/napcat/row*.json`` holds what a bot receives from qqsim's
default profile for one row, with the NapCat 4.18.19 source file of every fact
(``sources``, paths under NapNeko/NapCatQQ ``packages/``). The test rebuilds
the same JSON from a fresh world and compares: a regression shows as a diff.
``QQSIM_GOLDEN=update`` rewrites the files instead (review the diff against the
sources before committing it); a normal run writes nothing. Paths inside
qqsim's storage are written ``<storage>/...``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.link import BotLink, Deferred
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.profiles import Transport

GOLDEN = Path(__file__).parent / "golden" / "napcat"
BOT, GROUP, MEMBER_GROUP, PERSON = 10001, 100100, 100300, 20003
VOICE = base64.b64encode(b"#!AMR\n qqsim golden voice").decode()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
    yield simulator
    simulator.close()


def ws_link(sim: Simulator, string: bool = False) -> BotLink:
    return sim.link(BOT, ConnectionSettings(transport=Transport.WS_SERVER,
                                            message_format="string" if string else "array"))


def check(sim: Simulator, row: str, actual: Any) -> None:
    """Compare ``actual`` with the golden file's ``expected`` (or rewrite it when asked)."""
    path = GOLDEN / f"{row}.json"
    golden = json.loads(path.read_text("utf-8"))
    text = json.dumps(actual, ensure_ascii=False).replace(str(sim.storage.root), "<storage>")
    actual = json.loads(text)  # the wire's view, with no machine path in it
    if os.environ.get("QQSIM_GOLDEN") == "update":
        golden["expected"] = actual
        path.write_text(json.dumps(golden, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return
    assert actual == golden["expected"], f"{path.name} differs; sources: {golden['sources']}"


def forward_nodes() -> list[dict[str, Any]]:
    return [
        {"type": "node", "data": {"user_id": PERSON, "nickname": "甲", "content": "第一句"}},
        {"type": "node", "data": {"user_id": 30303, "nickname": "路人", "content": [
            {"type": "face", "data": {"id": "14"}}]}},
    ]


def test_row01_send_qq_refuses(sim: Simulator) -> None:
    bot = ws_link(sim)
    sim.person(20001).mute(GROUP, BOT, 600)
    answers = {}
    for name, group in (("muted", GROUP), ("not_in_group", 999999)):
        frames = bot.call_frames("send_group_msg", {"group_id": group, "message": "x"}, echo=name)
        assert isinstance(frames, Deferred)
        answers[name] = {"after_world_seconds": frames.seconds, "answer": frames[-1]}
    immediate = Simulator(SimulatorConfig(control_port=None, immediate_send_failures=True),
                          clock=ManualClock())
    try:
        immediate.person(20001).mute(GROUP, BOT, 600)
        option = ws_link(immediate).call_frames(
            "send_group_msg", {"group_id": GROUP, "message": "x"}, echo="option")
        assert not isinstance(option, Deferred)
        answers["immediate_send_failures"] = {"after_world_seconds": 0, "answer": option[-1]}
    finally:
        immediate.close()
    check(sim, "row01_send_refused", answers)


def test_row02_get_msg_of_a_forward(sim: Simulator) -> None:
    bot = ws_link(sim)
    sent = bot.call("send_group_msg", {"group_id": GROUP, "message": forward_nodes()})
    message_id = sent["data"]["message_id"]
    check(sim, "row02_get_msg_forward", {
        "array": bot.call("get_msg", {"message_id": message_id}, echo=1),
        "string": ws_link(sim, string=True).call("get_msg", {"message_id": message_id}, echo=2),
    })


def test_row03_current_talkative(sim: Simulator) -> None:
    for speaker, times in ((20004, 1), (PERSON, 2)):
        for _ in range(times):
            sim.person(speaker).send_group_msg(GROUP, "聊天")
    got = ws_link(sim).call("get_group_honor_info", {"group_id": GROUP, "type": "talkative"},
                            echo=1)
    check(sim, "row03_honor", got)


def voice(sim: Simulator) -> str:
    sent = sim.person(PERSON).send_group_msg(GROUP, f"[CQ:record,file=base64://{VOICE}]")
    return str(sent.segments[0]["data"]["file"])


def test_row04_get_record(sim: Simulator) -> None:
    got = ws_link(sim).call("get_record", {"file": voice(sim), "out_format": "mp3"}, echo=1)
    check(sim, "row04_get_record", got)


def test_row05_messages_inside_a_forward_sent_in_a_group(sim: Simulator) -> None:
    bot = ws_link(sim)
    sent = bot.call("send_group_msg", {"group_id": GROUP, "message": forward_nodes()})["data"]
    check(sim, "row05_forward_in_group", {
        "by_message_id": bot.call("get_forward_msg", {"message_id": sent["message_id"]}),
        "by_res_id": bot.call("get_forward_msg", {"id": sent["res_id"]}),
        "sent_in_private": bot.call("get_forward_msg", {"message_id": bot.call(
            "send_private_msg", {"user_id": 20001, "message": forward_nodes()[:1]}
        )["data"]["message_id"]}),
    })


def test_row06_get_record_with_an_unsupported_format(sim: Simulator) -> None:
    bot = ws_link(sim)
    check(sim, "row06_get_record_format", {
        "aac": bot.call("get_record", {"file": voice(sim), "out_format": "aac"}, echo=1),
        "missing": bot.call("get_record", {"file": voice(sim)}, echo=2),
    })


def test_row07_location(sim: Simulator) -> None:
    bot = ws_link(sim)
    location = {"type": "location", "data": {"lat": "39.9", "lon": "116.4", "title": "北京"}}
    mixed = bot.call("send_group_msg", {"group_id": GROUP, "message": [
        location, {"type": "text", "data": {"text": "在这"}}]})
    alone = bot.call("send_group_msg", {"group_id": GROUP, "message": [location]})
    check(sim, "row07_location", {
        "with_text": bot.call("get_msg", {"message_id": mixed["data"]["message_id"]}),
        "alone": bot.call("get_msg", {"message_id": alone["data"]["message_id"]}),
    })


def test_row08_forward_segment_with_an_unknown_id(sim: Simulator) -> None:
    bot = ws_link(sim)
    sent = bot.call("send_group_msg", {"group_id": GROUP, "message": [
        {"type": "forward", "data": {"id": "UnknownResId"}}]}, echo=1)
    check(sim, "row08_forward_unknown", {
        "send": sent,
        "get_msg": bot.call("get_msg", {"message_id": sent["data"]["message_id"]}),
    })


def test_row09_record_path_and_face_raw(sim: Simulator) -> None:
    sent = sim.person(PERSON).send_group_msg(GROUP, "[CQ:face,id=14]笑")
    record = sim.person(PERSON).send_group_msg(GROUP, f"[CQ:record,file=base64://{VOICE}]")
    sticker = sim.person(PERSON).send_group_msg(GROUP, "[CQ:face,id=5]")
    bot = ws_link(sim)
    check(sim, "row09_record_face", {
        "face": bot.call("get_msg", {"message_id": sent.message_id}),
        "face_string_format": ws_link(sim, string=True).call(
            "get_msg", {"message_id": sent.message_id}),
        "animated_face": bot.call("get_msg", {"message_id": sticker.message_id})["data"],
        "record": bot.call("get_msg", {"message_id": record.message_id})["data"],
    })


def test_row10_error_wordings(sim: Simulator) -> None:
    bot = ws_link(sim)
    sim.world.groups.create(100400, "外面", 20004)
    check(sim, "row10_wordings", {
        "member_info_bot_not_in_group": bot.call(
            "get_group_member_info", {"group_id": 100400, "user_id": 20004}, echo=1),
        "member_info_not_a_member": bot.call(
            "get_group_member_info", {"group_id": MEMBER_GROUP, "user_id": 20002}, echo=2),
        "member_list_bot_not_in_group": bot.call(
            "get_group_member_list", {"group_id": 100400}, echo=3),
        "member_list_no_such_group": bot.call(
            "get_group_member_list", {"group_id": 999999}, echo=4),
    })


def test_row11_get_msg_with_an_empty_id(sim: Simulator) -> None:
    bot = ws_link(sim)
    check(sim, "row11_get_msg_empty_id", {
        "zero": bot.call("get_msg", {"message_id": 0}, echo=1),
        "empty_string": bot.call("get_msg", {"message_id": ""}, echo=2),
        "zero_string_is_truthy": bot.call("get_msg", {"message_id": "0"}, echo=3),
    })


def test_row12_raw_message_is_trimmed_as_javascript_trims(sim: Simulator) -> None:
    texts = {"unit_separator_kept": "\x1fhi\x1f", "bom_removed": "\ufeffhi\ufeff",
             "ideographic_space_removed": "\u3000hi\u2028", "nel_kept": "\x85hi"}
    person = sim.person(PERSON)
    check(sim, "row12_trim", {
        name: person.send_group_msg(GROUP, [{"type": "text", "data": {"text": text}}]).raw_message
        for name, text in texts.items()
    })


def test_row13_res_ids_are_not_numeric(sim: Simulator) -> None:
    bot = ws_link(sim)
    sent = bot.call("send_group_msg", {"group_id": GROUP, "message": forward_nodes()}, echo=1)
    res_id = sent["data"]["res_id"]
    assert not res_id.isdigit()
    check(sim, "row13_res_id", {
        "send": sent,
        "received_segment": sim.history(group_id=GROUP)[-1].segments,
        "get_forward_msg_by_res_id_count": len(
            bot.call("get_forward_msg", {"id": res_id})["data"]["messages"]),
        "numeric_id_is_a_message_id": bot.call("get_forward_msg", {"id": "7400000000000000001"},
                                               echo=2),
    })
