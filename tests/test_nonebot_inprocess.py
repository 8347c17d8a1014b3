"""NoneBot2 in-process through the ``qqsim_nonebot`` fixture: initialised once per session,
plugins loaded once, connected to each test's own world, let go without hanging.

The tests below are written to a folder and run by a separate pytest, as a bot developer's
suite would run (NoneBot keeps global state, so never in this process): once alone, once
across two pytest-xdist workers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from simulator.testing.nonebot import DISCONNECT_TIMEOUT, TEARDOWN_HANDLERS, TEARDOWN_QUIET

pytest_plugins = ["pytester"]

PLUGINS = Path(__file__).parent / "bots" / "nonebot_plugins"

INI = """[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = session
"""

CONFTEST = '''
import pytest
from simulator.testing.nonebot import NoneBotSetup

INITS = []


@pytest.fixture(scope="session")
def qqsim_nonebot_setup():
    return NoneBotSetup(plugin_dirs=["plugins"], config={"command_start": ["/"]},
                        load=lambda: INITS.append(1))
'''

TESTS = '''
import time

import nonebot
import pytest

import conftest

START = []


@pytest.mark.asyncio
async def test_ping_gets_pong(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "ping")
    said = await qqsim.expect.message(group=100100, text="pong")
    assert said.sender_id == 10001
    await qqsim.wait_quiet()
    assert [m.raw_message for m in qqsim.history(group_id=100100)] == ["ping", "pong"]
    info = await qqsim_nonebot.get_login_info()  # NoneBot's own call, through qqsim
    assert info["user_id"] == 10001


@pytest.mark.asyncio
async def test_wait_quiet_waits_for_a_handler_still_thinking(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "slow")
    await qqsim.wait_quiet()  # the handler sleeps 0.3 s before it answers
    assert [m.raw_message for m in qqsim.history(group_id=100100)] == ["slow", "done"]


@pytest.mark.asyncio
async def test_welcome_on_join(qqsim, qqsim_nonebot):
    qqsim.person(20010).join(100100)
    said = await qqsim.expect.message(group=100100, contains="welcome", at=20010)
    assert said.sender_id == 10001


@pytest.mark.asyncio
async def test_ends_right_after_the_reply(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.message(group=100100, text="pong")
    # NoneBot still awaits the answer to its send_msg: teardown must not wait 30 s


@pytest.mark.asyncio
async def test_a_call_never_answered(qqsim, qqsim_nonebot):
    qqsim.faults.no_reply("send_msg")
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.action("send_msg", text="pong")
    # never answered: teardown fails the call rather than wait NoneBot's 30 s for it


@pytest.mark.asyncio
async def test_asked_and_left_waiting(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "/ask")
    await qqsim.expect.message(group=100100, text="name?")


@pytest.mark.asyncio
async def test_a_waiting_matcher_does_not_take_the_next_test(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "Lee")
    await qqsim.wait_quiet()
    assert [m.raw_message for m in qqsim.history(group_id=100100)] == ["Lee"]


@pytest.mark.asyncio
async def test_a_test_that_changes_the_world(qqsim, qqsim_nonebot):
    START.append(qqsim.now())
    qqsim.faults.no_reply("get_login_info")
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.message(group=100100, text="pong")
    qqsim.advance(3600)


@pytest.mark.asyncio
async def test_the_next_test_gets_a_fresh_world(qqsim, qqsim_nonebot):
    # whichever ran first: the same world, time, no messages, no faults, a new transcript
    START.append(qqsim.now())
    assert len(set(START)) == 1
    assert qqsim.history(group_id=100100) == []
    assert "ping" not in qqsim.transcript_text(0)
    info = await qqsim_nonebot.get_login_info()
    assert info["user_id"] == 10001


@pytest.mark.asyncio
@pytest.mark.qqsim(heartbeat_ms=60000)
async def test_other_options_get_their_own_world(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.message(group=100100, text="pong")
    assert [m.raw_message for m in qqsim.history(group_id=100100)] == ["ping", "pong"]


@pytest.mark.asyncio
async def test_nonebot_started_once(qqsim, qqsim_nonebot):
    assert conftest.INITS == [1]
    assert list(nonebot.get_bots()) == ["10001"]


def test_a_sync_test_is_told_why_not(qqsim_nonebot):
    pass


@pytest.mark.asyncio(loop_scope="function")
async def test_a_test_in_its_own_loop_is_told_why_not(qqsim_nonebot):
    pass
'''

NAMES = ["test_ping_gets_pong", "test_wait_quiet_waits_for_a_handler_still_thinking",
         "test_welcome_on_join", "test_ends_right_after_the_reply",
         "test_a_call_never_answered", "test_asked_and_left_waiting",
         "test_a_waiting_matcher_does_not_take_the_next_test",
         "test_a_test_that_changes_the_world", "test_the_next_test_gets_a_fresh_world",
         "test_other_options_get_their_own_world", "test_nonebot_started_once"]


def _write_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_bot=TESTS)
    shutil.copytree(PLUGINS, pytester.path / "plugins")


def _teardowns(output: str) -> dict[str, float]:
    """Seconds each test's teardown took, from ``--durations=0``."""
    found = re.findall(r"([\d.]+)s teardown\s+\S+::(\w+)", output)
    return {name: float(seconds) for seconds, name in found}


@pytest.mark.slow
def test_nonebot_in_process_over_many_tests(pytester: pytest.Pytester) -> None:
    _write_suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", "--durations=0",
                                           "--durations-min=0", timeout=300)
    result.assert_outcomes(passed=len(NAMES), errors=2)
    for name in NAMES:
        result.stdout.fnmatch_lines([f"*::{name} PASSED*"])
    result.stdout.fnmatch_lines([
        "*make the test `async def`*",
        "*mark it @pytest.mark.asyncio(loop_scope=\"session\")*",
    ])
    teardown = _teardowns(result.stdout.str())
    # the call NoneBot awaited was answered: no need to fail it after TEARDOWN_QUIET
    assert teardown["test_ends_right_after_the_reply"] < TEARDOWN_QUIET
    # the unanswered call is failed after TEARDOWN_QUIET: bounded, not NoneBot's 30 s
    bound = TEARDOWN_QUIET + TEARDOWN_HANDLERS + DISCONNECT_TIMEOUT
    assert TEARDOWN_QUIET <= teardown["test_a_call_never_answered"] < bound + 1.0


@pytest.mark.slow
def test_nonebot_in_process_across_xdist_workers(pytester: pytest.Pytester) -> None:
    _write_suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2",
                                           "-k", "not told_why", timeout=300)
    result.assert_outcomes(passed=len(NAMES))
