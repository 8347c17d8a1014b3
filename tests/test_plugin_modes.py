"""The ``qqsim`` pytest fixture, from the outside: pytester runs test files that use it as a
bot developer would, in sync, asyncio (pytest-asyncio and anyio) and trio (pytest-trio) tests.

Each generated test starts from a fresh world (the first one leaves a message behind), a bot
answers over a real connection (a separate process, a client in the test's own asyncio
loop, an HTTP client on either anyio backend, the reference bot in the test's trio loop),
and after the run no simulator thread and no bot process is left.

Every run is a subprocess: an inline run would unload the modules it imported (httpcore's
trio backend...) and leave later tests of this process with two copies of their classes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
REFERENCE_BOT = TESTS / "bots" / "reference_bot.py"

INI = """[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

MODES = f'''
import asyncio, json, os, sys, threading, time

import anyio, httpx, pytest, trio, websockets

sys.path.insert(0, {str(TESTS)!r})
from bots.reference_bot import run_bot
from simulator.testing import AsyncQQSim, ExpectationFailed, QQSim
from simulator.world import World

REFERENCE_BOT = {str(REFERENCE_BOT)!r}
STARTED = []


def test_sync_world_is_fresh_and_leaves_a_message(qqsim):
    assert isinstance(qqsim, QQSim)
    assert qqsim.history(group_id=100100) == []
    qqsim.person(20003).send_group_msg(100100, "left behind")


def test_sync_bot_process_answers(qqsim):
    assert qqsim.history(group_id=100100) == []
    bot = qqsim.start_bot([sys.executable, REFERENCE_BOT])
    STARTED.append(bot.pid)
    qqsim.person(20003).send_group_msg(100100, "ping")
    said = qqsim.expect.message(group=100100, text="pong").check()
    assert said.sender_id == 10001


async def websocket_bot(url):
    """A bot living in the test's own asyncio loop: answers ping with pong."""
    async with websockets.connect(url) as ws:
        async for frame in ws:
            event = json.loads(frame)
            if event.get("raw_message") == "ping":
                await ws.send(json.dumps({{"action": "send_group_msg", "params": {{
                    "group_id": event["group_id"], "message": "pong"}}}}))


@pytest.mark.asyncio
async def test_asyncio_bot_in_the_same_loop(qqsim):
    assert isinstance(qqsim, AsyncQQSim)
    assert qqsim.history(group_id=100100) == []
    bot = asyncio.create_task(websocket_bot(qqsim.ws_url))
    await qqsim.wait_connected()
    ticks = []

    async def tick():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.001)  # a tick of the loop, to show it keeps running

    ticker = asyncio.create_task(tick())
    qqsim.person(20003).send_group_msg(100100, "ping")
    call = await qqsim.expect.action("send_group_msg", group=100100, text="pong")
    await qqsim.wait_quiet()
    bot.cancel()
    ticker.cancel()
    assert call.ok
    assert len(ticks) >= 10  # the loop kept running while the test awaited


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_anyio_client_in_the_same_loop(qqsim, anyio_backend):
    assert isinstance(qqsim, AsyncQQSim)
    assert qqsim.history(group_id=100100) == []

    async def bot_posts():
        async with httpx.AsyncClient() as client:
            answer = await client.post(qqsim.http_url + "/send_group_msg",
                                       json={{"group_id": 100100, "message": "hi from anyio"}})
            assert answer.json()["status"] == "ok"

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(bot_posts)  # runs only if awaiting below leaves the loop free
        said = await qqsim.expect.message(group=100100, text="hi from anyio")
    assert said.sender_id == 10001


@pytest.mark.trio
async def test_trio_bot_in_the_test_loop(qqsim, nursery):
    assert isinstance(qqsim.world, World)  # the simulator runs right here, in this loop
    assert qqsim.history(group_id=100100) == []
    nursery.start_soon(run_bot, qqsim.ws_url + "/", "")
    await qqsim.wait_connected()
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.message(group=100100, text="pong")
    await qqsim.wait_quiet()


@pytest.mark.trio
@pytest.mark.qqsim(clock="trio")
async def test_trio_mock_clock_drives_world_time_and_timeouts(qqsim, autojump_clock):
    started = time.monotonic()
    before = qqsim.now()
    qqsim.person(20001).mute(100100, 20003, 3600)
    assert qqsim.world.groups.is_muted(100100, 20003)
    await trio.sleep(3601)  # the autojump clock: an hour passes at once, no real wait
    assert qqsim.now() - before >= 3601
    assert not qqsim.world.groups.is_muted(100100, 20003)
    with pytest.raises(ExpectationFailed):
        await qqsim.expect.action("send_group_msg", within=600)
    assert time.monotonic() - started < 10  # an hour and ten minutes went by instantly


def test_nothing_is_left_running():
    assert [t for t in threading.enumerate() if t.name == "qqsim"] == []
    for pid in STARTED:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
'''


def test_every_kind_of_test_gets_a_fresh_world_and_a_working_bot(
        pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_modes=MODES)
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider",
                                           "-v", timeout=300)
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines([
        "*test_sync_world_is_fresh_and_leaves_a_message PASSED*",
        "*test_asyncio_bot_in_the_same_loop PASSED*",
        "*test_anyio_client_in_the_same_loop?trio? PASSED*",
        "*test_trio_mock_clock_drives_world_time_and_timeouts PASSED*",
    ])


def test_a_sync_wait_in_an_async_test_is_not_offered(pytester: pytest.Pytester) -> None:
    # Async tests get awaitables; a forgotten await is a coroutine never awaited, not a block.
    pytester.makeini(INI)
    pytester.makepyfile(test_shape="""
        import inspect, pytest

        @pytest.mark.asyncio
        async def test_waits_are_coroutines(qqsim):
            for name in ("wait_until", "wait_connected", "wait_quiet", "start_bot",
                         "run_scenario", "sleep_world"):
                assert inspect.iscoroutinefunction(getattr(qqsim, name)), name

        def test_sync_waits_block(qqsim):
            assert not inspect.iscoroutinefunction(qqsim.wait_quiet)
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
def test_a_crashing_test_still_tears_its_world_down(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_crash=f"""
        import sys, threading, pytest

        def test_raises_midway(qqsim):
            qqsim.start_bot([sys.executable, {str(REFERENCE_BOT)!r}])
            raise RuntimeError("the test blew up")

        @pytest.mark.asyncio
        async def test_cancelled_midway(qqsim):
            raise ValueError("async test blew up")

        def test_after(qqsim):
            assert qqsim.history(group_id=100100) == []
            assert [t.name for t in threading.enumerate()].count("qqsim") == 1
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)


def test_the_same_tests_pass_under_xdist(pytester: pytest.Pytester) -> None:
    # Two workers, each running simulators side by side with the other's: no shared port,
    # file or global. (A subprocess run: xdist's workers are processes anyway.)
    pytester.makeini(INI)
    pytester.makepyfile(test_modes=MODES)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-v", "--strict-markers",
                                           "-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=8)
    out = result.stdout.str()
    assert "[gw0]" in out and "[gw1]" in out
