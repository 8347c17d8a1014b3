"""NapCat's HTTP API server, over real sockets: what a bot sees on the wire."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@asynccontextmanager
async def serving(token: str = TOKEN) -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    """A simulator and an HTTP client whose base URL is the bot's HTTP server."""
    config = SimulatorConfig(
        bots={10001: default_onebot_config(http_port=0, ws_port=0, token=token)},
        control_port=None,
    )
    async with open_simulator(config) as sim:
        url = sim.url("http")
        async with httpx.AsyncClient(base_url=url) as client:
            yield sim, client


def texts(sim: Simulator, group_id: int = 100100) -> list[str]:
    return [m.raw_message for m in sim.history(group_id=group_id)]


@pytest.mark.trio
async def test_root_says_napcat_is_running() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.get("/", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == (
        '{"status":"ok","retcode":0,"data":{},"message":"NapCat4 Is Running","wording":"",'
        '"echo":null,"stream":"normal-action"}'
    )


@pytest.mark.trio
@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/get_login_info", {"Authorization": f"Bearer {TOKEN}"}),
        ("/get_login_info", {"Authorization": TOKEN}),  # NapCat: the Bearer prefix is optional
        (f"/get_login_info?access_token={TOKEN}", {}),
        (f"/get_login_info?access_token={TOKEN}", {"Authorization": "Bearer wrong"}),
        ("/get_login_info?access_token=", {"Authorization": f"Bearer {TOKEN}"}),
    ],
)
async def test_a_valid_token_is_accepted(url: str, headers: dict[str, str]) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]["user_id"] == 10001


@pytest.mark.trio
@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/get_login_info", {}),
        ("/get_login_info", {"Authorization": "Bearer wrong"}),
        ("/get_login_info", {"Authorization": "wrong"}),
        ("/get_login_info?access_token=wrong", {"Authorization": f"Bearer {TOKEN}"}),
        ("/", {}),
    ],
)
async def test_a_missing_or_wrong_token_is_403(url: str, headers: dict[str, str]) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.get(url, headers=headers)
    assert response.status_code == 403
    assert response.text == '{"message":"token verify failed!"}'
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.trio
async def test_no_token_configured_means_no_check() -> None:
    with trio.fail_after(10):
        async with serving(token="") as (_, client):
            response = await client.get("/get_login_info", headers={"Authorization": "x"})
    assert response.json()["retcode"] == 0


@pytest.mark.trio
async def test_get_reads_the_query_string_and_coerces_its_strings() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.get(
                "/send_group_msg", params={"group_id": "100100", "message": "from get"},
                headers=AUTH,
            )
            assert response.json()["status"] == "ok"
            assert texts(sim)[-1] == "from get"


@pytest.mark.trio
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('{"group_id": 100100, "message": "sent"}', "application/json"),
        ("{group_id: 100100, message: 'sent', /* JSON5 */}", "application/json"),
        ("{group_id: 100100, message: 'sent'}", "text/plain"),  # NapCat ignores the type
        ("group_id=100100&message=sent", "application/x-www-form-urlencoded"),
    ],
)
async def test_post_bodies_json_json5_and_form(content: str, content_type: str) -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.post(
                "/send_group_msg", content=content,
                headers={**AUTH, "Content-Type": content_type},
            )
            assert response.json()["status"] == "ok"
            assert texts(sim)[-1] == "sent"


@pytest.mark.trio
async def test_the_query_wins_over_the_body() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.post(
                "/send_group_msg?message=from+query",
                json={"group_id": 100100, "message": "from body"}, headers=AUTH,
            )
            assert response.json()["status"] == "ok"
            assert texts(sim)[-1] == "from query"


@pytest.mark.trio
async def test_an_empty_body_is_an_empty_object() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post("/get_login_info", content=b"", headers=AUTH)
    assert response.json()["data"]["user_id"] == 10001


@pytest.mark.trio
async def test_bad_json_is_a_plain_400_checked_after_the_token() -> None:
    # NapCat parses the body first; qqsim reads no body before the token (issue 11).
    with trio.fail_after(10):
        async with serving() as (_, client):
            with_token = await client.post("/get_login_info", content="{oops", headers=AUTH)
            without = await client.post("/get_login_info", content="{oops")
    assert with_token.status_code == 400
    assert with_token.text == "Invalid JSON"
    assert without.status_code == 403
    for response in (with_token, without):
        assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.trio
async def test_unknown_action_is_http_200_retcode_200() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            named = await client.post("/no_such_action", json={"echo": "e1"}, headers=AUTH)
            bare = await client.post("/no_such_action", headers=AUTH)
    assert named.status_code == 200
    assert named.json() == {
        "status": "failed", "retcode": 200, "data": None, "message": "不支持的Api no_such_action",
        "wording": "不支持的Api no_such_action", "echo": "e1", "stream": "normal-action",
    }
    # Without an echo NapCat invents a random base-36 one.
    echo = bare.json()["echo"]
    assert isinstance(echo, str) and echo and echo.isalnum()


@pytest.mark.trio
async def test_bad_params_are_retcode_400_with_a_null_echo() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post(
                "/get_msg", json={"message_id": "abc", "echo": "kept?"}, headers=AUTH
            )
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["retcode"], body["echo"]) == ("failed", 400, None)
    assert body["message"].startswith("Schema compilation error: Expected number")


@pytest.mark.trio
@pytest.mark.parametrize("echo", ["abc", 42, {"id": [1, "x"]}])
async def test_echo_comes_back_unchanged(echo: Any) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post("/get_status", json={"echo": echo}, headers=AUTH)
    assert response.json()["echo"] == echo


@pytest.mark.trio
async def test_a_null_echo_gets_a_random_one() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post("/get_status", json={"echo": None}, headers=AUTH)
    echo = response.json()["echo"]
    assert isinstance(echo, str) and echo.isalnum()


@pytest.mark.trio
async def test_echo_from_the_query_is_a_string() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.get("/get_status?echo=7", headers=AUTH)
    assert response.json()["echo"] == "7"


@pytest.mark.trio
@pytest.mark.parametrize("path", ["/get_login_info_async", "/get_login_info/", "/get_login_info/x"])
async def test_action_is_the_first_path_segment_and_async_is_an_alias(path: str) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.get(path, headers=AUTH)
    body = response.json()
    assert (body["status"], body["retcode"]) == ("ok", 0)
    assert body["data"]["user_id"] == 10001


@pytest.mark.trio
async def test_cors_header_and_preflight_without_token() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            ok = await client.get("/get_status", headers=AUTH)
            preflight = await client.options(
                "/send_msg", headers={"Origin": "http://example.com",
                                      "Access-Control-Request-Method": "POST",
                                      "Access-Control-Request-Headers": "authorization"},
            )
    assert ok.headers["access-control-allow-origin"] == "*"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization"


@pytest.mark.trio
async def test_a_slow_request_does_not_hold_up_another() -> None:
    """A request whose body is still arriving is in flight while a second one is answered."""
    with trio.fail_after(10):
        async with serving() as (sim, client):
            port = next(e.port for e in sim.endpoints if e.kind == "http")
            body = json.dumps({"group_id": 100100, "message": "slow"}).encode()
            head = (f"POST /send_group_msg HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            async with stream:
                await stream.send_all(head + body[:5])
                fast = await client.get("/get_status", headers=AUTH)
                assert fast.json()["status"] == "ok"
                assert "slow" not in texts(sim)
                await stream.send_all(body[5:])
                status, reply = await read_response(stream)
    assert status.startswith(b"HTTP/1.1 200")
    assert reply["status"] == "ok"
    assert texts(sim)[-1] == "slow"


async def read_response(stream: trio.SocketStream) -> tuple[bytes, Any]:
    """The status line and JSON body of one HTTP/1.1 response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive_some()
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += await stream.receive_some()
    return lines[0], json.loads(body)
