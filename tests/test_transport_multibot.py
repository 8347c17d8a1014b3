"""Several bot accounts in one world, each with its own connections; and a full NapCat config.

The two-bot world is the default seed plus bot 10002 (小R), a member of 100100
and 100200 but not of 100300, and a friend of 20001 only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import trio
from bots.peers import ReverseWsServer, WebhookReceiver
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import SimulatorConfig, open_simulator, parse_onebot_config
from simulator.config import NetworkConfig, OneBotConfig, WebsocketServerConfig
from simulator.world import WorldSpec, load_spec
from simulator.world.spec import AccountSpec, MemberSpec

BOT_A, BOT_B = 10001, 10002
TIMEOUT = 10

pytestmark = pytest.mark.trio


def two_bot_world() -> WorldSpec:
    spec = load_spec("default")
    accounts = [*spec.accounts, AccountSpec(user_id=BOT_B, nickname="小R", bot=True)]
    groups = []
    for group in spec.groups:
        if group.group_id in (100100, 100200):
            group = group.model_copy(update={"members": [*group.members,
                                                          MemberSpec(user_id=BOT_B)]})
        groups.append(group)
    return spec.model_copy(update={"accounts": accounts, "groups": groups,
                                   "friends": [*spec.friends, (BOT_B, 20001)]})


def ws_only(report_self: bool = False) -> OneBotConfig:
    server = WebsocketServerConfig(enable=True, port=0, heartInterval=0,
                                   reportSelfMessage=report_self)
    return OneBotConfig(network=NetworkConfig(websocketServers=[server]))


async def frame(ws: WebSocketConnection) -> Any:
    return json.loads(await ws.get_message())


def ws_url(sim: Any, bot_id: int) -> str:
    return sim.url("ws", bot_id) + "/"


async def test_each_bot_hears_the_other_and_only_what_its_account_can_see() -> None:
    config = SimulatorConfig(bots={BOT_A: ws_only(report_self=True), BOT_B: ws_only()},
                             control_port=None)
    with trio.fail_after(TIMEOUT):
        async with open_simulator(config, spec=two_bot_world()) as sim, \
                open_websocket_url(ws_url(sim, BOT_A)) as a, \
                open_websocket_url(ws_url(sim, BOT_B)) as b:
            assert (await frame(a))["self_id"] == BOT_A
            assert (await frame(b))["self_id"] == BOT_B
            await sim.wait_connected(BOT_A)
            await sim.wait_connected(BOT_B)
            # 100300 holds bot A only: B must not hear this one.
            await a.send_message(json.dumps({"action": "send_group_msg", "echo": 1, "params": {
                "group_id": 100300, "message": "members only"}}))
            await a.send_message(json.dumps({"action": "send_group_msg", "echo": 2, "params": {
                "group_id": 100100, "message": "hello B"}}))
            a_frames = [await frame(a) for _ in range(4)]
            heard = await frame(b)
            await b.send_message(json.dumps({"action": "send_msg", "echo": 3, "params": {
                "message_type": "group", "group_id": 100100, "message": "hi A"}}))
            answer = await frame(b)
            replied = await frame(a)
    own = [f for f in a_frames if f.get("post_type") == "message_sent"]
    assert [f["raw_message"] for f in own] == ["members only", "hello B"]
    assert (heard["post_type"], heard["self_id"], heard["user_id"]) == ("message", BOT_B, BOT_A)
    assert (heard["group_id"], heard["raw_message"]) == (100100, "hello B")
    assert heard["sender"]["nickname"] == "小Q"
    assert answer["status"] == "ok"  # B's own message is not reported back to B
    assert (replied["post_type"], replied["user_id"], replied["raw_message"]) == (
        "message", BOT_B, "hi A")
    assert [m.raw_message for m in sim.history(group_id=100100)][-2:] == ["hello B", "hi A"]


async def test_a_bot_cannot_act_where_its_account_is_not() -> None:
    config = SimulatorConfig(bots={BOT_B: ws_only()}, control_port=None)
    with trio.fail_after(TIMEOUT):
        async with open_simulator(config, spec=two_bot_world()) as sim, \
                open_websocket_url(ws_url(sim, BOT_B)) as b:
            await frame(b)
            await b.send_message(json.dumps({"action": "get_group_list", "echo": "g"}))
            groups = await frame(b)
    assert sorted(g["group_id"] for g in groups["data"]) == [100100, 100200]


# -- a loaded onebot11.json starts every adapter kind ----------------------------------

NAPCAT_JSON = """
// NapCat's onebot11.json, as a user writes it (JSON5: comments, trailing commas)
{
  network: {
    httpServers: [{name: "h", enable: true, host: "127.0.0.1", port: 0, token: "t",
                   enableWebsocket: true}],
    httpSseServers: [{name: "s", enable: true, host: "127.0.0.1", port: 0, token: "t",
                      reportSelfMessage: true}],
    httpClients: [{name: "c", enable: true, url: "%(hook)s", token: "t"}],
    websocketServers: [{name: "w", enable: true, host: "127.0.0.1", port: 0, token: "t"}],
    websocketClients: [{name: "r", enable: true, url: "%(reverse)s", token: "t"}],
    plugins: [{name: "p", enable: true}],
  },
  musicSignUrl: "",
}
"""


async def test_a_napcat_config_with_every_kind_starts_them_all(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="qqsim")
    hook, reverse = WebhookReceiver(), ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with hook.running(), reverse.running():
            onebot = parse_onebot_config(NAPCAT_JSON % {"hook": hook.url,
                                                        "reverse": reverse.url})
            config = SimulatorConfig(bots={BOT_A: onebot}, control_port=None)
            async with open_simulator(config) as sim:
                kinds = sorted(e.kind for e in sim.endpoints)
                _, ws = await reverse.next_connection()
                await frame(ws)
                by_kind = {e.kind: e.url for e in sim.endpoints}
                auth = [("Authorization", "Bearer t")]
                async with open_websocket_url(by_kind["ws"] + "/", extra_headers=auth) as w, \
                        open_websocket_url(by_kind["http"].replace("http", "ws") + "/",
                                           extra_headers=auth) as hw, \
                        httpx.AsyncClient() as client:
                    for socket in (w, hw):
                        assert (await frame(socket))["meta_event_type"] == "lifecycle"
                    status = await client.get(by_kind["sse"] + "/get_status?access_token=t")
                    await sim.wait_connected(BOT_A, 4)  # ws, http-ws, reverse, webhook
                    sim.person(20003).send_group_msg(100100, "everyone")
                    got = [(await frame(s))["raw_message"] for s in (w, hw, ws)]
                    posted = await hook.next_event()
    assert kinds == ["http", "sse", "webhook", "ws", "ws-client"]
    assert status.json()["status"] == "ok"
    assert got == ["everyone"] * 3
    assert posted["raw_message"] == "everyone"
