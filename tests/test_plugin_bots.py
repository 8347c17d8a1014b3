"""Bots under test as separate processes, and scenario files run from inside a test.

The reference bot (plain trio, starts in a blink) connects over forward WebSocket with the
``QQSIM_*`` variables; aiocqhttp (from PyPI, unmodified) serves reverse WebSocket and qqsim
dials it. Processes are stopped when the test ends, whatever happened.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from simulator.testing import AsyncQQSim, BotFailed, QQSim, ScenarioFailed

BOTS = Path(__file__).resolve().parent / "bots"
ROOT = BOTS.parents[1]
REFERENCE_BOT = [sys.executable, str(BOTS / "reference_bot.py")]
GROUP = 100100


def test_a_bot_process_connects_answers_and_goes_quiet(qqsim: QQSim) -> None:
    bot = qqsim.start_bot(REFERENCE_BOT)
    assert qqsim.connected(10001) == 1 and bot.returncode is None
    qqsim.person(20003).send_group_msg(GROUP, "/burst 5")
    qqsim.wait_quiet(idle=0.2)
    said = [m.raw_message for m in qqsim.history(group_id=GROUP) if m.sender_id == 10001]
    assert said == [f"burst {n}" for n in range(1, 6)]
    qqsim.stop_bot(bot)
    assert bot.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(bot.pid, 0)


def test_a_bot_that_exits_fails_with_its_output(qqsim: QQSim) -> None:
    with pytest.raises(BotFailed) as failed:
        qqsim.start_bot([sys.executable, "-c", "print('no token, giving up'); exit(3)"])
    message = str(failed.value)
    assert "exited with status 3 before connecting" in message
    assert "| no token, giving up" in message


def test_a_bot_that_never_connects_times_out_and_is_stopped(qqsim: QQSim) -> None:
    with pytest.raises(BotFailed, match=r"did not connect within 0\.5s"):
        # The bot process idles and never connects (the fixture kills it); the test
        # itself waits only the 0.5 s connect timeout.
        qqsim.start_bot([sys.executable, "-c", "import time; time.sleep(60)"],
                        connect_timeout=0.5)
    (stuck,) = qqsim._bot_processes
    assert stuck.returncode is None  # still running: the fixture stops it at teardown


def test_the_bot_gets_its_endpoints_in_its_environment(qqsim: QQSim, tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    script = ("import os, pathlib; pathlib.Path(os.environ['OUT']).write_text("
              "' '.join(os.environ[k] for k in ('QQSIM_BOT_ID', 'QQSIM_WS_URL', "
              "'QQSIM_HTTP_URL')))")
    bot = qqsim.start_bot([sys.executable, "-c", script], env={"OUT": str(out)},
                          connect_timeout=None)
    assert qqsim.wait_bot_exit(bot) == 0
    assert out.read_text() == f"10001 {qqsim.ws_url}/ {qqsim.http_url}"


@pytest.mark.slow
def test_a_reverse_websocket_bot_is_dialled(qqsim: QQSim) -> None:
    from bots.launch import free_port

    port = free_port()
    qqsim.start_bot([sys.executable, str(BOTS / "aiocqhttp_echo.py")],
                    env={"QQSIM_BOT_PORT": str(port)},
                    reverse_ws=f"ws://127.0.0.1:{port}/ws/", connect_timeout=60)
    qqsim.person(20001).send_private_msg(10001, "hello")
    qqsim.expect.message(to=20001, text="you said: hello").check()
    assert any(e.kind == "reverse-ws" or "ws://127.0.0.1" in e.url for e in qqsim.endpoints)


def test_scenario_files_run_inside_a_test(qqsim: QQSim) -> None:
    qqsim.start_bot(REFERENCE_BOT)
    result = qqsim.run_scenario(ROOT / "scenarios" / "smoke" / "ping_pong.yaml")
    assert result.passed and result.name == "ping-pong"
    with pytest.raises(ScenarioFailed) as failed:
        qqsim.run_scenario("""
            name: expects the wrong word
            steps:
              - say: {from: 20003, group: 100100, text: ping}
              - expect: {action: send_group_msg, group: 100100, text: peng, within: 1s}
        """)
    report = str(failed.value)
    assert "FAILED expects the wrong word at step 2 (expect, line 5)" in report
    assert "- text: wanted 'peng', got 'pong'" in report
    # The world was rebuilt for the scenario; expectations carry on from there.
    qqsim.person(20003).send_group_msg(GROUP, "ping")
    qqsim.expect.message(group=GROUP, text="pong").check()


@pytest.mark.asyncio
async def test_bots_and_scenarios_from_an_asyncio_test(qqsim: AsyncQQSim) -> None:
    await qqsim.start_bot(REFERENCE_BOT)
    result = await qqsim.run_scenario(ROOT / "scenarios" / "smoke" / "ping_pong.yaml",
                                      check=False)
    assert result.passed, result.message
