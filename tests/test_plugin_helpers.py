"""The ``qqsim`` fixture's helpers, used as a bot's test suite would use them: acting as
people, reading the world, faults, the clock, quiet, and expectations with the scenario
engine's reports (these tests use the fixture directly: the plugin is installed)."""

from __future__ import annotations

import asyncio
import json
import warnings
from pathlib import Path

import httpx
import pytest
import trio

from simulator.testing import (
    AsyncQQSim,
    ExpectationFailed,
    QQSim,
    UncheckedExpectation,
    WaitTimeout,
    action_pattern,
    open_async_qqsim,
    open_qqsim,
    open_trio_qqsim,
)
from simulator.world import Message

pytest_plugins = ["pytester"]

BOT, GROUP = 10001, 100100


def post(qq: QQSim, action: str, params: dict[str, object]) -> dict[str, object]:
    """Call an action over qqsim's HTTP API, as a bot would."""
    answer: dict[str, object] = httpx.post(f"{qq.http_url}/{action}", json=params,
                                           timeout=10).json()
    return answer


def test_people_act_and_the_world_reads_back(qqsim: QQSim) -> None:
    said = qqsim.person(20003).send_group_msg(GROUP, "[CQ:at,qq=10001] hello")
    assert isinstance(said, Message) and said.group_id == GROUP
    qqsim.person(20003).recall(said.message_id)
    assert qqsim.person(20003).poke(BOT, group_id=GROUP)
    qqsim.person(20010).ask_to_join(100200, "let me in")  # the bot owns 100200
    qqsim.person(20001).mute(GROUP, 20004, 60)
    assert [m.message_id for m in qqsim.history(group_id=GROUP)] == [said.message_id]
    assert qqsim.world.groups.is_muted(GROUP, 20004)
    assert qqsim.world.groups.member(GROUP, 20001).role == "owner"
    kinds = [e["type"] for e in qqsim.transcript() if e["kind"] == "world"]
    assert kinds[:2] == ["MessageCreated", "MessageRecalled"]
    assert "RequestCreated" in kinds
    assert "MessageRecalled" in qqsim.transcript_text()


def test_faults_and_calls_over_the_wire(qqsim: QQSim) -> None:
    qqsim.faults.fail("send_group_msg", retcode=100, message="risk control")
    refused = post(qqsim, "send_group_msg", {"group_id": GROUP, "message": "one"})
    sent = post(qqsim, "send_group_msg", {"group_id": GROUP, "message": "two"})
    assert (refused["retcode"], refused["message"]) == (100, "risk control")
    assert sent["status"] == "ok"
    assert [m.raw_message for m in qqsim.history(group_id=GROUP)] == ["two"]
    assert [r.response["status"] for r in qqsim.calls("send_group_msg")] == ["failed", "ok"]
    assert qqsim.faults.active == []


def test_advancing_the_clock_ends_a_mute(qqsim: QQSim) -> None:
    start = qqsim.now()
    qqsim.person(20001).mute(GROUP, 20004, 600)
    qqsim.advance("9m59s")
    assert qqsim.world.groups.is_muted(GROUP, 20004)
    qqsim.advance(1)
    assert not qqsim.world.groups.is_muted(GROUP, 20004)
    assert qqsim.now() - start == 600


def test_expectations_match_as_scenarios_do_and_report_the_nearest_miss(qqsim: QQSim) -> None:
    for text in ("first", "second"):
        qqsim.call("send_group_msg", {"group_id": str(GROUP), "message": text})
    qqsim.call("set_group_card", {"group_id": GROUP, "user_id": 20003, "card": "小三"})
    with pytest.raises(ExpectationFailed) as failed:
        qqsim.expect.action("send_group_msg", group=GROUP, text="third", within=0.1).check()
    report = str(failed.value)
    assert "expected: send_group_msg {\"group_id\": 100100} text='third' (within 0.1s)" in report
    assert "nearest: #4 send_group_msg" in report
    assert "- text: wanted 'third', got 'second'" in report
    assert "set_group_card" in report  # the transcript shows what happened around it
    call = qqsim.expect.action("send_*", group=GROUP, text="second").check()
    assert call.data["message_id"] > 0
    qqsim.expect.in_order(action_pattern("send_group_msg", text="first"),
                          action_pattern("set_group_card", user=20003)).check()
    qqsim.expect.never("set_group_kick", within=0).check()
    qqsim.expect.message(group=GROUP, text="first").check()
    with pytest.raises(ExpectationFailed, match="but the bot made no other call"):
        qqsim.expect.action("send_group_msg", within=0).check()  # each call matches once


def test_a_wait_that_times_out_says_what_it_waited_for(qqsim: QQSim) -> None:
    qqsim.person(20003).send_group_msg(GROUP, "is anyone there?")

    def bot_answered() -> bool:
        return any(m.sender_id == BOT for m in qqsim.history(group_id=GROUP))

    with pytest.raises(WaitTimeout) as failed:
        qqsim.wait_until(bot_answered, timeout=0.2)
    assert "timed out after 0.2s waiting until bot_answered() holds" in str(failed.value)
    assert "is anyone there?" in str(failed.value)
    with pytest.raises(WaitTimeout, match="for 1 connection"):
        qqsim.wait_connected(timeout=0.1)


def test_an_unchecked_expectation_warns_where_it_was_built() -> None:
    with pytest.warns(UncheckedExpectation) as caught, open_qqsim(transports=()) as qq:
        qq.expect.action("send_group_msg", text="forgotten")
        built_on = _line_of("forgotten")
        qq.expect.action("send_group_msg", text="also forgotten", within=0)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and "text='forgotten'" in messages[0]
    assert (caught[0].filename, caught[0].lineno) == (__file__, built_on)


def _line_of(text: str) -> int:
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if f'text="{text}")' in line)


def test_a_checked_expectation_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncheckedExpectation)
        with open_qqsim(transports=()) as qq:
            qq.call("send_group_msg", {"group_id": GROUP, "message": "x"})
            qq.expect.action("send_group_msg").check()


def test_a_failing_test_shows_the_transcript(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_fails="""
        def test_plain_assert(qqsim):
            qqsim.person(20003).send_group_msg(100100, "where is my answer")
            assert qqsim.calls() != []

        def test_expectation(qqsim):
            qqsim.person(20003).send_group_msg(100100, "ping")
            qqsim.expect.action("send_msg", text="pong", within=0.1).check()
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert out.count("qqsim transcript") == 1  # the expectation's report has it already
    assert "world      MessageCreated group 100100 from 20003: where is my answer" in out
    assert "but the bot made no call at all" in out
    assert "MessageCreated group 100100 from 20003: ping" in out


@pytest.mark.trio
async def test_quiet_waits_for_calls_in_flight(qqsim: AsyncQQSim,
                                               autojump_clock: trio.testing.MockClock) -> None:
    qqsim.faults.delay("send_group_msg", seconds=30)
    link = qqsim.sim.link(BOT)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(link.handle, "send_group_msg", {"group_id": GROUP, "message": "x"})
        await trio.testing.wait_all_tasks_blocked()
        assert (qqsim.sim.calls_in_flight, qqsim.is_quiet()) == (1, False)
        await qqsim.wait_quiet(timeout=60)
        assert (qqsim.sim.calls_in_flight, qqsim.is_quiet()) == (0, True)
        assert [r.response["status"] for r in qqsim.calls()] == ["ok"]


@pytest.mark.trio
async def test_quiet_waits_for_events_not_yet_taken(qqsim: AsyncQQSim) -> None:
    subscription = qqsim.sim.bus.subscribe("a connection that has not read yet")
    qqsim.person(20003).send_group_msg(GROUP, "queued")
    assert (qqsim.sim.bus.pending(), qqsim.is_quiet()) == (1, False)
    with pytest.raises(WaitTimeout, match=r"in flight: 1 events not yet taken by a connection"):
        await qqsim.wait_quiet(timeout=0.3)
    subscription.receive.receive_nowait()
    await qqsim.wait_quiet()
    subscription.close()


def test_without_pytest_in_asyncio_and_in_trio() -> None:
    async def with_asyncio() -> list[str]:
        with open_async_qqsim(transports=()) as qq:
            qq.call("send_group_msg", {"group_id": GROUP, "message": "from asyncio"})
            said = await qq.expect.message(group=GROUP)
            await qq.wait_quiet(idle=0.01)
            return [said.raw_message]

    async def with_trio() -> list[str]:
        async with open_trio_qqsim(transports=(), seed="default") as qq:
            qq.call("send_group_msg", {"group_id": GROUP, "message": "from trio"})
            said = await qq.expect.message(group=GROUP)
            return [said.raw_message, json.dumps(qq.is_quiet())]

    assert asyncio.run(with_asyncio()) == ["from asyncio"]
    assert trio.run(with_trio) == ["from trio", "true"]


def test_the_public_surface_is_pinned() -> None:
    import simulator.testing as testing

    assert testing.__all__ == [
        "ActionPattern", "AsyncExpectation", "AsyncQQSim", "BotFailed", "BotProcess", "Call",
        "Expectation", "ExpectationFailed", "MessagePattern", "QQSim", "QQSimOptions", "Said",
        "ScenarioFailed", "TrioClock", "UncheckedExpectation", "WaitTimeout",
        "action_pattern", "message_pattern", "open_async_qqsim", "open_qqsim",
        "open_trio_qqsim",
    ]
    assert all(getattr(testing, name) is not None for name in testing.__all__)


def test_one_more_listener_can_be_served_during_a_test(qqsim: QQSim) -> None:
    from websockets.sync.client import connect

    from simulator.config import WebsocketServerConfig

    endpoint = qqsim.serve(WebsocketServerConfig(enable=True, port=0, name="second-ws"))
    assert endpoint.port not in (0, 3001) and endpoint.bot_id == BOT
    with connect(endpoint.url) as ws:
        lifecycle = json.loads(ws.recv(timeout=10))
        qqsim.wait_connected(BOT, count=1)
        qqsim.person(20003).send_group_msg(GROUP, "over the second listener")
        event = json.loads(ws.recv(timeout=10))
    assert lifecycle["meta_event_type"] == "lifecycle"
    assert event["raw_message"] == "over the second listener"
