"""NapCat's forward WebSocket server, over real sockets: what a bot sees on the wire."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator

TOKEN = "s3cret"
AUTH = [("Authorization", f"Bearer {TOKEN}")]


@asynccontextmanager
async def serving(
    token: str = TOKEN, **ws_settings: Any
) -> AsyncIterator[tuple[Simulator, str]]:
    """A simulator and the ws:// URL of the bot's WebSocket server."""
    onebot = default_onebot_config(http_port=0, ws_port=0, token=token)
    for key, value in ws_settings.items():
        setattr(onebot.network.websocketServers[0], key, value)
    config = SimulatorConfig(bots={10001: onebot}, control_port=None)
    async with open_simulator(config) as sim:
        yield sim, sim.url("ws")


@asynccontextmanager
async def connect(url: str, path: str = "/", headers: Any = AUTH
                  ) -> AsyncIterator[WebSocketConnection]:
    async with open_websocket_url(url + path, extra_headers=headers) as ws:
        yield ws


async def receive(ws: WebSocketConnection) -> Any:
    return json.loads(await ws.get_message())


async def call(ws: WebSocketConnection, frame: Any) -> Any:
    await ws.send_message(frame if isinstance(frame, str) else json.dumps(frame))
    return await receive(ws)


def is_lifecycle(frame: dict[str, Any]) -> bool:
    return frame.get("meta_event_type") == "lifecycle" and frame.get("sub_type") == "connect"


@pytest.mark.trio
@pytest.mark.parametrize("path", ["/", "/event", "/anything?x=1"])
async def test_universal_paths_start_with_lifecycle_connect(path: str) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, path) as ws:
            first = await receive(ws)
    assert is_lifecycle(first)
    assert (first["self_id"], first["post_type"]) == (10001, "meta_event")


@pytest.mark.trio
@pytest.mark.parametrize("path", ["/api", "/api/", "/api?x=1"])
async def test_api_path_gets_no_lifecycle_and_no_events(path: str) -> None:
    with trio.fail_after(10):
        async with serving() as (sim, url), connect(url, path) as ws:
            sim.person(20003).send_group_msg(100100, "not for /api")
            answer = await call(ws, {"action": "get_status", "echo": "only"})
    assert answer["echo"] == "only"
    assert answer["status"] == "ok"


@pytest.mark.trio
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", [("Authorization", f"Bearer {TOKEN}")]),
        ("/", [("Authorization", TOKEN)]),
        (f"/?access_token={TOKEN}", []),
        (f"/?access_token={TOKEN}", [("Authorization", "Bearer wrong")]),
    ],
)
async def test_a_valid_token_is_accepted(path: str, headers: Any) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, path, headers) as ws:
            assert is_lifecycle(await receive(ws))


@pytest.mark.trio
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", []),
        ("/", [("Authorization", "Bearer wrong")]),
        ("/api?access_token=wrong", [("Authorization", f"Bearer {TOKEN}")]),
    ],
)
async def test_a_bad_token_gets_one_1403_frame_then_close(path: str, headers: Any) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, path, headers) as ws:
            refusal = await receive(ws)
            with pytest.raises(ConnectionClosed):
                await ws.get_message()
    assert refusal == {
        "status": "failed", "retcode": 1403, "data": None, "message": "token验证失败",
        "wording": "token验证失败", "echo": None, "stream": "normal-action",
    }


@pytest.mark.trio
async def test_unknown_action_is_1404_with_null_echo_when_absent() -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            bare = await call(ws, {"action": "no_such_action"})
            named = await call(ws, {"action": "no_such_action", "echo": "e"})
    assert bare == {
        "status": "failed", "retcode": 1404, "data": None, "message": "不支持的API no_such_action",
        "wording": "不支持的API no_such_action", "echo": None, "stream": "normal-action",
    }
    assert named["echo"] == "e"


@pytest.mark.trio
async def test_bad_params_are_1400_and_keep_the_echo() -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            named = await call(ws, {"action": "get_msg", "params": {"message_id": "x"},
                                    "echo": 9})
            bare = await call(ws, {"action": "get_msg", "params": {}})
    assert (named["status"], named["retcode"], named["echo"]) == ("failed", 1400, 9)
    assert named["message"].startswith("Schema compilation error: Expected number")
    assert (bare["retcode"], bare["echo"]) == (1400, "")


@pytest.mark.trio
@pytest.mark.parametrize("frame", ["{oops", "null"])
async def test_bad_json_is_1400_with_null_echo(frame: str) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            answer = await call(ws, frame)
            still_serving = await call(ws, {"action": "get_status", "echo": 1})
    assert answer == {
        "status": "failed", "retcode": 1400, "data": None,
        "message": "json解析失败,请检查数据格式", "wording": "json解析失败,请检查数据格式",
        "echo": None, "stream": "normal-action",
    }
    assert still_serving["status"] == "ok"


@pytest.mark.trio
async def test_json5_frames_and_missing_params_are_accepted() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, url), connect(url, "/api") as ws:
            sent = await call(ws, "{action: 'send_group_msg', params: {group_id: 100100, "
                                  "message: 'json5'}, echo: 'j',}")
            login = await call(ws, {"action": "get_login_info", "params": None})
            assert sim.history(group_id=100100)[-1].raw_message == "json5"
    assert (sent["status"], sent["echo"]) == ("ok", "j")
    assert login["data"]["user_id"] == 10001
    assert login["echo"] == ""  # a request without echo is answered with ""


@pytest.mark.trio
@pytest.mark.parametrize("echo", ["abc", 42, {"id": [1, "x"]}])
async def test_echo_comes_back_unchanged(echo: Any) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            answer = await call(ws, {"action": "get_status", "echo": echo})
    assert answer["echo"] == echo


@pytest.mark.trio
async def test_a_null_echo_is_answered_like_a_missing_one() -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            known = await call(ws, {"action": "get_status", "echo": None})
            unknown = await call(ws, {"action": "nope", "echo": None})
    assert (known["echo"], unknown["echo"]) == ("", None)  # NapCat: `echo ?? ''`


@pytest.mark.trio
@pytest.mark.parametrize("frame", ['[1, 2]', '{"params": {"a": 1}}', '{"action": null}'])
async def test_frames_without_an_action_name_it_as_js_does(frame: str) -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            answer = await call(ws, frame)
    expected = "null" if "null" in frame else "undefined"
    assert (answer["retcode"], answer["message"]) == (1404, f"不支持的API {expected}")
    assert answer["echo"] is None


@pytest.mark.trio
async def test_a_bare_json_scalar_gets_no_answer_as_in_napcat() -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            await ws.send_message("123")
            answer = await call(ws, {"action": "get_status", "echo": "next"})
    assert answer["echo"] == "next"


@pytest.mark.trio
async def test_async_suffix_is_a_plain_alias() -> None:
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            answer = await call(ws, {"action": "get_login_info_async", "echo": "a"})
    assert (answer["status"], answer["retcode"]) == ("ok", 0)
    assert answer["data"]["user_id"] == 10001


@pytest.mark.trio
async def test_heartbeats_arrive_every_heart_interval() -> None:
    with trio.fail_after(10):
        async with serving(heartInterval=100) as (_, url), connect(url) as ws:
            assert is_lifecycle(await receive(ws))
            started = trio.current_time()
            beats = [await receive(ws), await receive(ws)]
            elapsed = trio.current_time() - started
    for beat in beats:
        assert (beat["post_type"], beat["meta_event_type"]) == ("meta_event", "heartbeat")
        assert beat["interval"] == 100
        assert beat["status"] == {"online": True, "good": True}
    assert 0.15 <= elapsed < 2


@pytest.mark.trio
async def test_heart_interval_zero_sends_no_heartbeat() -> None:
    with trio.fail_after(10):
        async with serving(heartInterval=0) as (_, url), connect(url) as ws:
            assert is_lifecycle(await receive(ws))
            with trio.move_on_after(0.3) as waited:
                await ws.get_message()
    assert waited.cancelled_caught


@pytest.mark.trio
@pytest.mark.parametrize(("fmt", "message"), [
    ("array", [{"type": "text", "data": {"text": "hi"}}]),
    ("string", "hi"),
])
async def test_a_group_message_arrives_as_an_event(fmt: str, message: Any) -> None:
    with trio.fail_after(10):
        async with serving(messagePostFormat=fmt) as (sim, url), connect(url) as ws:
            assert is_lifecycle(await receive(ws))
            stored = sim.person(20003).send_group_msg(100100, "hi")
            event = await receive(ws)
    assert (event["post_type"], event["message_type"]) == ("message", "group")
    assert (event["group_id"], event["user_id"]) == (100100, 20003)
    assert event["message_id"] == stored.message_id
    assert event["message"] == message
    assert event["message_format"] == fmt


@pytest.mark.trio
async def test_many_pipelined_requests_are_each_answered_once() -> None:
    """More requests in flight than the per-connection limit: nothing stalls or is lost."""
    count = 200
    with trio.fail_after(10):
        async with serving() as (_, url), connect(url, "/api") as ws:
            for echo in range(count):
                await ws.send_message(json.dumps({"action": "get_status", "echo": echo}))
            answers = [await receive(ws) for _ in range(count)]
    assert sorted(a["echo"] for a in answers) == list(range(count))
    assert all(a["status"] == "ok" for a in answers)


@pytest.mark.trio
async def test_a_closed_connection_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="qqsim")
    with trio.fail_after(10):
        async with serving() as (sim, url):
            async with connect(url) as ws:
                assert is_lifecycle(await receive(ws))
                assert len(sim.connections) == 1
                await ws.send_message(json.dumps({"action": "get_status"}))
            await sim.wait_disconnected()
            sim.person(20003).send_group_msg(100100, "after the bot left")
            assert sim.bus.statistics().subscribers == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("disconnected" in r.getMessage() for r in caplog.records)
