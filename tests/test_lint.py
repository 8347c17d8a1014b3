"""The protocol lint: each rule fires for a bot that breaks it and stays quiet for one that
does not. The "bot" is code calling actions through an in-process link; rates run on
pytest-trio's autojump clock, so "1.1 s later" costs nothing.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import trio

from simulator import Simulator, SimulatorConfig
from simulator.errors import ConfigError
from simulator.faults import Fault
from simulator.link import BotLink
from simulator.lint import RULES, QQLintWarning, SendRateLint, linter
from simulator.testing import open_qqsim

BOT = 10001
GROUP, OWNED, MEMBER_ONLY = 100100, 100200, 100300

def rules(sim: Simulator) -> list[str]:
    return [lint.rule for lint in sim.lint.found]


def send(bot: BotLink, group: int, message: Any) -> dict[str, Any]:
    return bot.call("send_group_msg", {"group_id": group, "message": message})


@pytest.mark.trio
async def test_every_rule_has_an_id_a_summary_a_source_and_its_own_warning() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.summary and rule.source
        assert issubclass(rule.warning, QQLintWarning)
    assert len(RULES) == 9
    assert len({rule.warning for rule in RULES.values()}) == 9  # silenced one by one


# -- sending too fast ---------------------------------------------------------------------


@pytest.mark.trio
async def test_a_burst_into_one_group(sim: Simulator, bot: BotLink, autojump_clock: Any) -> None:
    for index in range(6):
        send(bot, GROUP, f"burst {index}")
    assert rules(sim) == ["group-send-rate"]
    lint = sim.lint.found[0]
    assert lint.action == "send_group_msg" and "6 messages to group 100100" in lint.message
    assert lint.seq == sim.actions[-1].seq  # the inspector puts it beside this call


@pytest.mark.trio
async def test_the_window_slides_over_the_newest_sends(sim: Simulator, bot: BotLink,
                                                      autojump_clock: Any) -> None:
    for index in range(5):
        send(bot, GROUP, f"first {index}")
    await trio.sleep(5.1)  # the five fall out of the window: a sixth is no burst
    send(bot, GROUP, "later")
    assert rules(sim) == []
    for index in range(4):
        send(bot, GROUP, f"second {index}")
    await trio.sleep(4.9)  # the five sends since "later" are all within 5 s of this one
    send(bot, GROUP, "sixth")
    assert rules(sim) == ["group-send-rate"]
    assert "6 messages to group 100100" in sim.lint.found[0].message
    send(bot, GROUP, "still flooding")  # reported once per flood
    await trio.sleep(6)
    send(bot, GROUP, "calm")  # the flood is over...
    for index in range(5):
        send(bot, GROUP, f"third {index}")  # ...and the next one is reported again
    assert rules(sim) == ["group-send-rate", "group-send-rate"]


@pytest.mark.trio
async def test_one_message_a_second_is_fine(sim: Simulator, bot: BotLink,
                                            autojump_clock: Any) -> None:
    for index in range(12):
        send(bot, GROUP, f"tick {index}")
        await trio.sleep(1.1)
    assert rules(sim) == []


@pytest.mark.trio
async def test_too_many_messages_across_chats(sim: Simulator, bot: BotLink,
                                              autojump_clock: Any) -> None:
    for index in range(21):  # 0.4 s apart over three groups: no group gets 6 in 5 s
        send(bot, (GROUP, OWNED, MEMBER_ONLY)[index % 3], f"n {index}")
        await trio.sleep(0.4)
    assert rules(sim) == ["total-send-rate"]


@pytest.mark.trio
async def test_the_same_count_spread_out_is_fine(sim: Simulator, bot: BotLink,
                                                 autojump_clock: Any) -> None:
    for index in range(21):
        send(bot, (GROUP, OWNED, MEMBER_ONLY)[index % 3], f"n {index}")
        await trio.sleep(0.6)
    assert rules(sim) == []


# -- what one message holds -----------------------------------------------------------------


@pytest.mark.trio
async def test_a_message_longer_than_qq_takes(sim: Simulator, bot: BotLink) -> None:
    send(bot, GROUP, "长" * 4501)
    assert rules(sim) == ["message-too-long"]
    send(bot, OWNED, [{"type": "text", "data": {"text": "a" * 4500}}])
    assert rules(sim) == ["message-too-long"]  # 4500 is within the limit


@pytest.mark.trio
async def test_at_all_from_a_plain_member(sim: Simulator, bot: BotLink) -> None:
    send(bot, MEMBER_ONLY, "[CQ:at,qq=all] 开会")
    assert rules(sim) == ["at-all-quota"]
    assert "not an admin" in sim.lint.found[0].message


@pytest.mark.trio
async def test_at_all_beyond_the_days_allowance(sim: Simulator, bot: BotLink,
                                                autojump_clock: Any) -> None:
    for index in range(11):
        send(bot, GROUP, [{"type": "at", "data": {"qq": "all"}},
                          {"type": "text", "data": {"text": f" 通知 {index}"}}])
        await trio.sleep(2)  # slow enough for the rate rules
    assert rules(sim) == ["at-all-quota"]
    assert "number 11 today" in sim.lint.found[0].message


@pytest.mark.trio
async def test_ten_at_alls_a_day_are_fine(sim: Simulator, bot: BotLink,
                                          autojump_clock: Any) -> None:
    for index in range(10):
        send(bot, GROUP, f"[CQ:at,qq=all] 通知 {index}")
        await trio.sleep(2)
    assert rules(sim) == []


# -- answering itself -----------------------------------------------------------------------------


@pytest.mark.trio
async def test_quoting_its_own_message(sim: Simulator, bot: BotLink) -> None:
    said = send(bot, GROUP, "hello")["data"]["message_id"]
    send(bot, GROUP, [{"type": "reply", "data": {"id": str(said)}},
                      {"type": "text", "data": {"text": "me again"}}])
    assert rules(sim) == ["self-reply"]


@pytest.mark.trio
async def test_a_reply_that_repeats_what_it_just_said(sim: Simulator, bot: BotLink) -> None:
    send(bot, GROUP, "you said: hello")
    send(bot, GROUP, "you said: you said: hello")  # it answered its own message_sent event
    assert rules(sim) == ["self-reply"]


@pytest.mark.trio
async def test_quoting_a_person_and_saying_pong_twice_are_fine(sim: Simulator,
                                                               bot: BotLink) -> None:
    asked = sim.person(20003).send_group_msg(GROUP, "ping")
    send(bot, GROUP, [{"type": "reply", "data": {"id": str(asked.message_id)}},
                      {"type": "text", "data": {"text": "pong"}}])
    send(bot, GROUP, "pong")
    send(bot, GROUP, "pong")
    assert rules(sim) == []


# -- failures ------------------------------------------------------------------------------------


@pytest.mark.trio
async def test_retrying_a_failed_send_in_a_tight_loop(sim: Simulator, bot: BotLink,
                                                      autojump_clock: Any) -> None:
    sim.faults.add(Fault("fail", action="send_*", probability=1.0))
    for attempt in range(4):  # handle(): as a transport answers, faults included
        await bot.handle("send_group_msg", {"group_id": GROUP, "message": f"try {attempt}"})
        await trio.sleep(0.3)
    assert rules(sim) == ["retry-loop"]


@pytest.mark.trio
async def test_retrying_with_backoff_is_fine(sim: Simulator, bot: BotLink,
                                             autojump_clock: Any) -> None:
    sim.faults.add(Fault("fail", action="send_*", probability=1.0))
    for attempt in range(4):
        await bot.handle("send_group_msg", {"group_id": GROUP, "message": f"try {attempt}"})
        await trio.sleep(1.5 * 2 ** attempt)
    assert rules(sim) == []


@pytest.mark.trio
async def test_the_same_failed_call_again_at_once(sim: Simulator, bot: BotLink) -> None:
    for _ in range(2):
        assert bot.call("set_group_ban", {"group_id": GROUP})["retcode"] == 1400
    assert rules(sim) == ["repeat-after-failure"]


@pytest.mark.trio
async def test_a_failed_call_corrected_or_retried_later_is_fine(
    sim: Simulator, bot: BotLink, autojump_clock: Any
) -> None:
    bot.call("set_group_ban", {"group_id": GROUP})
    bot.call("set_group_ban", {"group_id": GROUP, "user_id": 20004, "duration": 60})
    bot.call("get_msg", {"message_id": 1})
    await trio.sleep(2)
    bot.call("get_msg", {"message_id": 1})
    assert rules(sim) == []


@pytest.mark.trio
async def test_an_action_the_profile_does_not_route(sim: Simulator, bot: BotLink) -> None:
    bot.call("set_group_anonymous", {"group_id": GROUP, "enable": True})
    assert rules(sim) == ["unrouted-action"]
    assert "napcat does not route 'set_group_anonymous' (gocq routes it)" in \
        sim.lint.found[0].message


@pytest.mark.trio
async def test_a_routed_action_that_fails_is_not_unrouted(sim: Simulator, bot: BotLink) -> None:
    bot.call("set_group_kick", {"group_id": 999999, "user_id": 20004})
    bot.call("get_group_member_info", {"group_id": GROUP, "user_id": 424242})
    assert "unrouted-action" not in rules(sim)


@pytest.mark.trio
async def test_a_napcat_action_under_the_gocq_profile() -> None:
    sim = Simulator(SimulatorConfig(profile="gocq", control_port=None))
    try:
        sim.link(BOT).call("set_msg_emoji_like", {"message_id": 1, "emoji_id": "76"})
        assert rules(sim) == ["unrouted-action"]
    finally:
        sim.close()


# -- ids NapCat forgets --------------------------------------------------------------------------


@pytest.mark.trio
async def test_a_message_id_kept_across_a_restart(tmp_path: Path) -> None:
    config = SimulatorConfig(db_path=str(tmp_path / "world.db"), control_port=None)
    first = Simulator(config)
    kept = first.link(BOT).call("send_group_msg", {"group_id": GROUP,
                                                   "message": "before"})["data"]["message_id"]
    first.close()
    again = Simulator(config)
    try:
        link = again.link(BOT)
        fresh = link.call("send_group_msg", {"group_id": GROUP,
                                             "message": "after"})["data"]["message_id"]
        link.call("get_msg", {"message_id": fresh})
        assert rules(again) == []
        assert link.call("get_msg", {"message_id": kept})["status"] == "ok"  # qqsim keeps it
        assert rules(again) == ["stale-message-id"]
        assert "before qqsim restarted" in again.lint.found[0].message
    finally:
        again.close()


@pytest.mark.trio
async def test_a_message_id_older_than_napcats_cache(sim: Simulator, bot: BotLink,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulator.lint.rules.NAPCAT_ID_CACHE", 5)
    old = sim.person(20003).send_group_msg(GROUP, "old").message_id
    for index in range(4):
        sim.person(20003).send_group_msg(GROUP, f"newer {index}")
    bot.call("delete_msg", {"message_id": old})
    assert rules(sim) == []  # 4 newer: still cached
    sim.person(20003).send_group_msg(GROUP, "one more")
    bot.call("get_msg", {"message_id": old})
    assert rules(sim) == ["stale-message-id"]


# -- silencing and reporting ---------------------------------------------------------------------


@pytest.mark.trio
async def test_silenced_rules_are_not_checked(sim: Simulator, bot: BotLink,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sim.lint.silence("message-too-long")
    send(bot, GROUP, "x" * 5000)
    assert rules(sim) == []
    with pytest.raises(ConfigError, match="unknown lint rules: nope"):
        sim.lint.silence("nope")
    monkeypatch.setenv("QQSIM_LINT_IGNORE", "self-reply, retry-loop")
    other = Simulator(SimulatorConfig(control_port=None))
    try:
        assert other.lint.ignored == {"self-reply", "retry-loop"}
    finally:
        other.close()


@pytest.mark.trio
async def test_a_lint_is_written_into_the_transcript(sim: Simulator, bot: BotLink) -> None:
    send(bot, GROUP, "x" * 5000)
    entry = [e for e in sim.transcript.entries if e["kind"] == "lint"][-1]
    assert (entry["rule"], entry["action"], entry["bot"]) == ("message-too-long",
                                                             "send_group_msg", BOT)


def _flood(qq: Any) -> None:
    for index in range(6):
        qq.call("send_group_msg", {"group_id": GROUP, "message": f"flood {index}"})


def test_the_fixture_reports_lints_as_pytest_warnings() -> None:
    expected = r"\[qqsim lint group-send-rate\].*-W ignore::simulator\.lint\.SendRateLint"
    with pytest.warns(SendRateLint, match=expected), open_qqsim(transports=()) as qq:
        _flood(qq)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SendRateLint)  # what -W error::...SendRateLint does
        with pytest.raises(SendRateLint), open_qqsim(transports=()) as qq:
            _flood(qq)


@pytest.mark.trio
async def test_a_private_burst_counts_per_person(sim: Simulator, bot: BotLink) -> None:
    for index in range(6):  # a temp chat through a group is still the private chat
        bot.call("send_private_msg", {"user_id": 20003, "group_id": GROUP,
                                      "message": f"p {index}"})
    assert rules(sim) == ["group-send-rate"]
    assert "to private 20003" in sim.lint.found[0].message


@pytest.mark.trio
async def test_a_lint_about_a_lone_surrogate_stays_encodable(sim: Simulator,
                                                             bot: BotLink) -> None:
    bot.call("nope\ud800", {})
    lint = sim.lint.found[0]
    assert lint.rule == "unrouted-action"
    str(lint.warning()).encode("utf-8")  # pytest-xdist sends warnings between processes
    assert "\\ud800" in lint.action


@pytest.mark.trio
async def test_hostile_parameters_never_break_the_call(sim: Simulator, bot: BotLink,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ([1, 2], {"x": 1}, None, 3.5, "\ud800"):
        answer = bot.call("send_msg", {"group_id": GROUP, "user_id": 20001, "message_type": bad,
                                       "message": bad})
        assert answer["status"] in ("ok", "failed")

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr(sim.lint, "_check_send", broken)
    assert send(bot, GROUP, "still answered")["status"] == "ok"


@pytest.mark.trio
async def test_quiet_chats_are_forgotten_past_the_bound(sim: Simulator, bot: BotLink,
                                                       autojump_clock: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linter, "MAX_CHATS", 2)
    for group in (GROUP, OWNED, MEMBER_ONLY):
        send(bot, group, "hello")
    await trio.sleep(6)  # quiet: past the group window
    send(bot, GROUP, "again")  # a chat it holds: nothing is forgotten yet
    bot.call("send_private_msg", {"user_id": 20003, "group_id": GROUP, "message": "hi"})
    held = {(private, chat.target) for state in sim.lint._bots.values()
            for private, chats in ((False, state.groups), (True, state.people))
            for chat in chats.values()}
    assert held == {(False, GROUP), (True, 20003)}  # the quiet ones went, the live one stays
    assert sim.lint._chats == 2
    for index in range(6):  # what it kept still counts
        send(bot, GROUP, f"burst {index}")
    assert rules(sim) == ["group-send-rate"]
