"""Issue 11 row 4: DNS rebinding. A page of evil.example whose name has been rebound to
127.0.0.1 is same-origin to the browser (Origin and Host agree), so only the ``Host``
check stops it; without a control token it must reach no route at all."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
import trio
from control_probe import BOT, bot_answers, raw_status, serving, under_attack

from simulator.app import Simulator
from simulator.control.policy import STATIC

GROUP = 100100


def control_port(sim: Simulator) -> int:
    return next(e.port for e in sim.endpoints if e.kind == "control")


def rebound(sim: Simulator, host: str = "evil.example") -> dict[str, str]:
    """Headers of a page served from ``host`` on the control port, after rebinding."""
    where = f"{host}:{control_port(sim)}"
    return {"Host": where, "Origin": f"http://{where}"}


def static_asset() -> str:
    return "/static/" + sorted(p.name for p in STATIC.iterdir() if p.suffix == ".js")[0]


# What the rebound page tries: read the world, post as a person, arm a fault, load the
# console and its assets, and a route that does not exist (refused before routing).
PROBES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/world", None),
    ("GET", f"/api/groups/{GROUP}/messages", None),
    ("POST", "/api/people/20003/messages", {"group_id": GROUP, "message": "pwned"}),
    ("POST", "/api/faults", {"kind": "fail"}),
    ("DELETE", "/api/faults", None),
    ("GET", "/", None),
    ("GET", "/favicon.ico", None),
    ("GET", "static", None),
    ("GET", "/no/such/route", None),
    ("OPTIONS", "/api/world", None),
]


@pytest.mark.trio
@pytest.mark.parametrize(("method", "path", "body"), PROBES)
async def test_a_rebound_host_reaches_no_route(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    path = static_asset() if path == "static" else path
    with trio.fail_after(10):
        async with serving() as (sim, client):
            async def attack() -> None:
                response = await client.request(method, path, json=body, headers=rebound(sim))
                assert response.status_code == 403, response.text
                assert "Host" in response.json()["error"]

            await under_attack(sim, attack)
            said = [m.raw_message for m in sim.history(group_id=GROUP)]
            armed = list(sim.faults.active)
    assert "pwned" not in said
    assert armed == []


@pytest.mark.trio
async def test_a_rebound_host_cannot_open_the_live_stream() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _):
            port = control_port(sim)
            key = base64.b64encode(os.urandom(16)).decode()
            headers = "".join(f"{k}: {v}\r\n" for k, v in rebound(sim).items())
            handshake = (f"GET /api/stream HTTP/1.1\r\n{headers}Upgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n").encode()

            async def attack() -> None:
                status, head = await raw_status(port, handshake)
                assert status == 403, head

            await under_attack(sim, attack)


@pytest.mark.trio
@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.",
                                  "[::2]", "0.0.0.0", "localhost:80:80", "localhost:x",
                                  "localhost:", "[::1]:", ""])
async def test_other_host_names_are_refused(host: str) -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            async def attack() -> None:
                response = await client.get("/api/world", headers={"Host": host})
                assert response.status_code == 403

            await under_attack(sim, attack)


@pytest.mark.trio
async def test_a_request_without_host_is_refused() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _):
            async def attack() -> None:  # HTTP/1.0 may leave Host out; a browser never does
                status, head = await raw_status(control_port(sim),
                                                b"GET /api/world HTTP/1.0\r\n\r\n")
                assert status == 403, head

            await under_attack(sim, attack)


@pytest.mark.trio
async def test_loopback_names_with_or_without_the_port_are_served() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            port = control_port(sim)
            statuses = {}
            for host in ("127.0.0.1", "localhost", "LocalHost", "[::1]"):
                for value in (host, f"{host}:{port}"):
                    response = await client.get("/api/world", headers={"Host": value})
                    statuses[value] = response.status_code
            await bot_answers(sim)
    assert set(statuses.values()) == {200}, statuses


@pytest.mark.trio
async def test_a_rebound_host_is_refused_even_with_the_token() -> None:
    # The token already stops the page (it cannot present it); refusing the name too
    # keeps the console's public page and assets from loading under a foreign origin.
    with trio.fail_after(10):
        async with serving(control_token="ctl") as (sim, client):
            async def attack() -> None:
                response = await client.get("/", headers=rebound(sim))
                assert response.status_code == 403

            await under_attack(sim, attack)
            ours = await client.get("/api/world", headers={"Authorization": "Bearer ctl"})
    assert ours.status_code == 200


@pytest.mark.trio
async def test_the_configured_control_host_is_served() -> None:
    with trio.fail_after(10):
        async with serving(control_host="127.0.0.1") as (sim, client):
            response = await client.get("/api/world")
            await bot_answers(sim)
    assert response.status_code == 200
    assert BOT in [a["user_id"] for a in response.json()["bots"]]


def test_host_names_cover_loopback_and_the_configured_host() -> None:
    from simulator.control.policy import host_allowed, host_names

    names = host_names("::1")
    assert host_allowed("[::1]:6099", names) and host_allowed("[::1]", names)
    assert not host_allowed("[::1]x", names)
    lan = host_names("192.168.1.5")  # a LAN address (given with a token)
    assert host_allowed("192.168.1.5:6099", lan) and host_allowed("localhost", lan)
    assert not host_allowed("192.168.1.6:6099", lan)
    assert not host_allowed(None, lan)
