"""Reverse WebSocket (napcat.md §2.5; go-cqhttp's split client, onebot11.md §1.4)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from bots.peers import ReverseWsServer
from trio_websocket import WebSocketConnection

from simulator import SimulatorConfig, open_simulator
from simulator.app import Simulator
from simulator.config import NetworkConfig, OneBotConfig, WebsocketClientConfig

BOT = 10001
GROUP = 100100
TIMEOUT = 10

pytestmark = pytest.mark.trio


def client(url: str, **settings: Any) -> WebsocketClientConfig:
    settings = {"token": "s3cret", "heartInterval": 0, "reconnectInterval": 100, **settings}
    return WebsocketClientConfig(enable=True, url=url, **settings)


@asynccontextmanager
async def serving(*clients: WebsocketClientConfig, profile: str = "napcat"
                  ) -> AsyncIterator[Simulator]:
    onebot = OneBotConfig(network=NetworkConfig(websocketClients=list(clients)))
    config = SimulatorConfig(bots={BOT: onebot}, control_port=None, profile=profile)
    async with open_simulator(config) as sim:
        yield sim


async def frame(ws: WebSocketConnection) -> Any:
    return json.loads(await ws.get_message())


async def test_napcat_handshake_headers() -> None:
    peer = ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running("/onebot/v11/ws"), serving(client(peer.url)):
            handshake, ws = await peer.next_connection()
            first = await frame(ws)
    assert handshake.path == "/onebot/v11/ws"
    assert handshake.headers["x-self-id"] == "10001"
    assert handshake.headers["authorization"] == "Bearer s3cret"
    assert handshake.headers["x-client-role"] == "Universal"
    assert handshake.headers["user-agent"] == "OneBot/11"
    assert (first["meta_event_type"], first["sub_type"]) == ("lifecycle", "connect")


async def test_napcat_sends_the_bearer_scheme_even_without_a_token() -> None:
    peer = ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running(), serving(client(peer.url, token="")):
            handshake, _ = await peer.next_connection()
    # NapCat sends "Bearer " and HTTP strips the trailing space: the bot reads "Bearer".
    assert handshake.headers["authorization"] == "Bearer"


async def test_several_targets_each_get_their_own_connection_and_the_events() -> None:
    first, second = ReverseWsServer(), ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with first.running(), second.running(), serving(
            client(first.url, name="one"), client(second.url, name="two")
        ) as sim:
            _, ws1 = await first.next_connection()
            _, ws2 = await second.next_connection()
            await sim.wait_connected(BOT, 2)
            sim.person(20003).send_group_msg(GROUP, "to both")
            got = [await frame(ws1), await frame(ws1), await frame(ws2), await frame(ws2)]
    assert [e.get("raw_message") for e in got] == [None, "to both", None, "to both"]


async def test_actions_on_the_reverse_socket_use_the_client_error_texts() -> None:
    peer = ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running(), serving(client(peer.url)):
            _, ws = await peer.next_connection()
            await frame(ws)  # lifecycle
            await ws.send_message(json.dumps({"action": "nope", "echo": 1}))
            answer = await frame(ws)
    assert (answer["retcode"], answer["message"], answer["echo"]) == (1404, "不支持的Api nope", 1)


async def test_napcat_ignores_go_cqhttp_split_urls(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    peer, other = ReverseWsServer(), ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running(), other.running(), serving(
            client(peer.url, apiUrl=other.url, eventUrl=other.url)
        ):
            handshake, _ = await peer.next_connection()
    assert handshake.headers["x-client-role"] == "Universal"
    assert other.handshakes == []
    assert any("apiUrl/eventUrl are go-cqhttp settings" in r.getMessage()
               for r in caplog.records)


async def test_gocq_splits_api_and_event_connections() -> None:
    api, events = ReverseWsServer(), ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with api.running("/api"), events.running("/event"), serving(
            client("ws://127.0.0.1:1/unused", apiUrl=api.url, eventUrl=events.url),
            profile="gocq",
        ) as sim:
            api_handshake, api_ws = await api.next_connection()
            event_handshake, event_ws = await events.next_connection()
            lifecycle = await frame(event_ws)
            await sim.wait_connected(BOT)
            # The API socket answers calls; the Event socket ignores them.
            await event_ws.send_message(json.dumps({"action": "get_status", "echo": "e"}))
            await api_ws.send_message(json.dumps({"action": "get_login_info", "echo": "a"}))
            login = await frame(api_ws)
            sim.person(20003).send_group_msg(GROUP, "event only")
            event = await frame(event_ws)
            with trio.move_on_after(0.2):
                stray = await api_ws.get_message()
                pytest.fail(f"the API connection got a frame: {stray}")
    assert api_handshake.headers["x-client-role"] == "API"
    assert event_handshake.headers["x-client-role"] == "Event"
    for handshake in (api_handshake, event_handshake):
        assert handshake.headers["authorization"] == "Token s3cret"
        assert handshake.headers["user-agent"] == "CQHttp/4.15.0"
        assert handshake.headers["x-self-id"] == "10001"
    assert lifecycle["sub_type"] == "connect"
    assert (login["status"], login["echo"], login["data"]["user_id"]) == ("ok", "a", BOT)
    assert event["raw_message"] == "event only"


async def test_gocq_universal_client_and_no_token_header_without_a_token() -> None:
    peer = ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running(), serving(
            client(peer.url, token="", apiUrl="ws://127.0.0.1:1/", useUniversalClient=True),
            profile="gocq",
        ):
            handshake, _ = await peer.next_connection()
    assert handshake.headers["x-client-role"] == "Universal"
    assert "authorization" not in handshake.headers
