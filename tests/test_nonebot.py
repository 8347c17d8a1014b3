"""A real NoneBot2 bot (from PyPI, unmodified) talks to qqsim over forward WebSocket."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator

BOT_SCRIPT = Path(__file__).parent / "bots" / "nonebot_echo.py"


async def _stop(process: trio.Process) -> None:
    """Stop the bot; NoneBot can take half a minute to shut down on SIGTERM, so kill it."""
    process.terminate()
    with trio.move_on_after(3):
        await process.wait()
    process.kill()


def _config(token: str = "") -> SimulatorConfig:
    return SimulatorConfig(
        bots={10001: default_onebot_config(http_port=0, ws_port=0, token=token)},
        control_port=None,
    )


@pytest.mark.trio
async def test_nonebot_replies_in_group_over_forward_ws(tmp_path: Path) -> None:
    async with open_simulator(_config(token="s3cret")) as sim:
        ws = next(e for e in sim.endpoints if e.kind == "ws")
        env = {**os.environ, "QQSIM_WS_URL": ws.url + "/", "QQSIM_TOKEN": "s3cret"}
        log = (tmp_path / "bot.log").open("wb")
        async with trio.open_nursery() as nursery:
            run = partial(trio.run_process, [sys.executable, str(BOT_SCRIPT)], env=env,
                          stdout=log, stderr=subprocess.STDOUT, check=False)
            process = await nursery.start(run)
            try:
                with trio.fail_after(60):
                    await sim.wait_connected(10001)
                asked = sim.person(20003).send_group_msg(100100, "ping")

                def bot_replied() -> bool:
                    return any(m.sender_id == 10001 and m.raw_message == "pong"
                               for m in sim.history(group_id=100100))

                with trio.fail_after(30):
                    await sim.wait_until(bot_replied)
            finally:
                await _stop(process)
        history = sim.history(group_id=100100)
        reply = history[-1]
        assert history.index(reply) > history.index(asked)
        assert reply.segments == [{"type": "text", "data": {"text": "pong"}}]
        called = [record.action for record in sim.actions]
        assert "send_msg" in called
