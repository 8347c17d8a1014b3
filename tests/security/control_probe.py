"""What the control-listener probes share: a served simulator, hostile requests, and the
check that a bot is still answered within a second while they run and after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator

BOT = 10001


@asynccontextmanager
async def serving(**config: Any) -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    """A simulator with the bot on HTTP and WS listeners, and a client of its control API."""
    settings = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                               control_port=0, **config)
    async with open_simulator(settings) as sim, httpx.AsyncClient(
        base_url=sim.url("control")
    ) as client:
        yield sim, client


async def bot_answers(sim: Simulator) -> None:
    """The authenticated bot's ``get_login_info``, over its HTTP listener, within 1 s."""
    async with httpx.AsyncClient() as client:
        with trio.fail_after(1):
            response = await client.post(sim.url("http") + "/get_login_info", json={})
    assert response.json()["data"]["user_id"] == BOT


async def under_attack(sim: Simulator, attack: Callable[[], Awaitable[None]],
                       check: Callable[[Simulator], Awaitable[None]] = bot_answers) -> None:
    """Repeat ``attack`` (which asserts its refusal) while the bot calls, then call again.

    ``check`` is the bot's call that must be answered in time, during and after.
    """
    refused_once = trio.Event()
    stop = False

    async def keep_attacking() -> None:
        while not stop:
            await attack()
            refused_once.set()
            await trio.sleep(0)  # an attack refused without blocking must let the bot in

    async with trio.open_nursery() as nursery:
        nursery.start_soon(keep_attacking)
        await refused_once.wait()
        await check(sim)  # during
        stop = True
    await check(sim)  # after


async def raw_status(port: int, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as is to 127.0.0.1:``port``; the status and the response head."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await stream.receive_some(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1]), head


async def read_listeners(process: trio.Process, *kinds: str) -> dict[str, str]:
    """Read a ``qqsim run`` subprocess's stdout until it has listed a listener of each of
    ``kinds``: the URL of each listener kind it printed."""
    assert process.stdout is not None
    urls: dict[str, str] = {}
    text = ""
    while not all(kind in urls for kind in kinds):
        chunk = await process.stdout.receive_some(4096)
        assert chunk, f"qqsim ended before listening: {text!r}"
        text += chunk.decode()
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].startswith(("http://", "ws://")):
                urls[parts[0]] = parts[1]
    return urls
