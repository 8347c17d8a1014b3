"""aiocqhttp (unmodified, from PyPI) in its default mode: a reverse-WebSocket server.

qqsim dials the bot's ``/ws/`` with NapCat's handshake headers; aiocqhttp checks
the access token, takes X-Self-ID, and answers over the same socket.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from bots.launch import free_port, running_bot

from simulator import SimulatorConfig, open_simulator
from simulator.config import NetworkConfig, OneBotConfig, WebsocketClientConfig

BOT = 10001

pytestmark = [pytest.mark.trio, pytest.mark.slow]


async def test_aiocqhttp_replies_in_a_group_and_privately(tmp_path: Path) -> None:
    port = free_port()
    env = {"QQSIM_BOT_PORT": str(port), "QQSIM_TOKEN": "s3cret"}
    client = WebsocketClientConfig(enable=True, url=f"ws://127.0.0.1:{port}/ws/",
                                   token="s3cret", reconnectInterval=200)
    config = SimulatorConfig(bots={BOT: OneBotConfig(network=NetworkConfig(
        websocketClients=[client]))}, control_port=None)
    async with running_bot("aiocqhttp_echo.py", env, tmp_path / "bot.log"), \
            open_simulator(config) as sim:
        with trio.fail_after(60):
            await sim.wait_connected(BOT)
        sim.person(20003).send_group_msg(100100, "ping")
        sim.person(20001).send_private_msg(BOT, "hello")

        def answered() -> bool:
            group = [m.raw_message for m in sim.history(group_id=100100) if m.sender_id == BOT]
            private = [m.raw_message for m in sim.history(user_id=BOT, peer_id=20001)
                       if m.sender_id == BOT]
            return group == ["pong"] and private == ["you said: hello"]

        with trio.fail_after(30):
            await sim.wait_until(answered)
    assert {r.action for r in sim.actions} == {"send_msg"}
    assert all(r.response["status"] == "ok" for r in sim.actions)
