"""Issue 11 row 3, the answer itself: a 413 (body over the cap) or a 408 (body too slow)
must reach the HTTP client as a response, not as a connection reset.

A client that writes its whole body before reading (``http.client``, hence ``requests``
and urllib3) used to get ``BrokenPipeError`` / ``ConnectionResetError`` instead: the
server closed the socket with the rest of the body unread, which sends a reset. The
server now ends its side after the answer and reads and discards what still comes
(bounded: ``guard.DRAIN_BYTES`` / ``guard.DRAIN_SECONDS``). httpx reads an early answer
even when its write fails, so it is checked too but would not catch the reset.
"""

from __future__ import annotations

import dataclasses
import http.client
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import control_probe as probe
import httpx
import pytest
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.adapters import wire
from simulator.app import Simulator

CAP = 1024 * 1024
CHUNK = 128 * 1024


@pytest.fixture(autouse=True)
def short_limits(monkeypatch: pytest.MonkeyPatch) -> wire.Limits:
    limits = dataclasses.replace(wire.LIMITS, http_body_max=CAP, body_seconds=0.5)
    monkeypatch.setattr(wire, "LIMITS", limits)
    return limits


@asynccontextmanager
async def serving() -> AsyncIterator[Simulator]:
    config = SimulatorConfig(bots={probe.BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim:
        yield sim


def trickle(chunks: int, pause: float, first: bytes = b"") -> Iterator[bytes]:
    """A body sent slowly, so that it is still coming when the server has answered."""
    if first:
        yield first
    for _ in range(chunks):
        # Real time on purpose: a blocking client (http.client, httpx's sync client) writes
        # this body from its own thread while the server reads it; the pause is what makes
        # the body arrive after the answer.
        time.sleep(pause)
        yield b" " * CHUNK


def stdlib_post(port: int, body: Iterator[bytes], length: int) -> tuple[int, bytes]:
    """``http.client``: writes the whole body, then reads the answer (as requests does)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("POST", "/send_group_msg", body=body, headers={
            "Content-Type": "application/json", "Content-Length": str(length)})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def httpx_post(url: str, body: Iterator[bytes], length: int) -> tuple[int, bytes]:
    with httpx.Client(timeout=15) as client:
        response = client.post(url + "/send_group_msg", content=body, headers={
            "Content-Type": "application/json", "Content-Length": str(length)})
        return response.status_code, response.content


async def refused_in_a_thread(sim: Simulator, post: str, first: bytes, chunks: int,
                              pause: float, expected: tuple[int, bytes]) -> None:
    """The post, from a thread, answered ``expected``, while the bot is answered in time."""
    port = int(sim.url("http").rsplit(":", 1)[1])
    length = len(first) + chunks * CHUNK

    def send() -> tuple[int, bytes]:
        body = trickle(chunks, pause, first)
        if post == "http.client":
            return stdlib_post(port, body, length)
        return httpx_post(sim.url("http"), body, length)

    async def attack() -> None:
        assert await trio.to_thread.run_sync(send) == expected

    await probe.under_attack(sim, attack)


@pytest.mark.trio
@pytest.mark.parametrize("post", ["http.client", "httpx"])
async def test_a_413_is_read_by_a_client_still_sending(post: str) -> None:
    # 3 MiB over 1.2 s: the answer leaves at once, the body keeps coming after it.
    with trio.fail_after(20):
        async with serving() as sim:
            await refused_in_a_thread(sim, post, b"", 24, 0.05, (
                413, b'{"message":"request body over 1048576 bytes"}'))


@pytest.mark.trio
@pytest.mark.parametrize("post", ["http.client", "httpx"])
async def test_a_408_is_read_by_a_client_still_sending(post: str) -> None:
    # A pause past the 0.5 s body deadline, then more of the body.
    with trio.fail_after(20):
        async with serving() as sim:
            await refused_in_a_thread(sim, post, b'{"group_id": 1', 4, 0.4, (
                408, b'{"message":"request body not received within 0.5 s"}'))
