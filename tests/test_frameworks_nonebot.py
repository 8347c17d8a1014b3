"""NoneBot2 (unmodified, from PyPI) holds a conversation with qqsim over each of its modes.

A simulated person writes "ping" in group 100100, NoneBot answers "pong", and
the reply is in the group's history. Forward WebSocket is in test_nonebot.py;
here: reverse WebSocket and HTTP API + HTTP POST (with a secret, so NoneBot
checks qqsim's X-Signature, and an access token on NoneBot's API calls).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trio
from bots.launch import free_port, running_bot, wait_for_port

from simulator import SimulatorConfig, open_simulator
from simulator.app import Simulator
from simulator.config import (
    HttpClientConfig,
    HttpServerConfig,
    NetworkConfig,
    OneBotConfig,
    WebsocketClientConfig,
)

BOT = 10001
GROUP = 100100

pytestmark = [pytest.mark.trio, pytest.mark.slow]


async def converse(sim: Simulator) -> None:
    asked = sim.person(20003).send_group_msg(GROUP, "ping")

    def replied() -> bool:
        return any(m.sender_id == BOT and m.raw_message == "pong"
                   for m in sim.history(group_id=GROUP))

    with trio.fail_after(30):
        await sim.wait_until(replied)
    history = sim.history(group_id=GROUP)
    reply = next(m for m in history if m.sender_id == BOT and m.raw_message == "pong")
    assert history.index(reply) > history.index(asked)
    assert reply.segments == [{"type": "text", "data": {"text": "pong"}}]


async def test_nonebot_over_reverse_websocket(tmp_path: Path) -> None:
    port = free_port()
    env = {"DRIVER": "~fastapi", "HOST": "127.0.0.1", "PORT": str(port),
           "ONEBOT_ACCESS_TOKEN": "s3cret"}
    client = WebsocketClientConfig(enable=True, url=f"ws://127.0.0.1:{port}/onebot/v11/ws",
                                   token="s3cret", reconnectInterval=200)
    config = SimulatorConfig(bots={BOT: OneBotConfig(network=NetworkConfig(
        websocketClients=[client]))}, control_port=None)
    async with running_bot("nonebot_echo.py", env, tmp_path / "bot.log"), \
            open_simulator(config) as sim:
        with trio.fail_after(60):
            await sim.wait_connected(BOT)
        await converse(sim)
    assert any(r.action == "send_msg" and r.connection == "websocket-client"
               for r in sim.actions)


async def test_nonebot_over_http_api_and_http_post(tmp_path: Path) -> None:
    port = free_port()
    server = HttpServerConfig(enable=True, port=0, token="s3cret")
    hook = HttpClientConfig(enable=True, url=f"http://127.0.0.1:{port}/onebot/v11/http",
                            token="hmac-key")
    config = SimulatorConfig(bots={BOT: OneBotConfig(network=NetworkConfig(
        httpServers=[server], httpClients=[hook]))}, control_port=None)
    async with open_simulator(config) as sim:
        api_root = sim.url("http")
        env = {"DRIVER": "~fastapi+~httpx", "HOST": "127.0.0.1", "PORT": str(port),
               "ONEBOT_API_ROOTS": json.dumps({str(BOT): api_root}),
               "ONEBOT_ACCESS_TOKEN": "s3cret", "ONEBOT_SECRET": "hmac-key"}
        async with running_bot("nonebot_echo.py", env, tmp_path / "bot.log"):
            with trio.fail_after(60):
                await wait_for_port(port)
            await converse(sim)
    assert any(r.action == "send_msg" and r.connection == "http-server" for r in sim.actions)
