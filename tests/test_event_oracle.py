"""Every event kind qqsim emits parses as NoneBot's specific model for it."""

from __future__ import annotations

from typing import Any

import pytest
from nonebot.adapters.onebot.v11 import event as models
from oracle import assert_specific

from simulator.app import Simulator
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.events import render_event
from simulator.onebot.events.meta import heartbeat, lifecycle_connect
from simulator.world import DomainEvent

BOT = 10001


@pytest.fixture
def rendered(sim: Simulator) -> list[dict[str, Any]]:
    """Every event bot 10001 receives (array format, self messages reported)."""
    settings = ConnectionSettings(report_self_message=True)
    out: list[dict[str, Any]] = []

    def collect(event: DomainEvent) -> None:
        body = render_event(event, BOT, settings, sim.profile)
        if body is not None:
            out.append(body)

    sim.world.add_listener(collect)
    return out


def _exercise(sim: Simulator) -> None:
    """One of each world change the standard surface produces."""
    bot = sim.link(BOT)
    message = sim.person(20003).send_group_msg(100100, "[CQ:at,qq=10001] hi")
    sim.person(20001).send_private_msg(BOT, "hello")
    sim.person(20005).send_private_msg(BOT, "temp chat", via_group=100100)
    bot.call("send_group_msg", {"group_id": 100100, "message": "self"})
    bot.call("delete_msg", {"message_id": message.message_id})
    private = sim.person(20001).send_private_msg(BOT, "oops")
    sim.person(20001).recall(private.message_id)
    bot.call("set_group_ban", {"group_id": 100100, "user_id": 20004, "duration": 60})
    bot.call("set_group_ban", {"group_id": 100100, "user_id": 20004, "duration": 0})
    bot.call("set_group_whole_ban", {"group_id": 100100})
    bot.call("set_group_admin", {"group_id": 100200, "user_id": 20008, "enable": True})
    bot.call("set_group_kick", {"group_id": 100100, "user_id": 20006})
    sim.person(20005).leave(100100)
    sim.person(20010).join(100200)
    request = sim.person(20004).add_friend(BOT, "hi")
    bot.call("set_friend_add_request", {"flag": request.flag})
    sim.person(20008).ask_to_join(100100, "let me in")
    bot.call("set_group_card", {"group_id": 100100, "user_id": 20003, "card": "new"})
    bot.call("set_group_name", {"group_id": 100100, "group_name": "renamed"})
    title = {"group_id": 100200, "user_id": 20009, "special_title": "t"}
    bot.call("set_group_special_title", title)
    sim.person(20002).like(BOT)
    bot.call("set_group_leave", {"group_id": 100300})


def test_every_emitted_event_parses_to_a_specific_model(
    sim: Simulator, rendered: list[dict[str, Any]]
) -> None:
    _exercise(sim)
    kinds = {(e["post_type"], e.get("notice_type") or e.get("message_type")
              or e.get("request_type"), e.get("sub_type")) for e in rendered}
    assert len(kinds) >= 15, kinds  # the exercise really produced a variety
    for event in rendered:
        assert_specific(event)


def test_message_events_resolve_to_group_and_private_models(
    sim: Simulator, rendered: list[dict[str, Any]]
) -> None:
    sim.person(20003).send_group_msg(100100, "hi")
    sim.person(20001).send_private_msg(BOT, "hi")
    group, private = (assert_specific(e) for e in rendered)
    assert isinstance(group, models.GroupMessageEvent)
    assert isinstance(private, models.PrivateMessageEvent)
    assert group.get_plaintext() == "hi"


def test_meta_events_resolve_to_lifecycle_and_heartbeat() -> None:
    assert isinstance(assert_specific(lifecycle_connect(BOT, 1)), models.LifecycleMetaEvent)
    assert isinstance(assert_specific(heartbeat(BOT, 1, 30000)), models.HeartbeatMetaEvent)


def test_oracle_rejects_a_fallback() -> None:
    # The judge must be able to fail: an event NoneBot only knows generically.
    odd = {"time": 1, "self_id": BOT, "post_type": "notice", "notice_type": "made_up"}
    with pytest.raises(AssertionError):
        assert_specific(odd)
