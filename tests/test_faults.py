"""Faults: each kind, each selector, at the action level (``BotLink.handle``) and on the wire."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import trio
from quart import request
from quart_trio import QuartTrio
from trio_websocket import open_websocket_url

from simulator import ManualClock, Simulator, SimulatorConfig, open_simulator
from simulator.adapters.http_server import serve_quart
from simulator.config import (
    HttpClientConfig,
    HttpServerConfig,
    NetworkConfig,
    OneBotConfig,
    WebsocketServerConfig,
)
from simulator.faults import SEND_TIMEOUT_TEXT, TIMEOUT_TEXT, Fault, FaultKind, FaultNotSupported
from simulator.link import BotLink

GROUP = 100100
PING = {"group_id": GROUP, "message": "pong"}


def said(sim: Simulator, text: str = "pong") -> int:
    return sum(m.raw_message == text for m in sim.history(group_id=GROUP))


@pytest.mark.trio
async def test_fail_answers_with_a_failure_and_does_nothing(sim: Simulator, bot: BotLink) -> None:
    sim.faults.fail("send_group_msg")
    [body] = await bot.handle("send_group_msg", PING, "e1")
    assert (body["status"], body["retcode"], body["message"], body["echo"]) == (
        "failed", 1200, TIMEOUT_TEXT, "e1")
    assert said(sim) == 0 and sim.actions[-1].fault == "fail"
    [again] = await bot.handle("send_group_msg", PING)  # the next call only
    assert again["status"] == "ok" and said(sim) == 1
    sim.faults.fail("send_*", retcode=100, message="发送失败")
    [custom] = await bot.handle("send_group_msg_async", PING)  # aliases match their name
    assert (custom["retcode"], custom["message"]) == (100, "发送失败")


@pytest.mark.trio
async def test_fail_delivered_is_risk_control(sim: Simulator, bot: BotLink) -> None:
    sim.faults.fail_delivered()
    [body] = await bot.handle("send_group_msg", PING)
    assert (body["status"], body["message"]) == ("failed", SEND_TIMEOUT_TEXT)
    assert said(sim) == 1  # delivered all the same


@pytest.mark.trio
async def test_no_reply_never_answers_and_does_nothing(sim: Simulator, bot: BotLink) -> None:
    sim.faults.no_reply("send_group_msg")
    assert await bot.handle("send_group_msg", PING) == []
    assert said(sim) == 0
    assert (sim.actions[-1].response, sim.actions[-1].fault) == ({}, "no_reply")


@pytest.mark.trio
async def test_delay_answers_late(sim: Simulator, bot: BotLink, autojump_clock: Any) -> None:
    sim.faults.delay("get_login_info", seconds=12)
    started = trio.current_time()
    [body] = await bot.handle("get_login_info", {})
    assert body["status"] == "ok" and trio.current_time() - started >= 12


@pytest.mark.trio
async def test_rate_limit_follows_the_world_clock(sim: Simulator, bot: BotLink,
                                                  clock: ManualClock) -> None:
    sim.faults.rate_limit("send_group_msg", limit=2, per=60)
    outcomes = [(await bot.handle("send_group_msg", PING))[0]["status"] for _ in range(3)]
    assert outcomes == ["ok", "ok", "failed"]
    assert "qqsim rate limit" in sim.actions[-1].response["message"]
    clock.advance(60)
    assert (await bot.handle("send_group_msg", PING))[0]["status"] == "ok"


@pytest.mark.trio
async def test_selectors_times_probability_and_window(sim: Simulator, bot: BotLink,
                                                      clock: ManualClock) -> None:
    sim.faults.fail("get_status", times=2)
    statuses = [(await bot.handle("get_status", {}))[0]["status"] for _ in range(3)]
    assert statuses == ["failed", "failed", "ok"]

    async def pattern(seed: int) -> list[str]:
        sim.faults.clear()
        sim.faults.fail("get_status", probability=0.5, seed=seed)
        return [(await bot.handle("get_status", {}))[0]["status"] for _ in range(12)]

    first = await pattern(7)
    assert first == await pattern(7)  # the same seed, the same hits
    assert {"ok", "failed"} == set(first)
    sim.faults.clear()
    sim.faults.fail("get_status", during=60, after=10)
    assert (await bot.handle("get_status", {}))[0]["status"] == "ok"  # not open yet
    clock.advance(10)
    assert (await bot.handle("get_status", {}))[0]["status"] == "failed"
    assert (await bot.handle("get_status", {}))[0]["status"] == "failed"
    clock.advance(60)
    assert (await bot.handle("get_status", {}))[0]["status"] == "ok"
    assert sim.faults.active == []


def test_fault_rules_and_unsupported_wire_faults(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="give seconds"):
        Fault(FaultKind.DELAY)
    with pytest.raises(ValueError, match="only action-level"):
        Fault(FaultKind.DROP_CONNECTION, action="send_msg")
    with pytest.raises(FaultNotSupported, match="no live connection"):
        sim.faults.drop_connection()
    link = sim.link(10001)
    sim.connection_opened(link)  # a connection whose adapter applies no wire fault
    with pytest.raises(FaultNotSupported, match="cannot be applied"):
        sim.faults.duplicate_events()
    assert sim.faults.active == []


def ws_config(heart_ms: int = 30000) -> SimulatorConfig:
    server = WebsocketServerConfig(enable=True, port=0, heartInterval=heart_ms)
    return SimulatorConfig(bots={10001: OneBotConfig(network=NetworkConfig(
        websocketServers=[server]))}, control_port=None)


async def frames_after(ws: Any, count: int) -> list[str]:
    out = []
    with trio.fail_after(5):
        for _ in range(count):
            out.append(await ws.get_message())
    return out


@pytest.mark.trio
async def test_event_faults_over_a_websocket() -> None:
    async with open_simulator(ws_config(), clock=ManualClock()) as sim:
        url = sim.endpoints[0].url
        async with open_websocket_url(url + "/") as ws:
            assert json.loads(await ws.get_message())["meta_event_type"] == "lifecycle"
            person = sim.person(20003)
            sim.faults.duplicate_events()
            person.send_group_msg(GROUP, "one")
            first, second = await frames_after(ws, 2)
            assert first == second and json.loads(first)["raw_message"] == "one"

            sim.faults.malformed_frame()
            person.send_group_msg(GROUP, "two")
            [broken] = await frames_after(ws, 1)
            with pytest.raises(ValueError):
                json.loads(broken)

            sim.faults.reorder_events()
            person.send_group_msg(GROUP, "three")
            person.send_group_msg(GROUP, "four")
            texts = [json.loads(f)["raw_message"] for f in await frames_after(ws, 2)]
            assert texts == ["four", "three"]

            sim.faults.drop_connection()
            person.send_group_msg(GROUP, "five")
            with trio.fail_after(5):
                await sim.wait_disconnected(10001)
        kinds = [a.fault.kind for a in sim.faults.applied]
        assert kinds == [FaultKind.DUPLICATE_EVENTS, FaultKind.MALFORMED_FRAME,
                         FaultKind.REORDER_EVENTS, FaultKind.DROP_CONNECTION]


@pytest.mark.trio
async def test_stop_heartbeats_for_a_window_of_world_time() -> None:
    clock = ManualClock()
    async with open_simulator(ws_config(30000), clock=clock) as sim:
        ws_url = sim.endpoints[0].url + "/"
        async with open_websocket_url(ws_url) as ws:
            await ws.get_message()  # lifecycle
            sim.advance(30)
            [beat] = await frames_after(ws, 1)
            assert json.loads(beat)["time"] == int(clock.now())
            sim.faults.stop_heartbeats(during=120)
            for _ in range(3):
                sim.advance(30)
                await sim.settle()
            with trio.move_on_after(0.2) as silent:
                await ws.get_message()
            assert silent.cancelled_caught
            sim.advance(60)  # the window is over
            [beat] = await frames_after(ws, 1)
            assert json.loads(beat)["meta_event_type"] == "heartbeat"


@pytest.mark.trio
async def test_action_faults_over_a_websocket_and_http() -> None:
    config = ws_config()
    config.bots[10001].network.httpServers.append(HttpServerConfig(enable=True, port=0))
    async with open_simulator(config) as sim:
        ws_url = sim.url("ws")
        http_url = sim.url("http")
        sim.faults.fail("get_status", retcode=1234)
        async with open_websocket_url(ws_url + "/api") as ws:
            await ws.send_message(json.dumps({"action": "get_status", "echo": 1}))
            answer = json.loads(await ws.get_message())
        assert (answer["retcode"], answer["echo"]) == (1234, 1)
        sim.faults.no_reply("get_status", connection="http-server")
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(http_url + "/get_status", timeout=0.3)
            sim.faults.fail("get_status")
            failed = (await client.post(http_url + "/get_status")).json()
        assert (failed["status"], failed["retcode"]) == ("failed", 200)


@pytest.mark.trio
async def test_webhook_timeout_and_error() -> None:
    received: list[dict[str, Any]] = []
    first_received = trio.Event()
    receiver = QuartTrio("receiver")

    @receiver.post("/")
    async def hook() -> dict[str, Any]:
        event = await request.get_json()
        received.append(event)
        first_received.set()
        return {"reply": "收到"} if event.get("post_type") == "message" else {}

    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_quart, receiver, "127.0.0.1", 0,
                                   logging.getLogger("receiver"))
        hook_config = HttpClientConfig(enable=True, url=f"http://127.0.0.1:{port}/")
        config = SimulatorConfig(bots={10001: OneBotConfig(network=NetworkConfig(
            httpClients=[hook_config]))}, control_port=None)
        async with open_simulator(config) as sim:
            person = sim.person(20003)
            with trio.fail_after(5):
                applied = trio.Event()
                sim.faults.add_listener(lambda _: applied.set())
                sim.faults.webhook_timeout()
                person.send_group_msg(GROUP, "lost")
                await applied.wait()
                sim.faults.webhook_error(status=502)
                person.send_group_msg(GROUP, "delivered")
                await first_received.wait()
                person.send_group_msg(GROUP, "answered")
                await sim.wait_until(lambda: any(
                    m.sender_id == 10001 for m in sim.history(group_id=GROUP)))
            await sim.settle()
            assert [e["raw_message"] for e in received] == ["delivered", "answered"]
            replies = [m for m in sim.history(group_id=GROUP) if m.sender_id == 10001]
            assert len(replies) == 1  # the 502 answer's quick reply was dropped
            assert replies[0].raw_message.endswith("收到")
            with pytest.raises(FaultNotSupported, match="cannot be applied"):
                sim.faults.drop_connection()
        nursery.cancel_scope.cancel()
