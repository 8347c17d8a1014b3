"""The bot HTTP listener's edges, now a plain ASGI app rather than a Quart one.

Its answers were compared byte for byte (status, headers and their order, bodies) with
the Quart app's over a matrix of requests under both profiles; these are the edges the
other HTTP tests do not cover, and the one place it now differs: ``OPTIONS /_events``
gets the CORS preflight every other path gets, as NapCat's cors() middleware answers,
where Quart's automatic OPTIONS answered 200 with no ``Access-Control-Allow-Headers``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

from simulator import SimulatorConfig, open_simulator
from simulator.config import HttpServerConfig, HttpSseServerConfig, NetworkConfig, OneBotConfig

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


@asynccontextmanager
async def listening(sse: bool) -> AsyncIterator[int]:
    server = (HttpSseServerConfig if sse else HttpServerConfig)(enable=True, port=0)
    network = NetworkConfig(**{"httpSseServers" if sse else "httpServers": [server]})
    config = SimulatorConfig(bots={10001: OneBotConfig(network=network)}, control_port=None)
    async with open_simulator(config) as sim:
        yield int(sim.url("sse" if sse else "http").rsplit(":", 1)[1])


async def exchange(port: int, request: str) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request; the status, headers (lower case) and body of the answer."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += await stream.receive_some(65536)
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        pairs = (line.split(": ", 1) for line in lines[1:])
        headers = {name.lower(): value for name, value in pairs}
        while len(body) < int(headers.get("content-length", "0")):
            body += await stream.receive_some(65536)
    return int(lines[0].split(" ")[1]), headers, body


@pytest.mark.trio
async def test_a_preflight_of_the_event_stream_is_answered_as_any_other() -> None:
    with trio.fail_after(20):
        async with listening(sse=True) as port:
            status, headers, _ = await exchange(
                port, "OPTIONS /_events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Access-Control-Request-Headers: authorization\r\n\r\n")
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-headers"] == "authorization"
    assert headers["access-control-allow-methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE"


@pytest.mark.trio
async def test_a_method_express_has_no_route_for_is_a_405_page() -> None:
    with trio.fail_after(20):
        async with listening(sse=False) as port:
            status, headers, body = await exchange(
                port, "TRACE /get_status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 405
    assert sorted(headers["allow"].split(", ")) == sorted(
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    assert headers["x-powered-by"] == "Express"
    assert b"<title>405 Method Not Allowed</title>" in body


@pytest.mark.trio
async def test_a_websocket_handshake_without_enable_websocket_is_refused() -> None:
    with trio.fail_after(20):
        async with listening(sse=False) as port:
            status, headers, body = await exchange(
                port, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n")
    assert status == 400
    assert "access-control-allow-origin" not in headers  # as Quart: no after_request here
    assert b"<title>400 Bad Request</title>" in body
