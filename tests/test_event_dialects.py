"""Under the gocq profile events take go-cqhttp's shapes (onebot11.md §9)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BOT
from oracle import assert_specific

from simulator.app import Simulator
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.events import render_event
from simulator.onebot.profiles import GOCQ, NAPCAT, Profile
from simulator.world import DomainEvent


def _collect(sim: Simulator, profile: Profile) -> list[dict[str, Any]]:
    settings = ConnectionSettings(report_self_message=True)
    out: list[dict[str, Any]] = []

    def collect(event: DomainEvent) -> None:
        body = render_event(event, BOT, settings, profile)
        if body is not None:
            out.append(body)

    sim.world.add_listener(collect)
    return out


def test_group_messages_carry_gocq_sender_and_real_seq(sim: Simulator) -> None:
    events = _collect(sim, GOCQ)
    sim.person(20003).send_group_msg(100100, "hi")
    sim.person(20003).send_group_msg(100100, "again")
    second = events[-1]
    assert second["sender"] == {"user_id": 20003, "nickname": "李娜", "sex": "unknown", "age": 0,
                                "card": "娜娜", "area": "", "level": "", "role": "member",
                                "title": ""}
    assert second["message_seq"] == 2 and second["font"] == 0
    assert second["anonymous"] is None
    for napcat_key in ("real_seq", "real_id", "message_format", "group_name"):
        assert napcat_key not in second
    assert_specific(second)


def test_private_messages_have_the_short_sender(sim: Simulator) -> None:
    events = _collect(sim, GOCQ)
    sim.person(20001).send_private_msg(BOT, "hello")
    assert events[-1]["sender"] == {"user_id": 20001, "nickname": "张伟", "sex": "unknown",
                                    "age": 0}


@pytest.mark.parametrize("profile, expected", [(NAPCAT, 1), (GOCQ, 0)])
def test_napcat_only_notices_are_not_sent_by_gocq(sim: Simulator, profile: Profile,
                                                   expected: int) -> None:
    events = _collect(sim, profile)
    sim.person(20002).like(BOT)
    assert len([e for e in events if e.get("sub_type") == "profile_like"]) == expected


def test_gocq_reports_joins_as_approve_with_no_operator(sim: Simulator) -> None:
    events = _collect(sim, GOCQ)
    sim.link(BOT).call("set_group_add_request", {"flag": sim.person(20008).ask_to_join(
        100100, "hi")[0].flag})
    joined = [e for e in events if e.get("notice_type") == "group_increase"][-1]
    assert (joined["sub_type"], joined["operator_id"]) == ("approve", 0)
    request = [e for e in events if e.get("post_type") == "request"][-1]
    assert request["invitor_id"] == 0


def test_gocq_reports_essence_removals_by_others(sim: Simulator) -> None:
    events = _collect(sim, GOCQ)
    message = sim.person(20003).send_group_msg(100100, "keep this")
    sim.person(20001).set_essence(message.message_id)
    sim.person(20001).remove_essence(message.message_id)
    kinds = [e["sub_type"] for e in events if e.get("notice_type") == "essence"]
    assert kinds == ["add", "delete"]
