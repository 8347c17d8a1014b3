"""Under the ``gocq`` profile the transports answer as go-cqhttp does (onebot11.md §1, §11)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, open_websocket_url

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator

TOKEN = "s3cret"
TIMEOUT = 10

pytestmark = pytest.mark.trio


@asynccontextmanager
async def serving(profile: str = "gocq") -> AsyncIterator[tuple[Simulator, str, str]]:
    onebot = default_onebot_config(http_port=0, ws_port=0, token=TOKEN)
    onebot.network.httpServers[0].enableWebsocket = True
    config = SimulatorConfig(bots={10001: onebot}, control_port=None, profile=profile)
    async with open_simulator(config) as sim:
        ws = sim.url("ws")
        http = sim.url("http")
        yield sim, ws, http


@pytest.mark.parametrize(("headers", "status"), [
    ([], 401),
    ([("Authorization", "Bearer wrong")], 403),
])
@pytest.mark.parametrize("where", ["ws", "http-ws"])
async def test_a_bad_token_fails_the_websocket_handshake(
    headers: Any, status: int, where: str
) -> None:
    with trio.fail_after(TIMEOUT):
        async with serving() as (_, ws, http):
            url = ws if where == "ws" else http.replace("http://", "ws://")
            with pytest.raises(ConnectionRejected) as rejected:
                async with open_websocket_url(url + "/", extra_headers=headers):
                    pass
    assert rejected.value.status_code == status


async def test_http_says_401_for_a_missing_token_and_403_for_a_wrong_one() -> None:
    with trio.fail_after(TIMEOUT):
        async with serving() as (_, _, http), httpx.AsyncClient(base_url=http) as client:
            missing = await client.get("/get_status")
            wrong = await client.get("/get_status", headers={"Authorization": "Token nope"})
            right = await client.get("/get_status", headers={"Authorization": f"Token {TOKEN}"})
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 403, 200)


async def test_event_path_is_event_only_and_lifecycle_names_the_post_method() -> None:
    auth = [("Authorization", f"Bearer {TOKEN}")]
    with trio.fail_after(TIMEOUT):
        async with serving() as (sim, ws_url, _), open_websocket_url(
            ws_url + "/event", extra_headers=auth
        ) as ws:
            lifecycle = json.loads(await ws.get_message())
            await ws.send_message(json.dumps({"action": "get_status", "echo": 1}))
            sim.person(20003).send_group_msg(100100, "event")
            next_frame = json.loads(await ws.get_message())
    assert lifecycle["_post_method"] == 2
    assert next_frame.get("post_type") == "message"  # the request got no answer


async def test_napcat_event_path_is_universal() -> None:
    auth = [("Authorization", f"Bearer {TOKEN}")]
    with trio.fail_after(TIMEOUT):
        async with serving("napcat") as (_, ws_url, _), open_websocket_url(
            ws_url + "/event", extra_headers=auth
        ) as ws:
            lifecycle = json.loads(await ws.get_message())
            await ws.send_message(json.dumps({"action": "get_status", "echo": 1}))
            answer = json.loads(await ws.get_message())
    assert "_post_method" not in lifecycle
    assert (answer["status"], answer["echo"]) == ("ok", 1)
