"""The fixture's bot listeners start at their first use, in every kind of test.

A test that never reads a URL binds no port (binding them was most of what an empty test
cost); reading one binds that kind at once, synchronously, so its address is known even in
a trio test (the simulator runs in the test's loop and a property cannot await), and a bot
that connects before the serving task has run waits in the listen backlog.
"""

from __future__ import annotations

import json
import socket

import httpx
import pytest
import trio_websocket

from simulator.testing import AsyncQQSim, QQSim
from simulator.testing.session import open_qqsim, open_trio_qqsim


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.trio
async def test_trio_listeners_start_at_their_first_use(qqsim: AsyncQQSim) -> None:
    assert qqsim.sim.endpoints == []  # nothing bound yet
    url = qqsim.ws_url  # bound now, served from a task that has not run yet
    assert [e.kind for e in qqsim.sim.endpoints] == ["ws"]
    async with trio_websocket.open_websocket_url(url + "/") as ws:
        lifecycle = json.loads(await ws.get_message())
        assert (lifecycle["post_type"], lifecycle["self_id"]) == ("meta_event", qqsim.bot)
    async with httpx.AsyncClient() as client:
        answer = await client.post(qqsim.http_url + "/get_login_info")
    assert answer.json()["data"]["user_id"] == qqsim.bot
    assert sorted(e.kind for e in qqsim.endpoints) == ["http", "ws"]
    assert qqsim.url("ws") == url  # started once


@pytest.mark.trio
async def test_a_trio_listener_read_but_never_served_is_closed() -> None:
    async with open_trio_qqsim() as qq:
        ports = [_port(qq.ws_url), _port(qq.http_url)]
        assert not any(_free(port) for port in ports)
    assert all(_free(port) for port in ports)


def test_sync_listeners_start_at_their_first_use(qqsim: QQSim) -> None:
    assert qqsim._host.call(lambda: list(qqsim.sim.endpoints)) == []
    answer = httpx.post(qqsim.http_url + "/get_login_info")
    assert answer.json()["data"]["user_id"] == qqsim.bot
    assert [e.kind for e in qqsim.endpoints] == ["http", "ws"]


def test_sync_listeners_are_closed_with_the_world() -> None:
    with open_qqsim() as qq:
        ports = [_port(qq.ws_url), _port(qq.http_url)]
        assert not any(_free(port) for port in ports)
    assert all(_free(port) for port in ports)
