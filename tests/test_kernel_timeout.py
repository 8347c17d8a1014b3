"""A send QQ refuses fails as NapCat's does: after its kernel timeout, on the world's clock.

NapCat checks nothing before sending (``SendMsg.ts``); the QQ kernel never
confirms the message and ``MsgApi.sendMsg`` times out after 10 s
(``helper/event.ts``). The wait runs on the world's clock, so a test on a
``ManualClock`` moves it instead of waiting; ``immediate_send_failures`` keeps
qqsim's own immediate refusal.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import trio
from conftest import ADMIN_GROUP, BOT, wired_config
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import ManualClock, Simulator, SimulatorConfig, open_simulator
from simulator.config import HttpServerConfig
from simulator.link import BotLink, Deferred
from simulator.onebot.actions._timeout import KERNEL_SEND_TIMEOUT_TEXT, UPLOAD_KBPS

MUTED = "发送消息失败: 10001 在群100100中被禁言"


def muted_config(**options: Any) -> SimulatorConfig:
    config = wired_config()
    for key, value in options.items():
        setattr(config, key, value)
    return config


async def call(ws: WebSocketConnection, action: str, params: dict[str, Any], echo: str) -> None:
    await ws.send_message(json.dumps({"action": action, "params": params, "echo": echo}))


async def answer(ws: WebSocketConnection) -> dict[str, Any]:
    with trio.fail_after(5):
        body: dict[str, Any] = json.loads(await ws.get_message())
    return body


@pytest.mark.trio
async def test_a_muted_bot_hears_of_its_failed_send_ten_world_seconds_later() -> None:
    clock = ManualClock()
    async with open_simulator(muted_config(), clock=clock) as sim:
        sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
        async with open_websocket_url(sim.url("ws") + "/api") as ws:
            await call(ws, "send_group_msg", {"group_id": ADMIN_GROUP, "message": "hi"}, "send")
            await call(ws, "get_status", {}, "before")
            assert (await answer(ws))["echo"] == "before"  # the send is still waiting
            sim.advance(9.5)
            await sim.settle()
            await call(ws, "get_status", {}, "at 9.5 s")
            assert (await answer(ws))["echo"] == "at 9.5 s"
            assert sim.calls_in_flight == 1
            sim.advance(0.5)
            failed = await answer(ws)
        assert (failed["echo"], failed["status"], failed["retcode"], failed["message"],
                failed["wording"]) == ("send", "failed", 1200, KERNEL_SEND_TIMEOUT_TEXT,
                                       KERNEL_SEND_TIMEOUT_TEXT)
        assert sim.history(group_id=ADMIN_GROUP) == [] and sim.is_quiet()


@pytest.mark.trio
async def test_over_http_a_send_to_a_group_the_bot_is_not_in_waits_too() -> None:
    config = muted_config()
    config.bots[BOT].network.httpServers = [HttpServerConfig(enable=True, port=0)]
    async with open_simulator(config, clock=ManualClock()) as sim:
        got: list[dict[str, Any]] = []

        async def post() -> None:
            async with httpx.AsyncClient() as client:
                reply = await client.post(sim.url("http") + "/send_msg",
                                          json={"group_id": 999999, "message": "hi"}, timeout=5)
            got.append(reply.json())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(post)
            with trio.fail_after(5):
                await sim.wait_until(lambda: sim.calls_in_flight == 1)
            sim.advance(9)
            await sim.settle()
            assert got == []
            sim.advance(1)
        [body] = got
        assert (body["retcode"], body["message"]) == (200, KERNEL_SEND_TIMEOUT_TEXT)


@pytest.mark.trio
async def test_immediate_send_failures_keeps_qqsims_own_text() -> None:
    async with open_simulator(muted_config(immediate_send_failures=True),
                              clock=ManualClock()) as sim:
        assert sim.profile.kernel_send_timeout is None
        sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
        async with open_websocket_url(sim.url("ws") + "/api") as ws:
            await call(ws, "send_group_msg", {"group_id": ADMIN_GROUP, "message": "hi"}, "send")
            failed = await answer(ws)
        assert (failed["retcode"], failed["message"]) == (1200, MUTED)
        sim.reset(profile="napcat")  # the option survives a profile change
        assert sim.profile.kernel_send_timeout is None


def test_the_wait_grows_with_media_and_follows_the_timeout_parameter(
    sim: Simulator, bot: BotLink
) -> None:
    sim.person(20001).mute(ADMIN_GROUP, BOT, 600)
    plain = bot.call_frames("send_group_msg", {"group_id": ADMIN_GROUP, "message": "x"})
    assert isinstance(plain, Deferred) and plain.seconds == 10
    picture = bytes(512 * 1024)
    with_image = bot.call_frames("send_group_msg", {"group_id": ADMIN_GROUP, "message": [
        {"type": "image", "data": {"file": "base64://" + base64.b64encode(picture).decode()}}]})
    assert isinstance(with_image, Deferred)
    assert with_image.seconds == pytest.approx(10 + len(picture) / 1024 / UPLOAD_KBPS)
    own = bot.call_frames("send_msg", {"group_id": ADMIN_GROUP, "message": "x",
                                       "timeout": "2500"})
    assert isinstance(own, Deferred) and own.seconds == 2.5
    # Anything the world refuses before the kernel is asked still fails at once.
    refused = bot.call_frames("send_msg", {"user_id": 99, "message": "x"})
    assert not isinstance(refused, Deferred) and refused[-1]["message"] == "无法获取用户信息"
    ok = bot.call_frames("send_msg", {"group_id": 100200, "message": "x"})
    assert not isinstance(ok, Deferred) and ok[-1]["status"] == "ok"


@pytest.mark.qqsim(immediate_send_failures=True)
def test_the_pytest_option_answers_at_once(qqsim: Any) -> None:
    assert qqsim.sim.profile.kernel_send_timeout is None


def test_the_pytest_fixture_waits_by_default(qqsim: Any) -> None:
    assert qqsim.sim.profile.kernel_send_timeout == 10
