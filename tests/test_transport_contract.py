"""One contract battery, run over every way a bot connects (napcat.md §2, §3.3).

Each test runs once per transport kind (``bots/transport_kit.py``): forward
WebSocket, the HTTP server's WebSocket, reverse WebSocket, HTTP API, HTTP SSE
and HTTP POST webhook. Where NapCat deliberately answers differently on a
transport (400/200 vs 1400/1200/1404, 403 vs a 1403 frame, no meta events on
SSE and webhooks), the expected answer is spelled out per kind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
import pytest
import trio
from bots.peers import ReverseWsServer, WebhookReceiver
from bots.transport_kit import (
    BOT,
    BY_NAME,
    KINDS,
    TOKEN,
    HttpBot,
    Kind,
    WsBot,
    heartbeat_ms,
    http_url,
    start,
    stop,
)
from log_watch import watching
from trio_websocket import ConnectionClosed

from simulator import SimulatorConfig, open_simulator

GROUP = 100100
PERSON = 20003
TIMEOUT = 10

pytestmark = pytest.mark.trio

all_kinds = pytest.mark.parametrize("kind", KINDS, ids=str)
event_kinds = pytest.mark.parametrize("kind", [k for k in KINDS if k.events], ids=str)


# -- auth ------------------------------------------------------------------------------


@all_kinds
async def test_the_right_token_lets_the_bot_act(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, bot):
            answer = await bot.call("get_login_info", echo="who")
            sent = await bot.call("send_group_msg", {"group_id": GROUP, "message": "hello"})
            history = sim.history(group_id=GROUP)
    assert (answer["status"], answer["retcode"], answer["echo"]) == ("ok", 0, "who")
    assert answer["data"]["user_id"] == BOT
    assert history[-1].message_id == sent["data"]["message_id"]
    assert history[-1].raw_message == "hello"


@pytest.mark.parametrize(
    "kind", [BY_NAME["ws-server"], BY_NAME["http-ws"], BY_NAME["sse-ws"]], ids=str)
@pytest.mark.parametrize("token", ["", "wrong"])
async def test_a_bad_token_on_a_websocket_gets_a_1403_frame_then_close(
    kind: Kind, token: str
) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind, client_token=token) as (_, bot):
            assert isinstance(bot, WsBot)
            refusal = json.loads(await bot.ws.get_message())
            with pytest.raises(ConnectionClosed):
                await bot.ws.get_message()
    assert refusal == {
        "status": "failed", "retcode": 1403, "data": None, "message": "token验证失败",
        "wording": "token验证失败", "echo": None, "stream": "normal-action",
    }


@pytest.mark.parametrize("kind", [BY_NAME["http"], BY_NAME["sse"], BY_NAME["webhook"]],
                         ids=str)
@pytest.mark.parametrize("path", ["/get_status", "/", "/_events"])
async def test_a_bad_token_over_http_is_a_403(kind: Kind, path: str) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, _), httpx.AsyncClient(
            base_url=http_url(sim)
        ) as client:
            missing = await client.get(path)
            wrong = await client.get(path, headers={"Authorization": "Bearer nope"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert response.text == '{"message":"token verify failed!"}'


async def test_webhook_posts_carry_a_valid_signature() -> None:
    with trio.fail_after(TIMEOUT):
        async with start(BY_NAME["webhook"]) as (sim, bot):
            assert isinstance(bot, HttpBot) and bot.webhook is not None
            sim.person(PERSON).send_group_msg(GROUP, "signed")
            post = await bot.webhook.next_post()
    expected = hmac.new(TOKEN.encode(), post.body, hashlib.sha1).hexdigest()
    assert post.headers["x-signature"] == f"sha1={expected}"
    assert post.headers["x-self-id"] == str(BOT)
    assert post.headers["content-type"] == "application/json"
    assert "authorization" not in post.headers


# -- echo ------------------------------------------------------------------------------


@all_kinds
@pytest.mark.parametrize("echo", ["abc", 42, {"id": [1, "x"]}])
async def test_the_echo_comes_back_unchanged(kind: Kind, echo: Any) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (_, bot):
            answer = await bot.call("get_status", echo=echo)
    assert answer["echo"] == echo


@all_kinds
async def test_a_missing_echo_is_answered_as_napcat_does(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (_, bot):
            answer = await bot.call("get_status")
    if kind.ws_api:
        assert answer["echo"] == ""
    else:  # HTTP: a random base-36 string
        assert isinstance(answer["echo"], str) and len(answer["echo"]) == 11


# -- event delivery --------------------------------------------------------------------


@event_kinds
@pytest.mark.parametrize(("fmt", "message"), [
    ("array", [{"type": "text", "data": {"text": "hi [there]"}}]),
    ("string", "hi &#91;there&#93;"),
])
async def test_a_group_message_arrives_in_the_configured_format(
    kind: Kind, fmt: str, message: Any
) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind, fmt=fmt) as (sim, bot):
            stored = sim.person(PERSON).send_group_msg(GROUP, "hi [there]", auto_escape=True)
            event = await bot.next_event()
    assert (event["post_type"], event["message_type"], event["sub_type"]) == (
        "message", "group", "normal")
    assert (event["self_id"], event["group_id"], event["user_id"]) == (BOT, GROUP, PERSON)
    assert event["message_id"] == stored.message_id
    assert (event["message"], event["message_format"]) == (message, fmt)


async def test_the_plain_http_server_has_no_event_stream() -> None:
    """NapCat's ``httpServers`` delivers no events: /_events is just an unknown action."""
    with trio.fail_after(TIMEOUT):
        async with start(BY_NAME["http"]) as (_, bot):
            assert isinstance(bot, HttpBot)
            response = await bot.client.get("/_events")
    assert response.json()["message"] == "不支持的Api _events"


@event_kinds
@pytest.mark.parametrize("report_self", [True, False])
async def test_own_messages_are_reported_only_when_enabled(
    kind: Kind, report_self: bool
) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind, report_self=report_self) as (sim, bot):
            await bot.call("send_group_msg", {"group_id": GROUP, "message": "mine"})
            sim.person(PERSON).send_group_msg(GROUP, "theirs")
            first = await bot.next_event()
            later = await bot.next_event() if first["post_type"] == "message_sent" else None
    # NapCat's HTTP server schema has no reportSelfMessage: its WebSocket never reports.
    reports = report_self and kind.name != "http-ws"
    if reports:
        assert (first["post_type"], first["raw_message"], first["user_id"]) == (
            "message_sent", "mine", BOT)
        assert later is not None and later["raw_message"] == "theirs"
    else:
        assert (first["post_type"], first["raw_message"]) == ("message", "theirs")


# -- lifecycle and heartbeat -----------------------------------------------------------


@event_kinds
async def test_meta_events_only_on_websockets(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, bot):
            if kind.meta:
                frames = [await bot.next_frame()]  # the lifecycle event
                for _ in range(2):
                    await sim.settle()  # the ticker sleeps on the world's clock: now it does
                    sim.advance(heartbeat_ms(kind) / 1000)
                    frames.append(await bot.next_frame())
            else:
                # Minutes of world time pass; the first frame is still our message.
                await sim.settle()
                sim.advance(90)
                await sim.settle()
                sim.person(PERSON).send_group_msg(GROUP, "first")
                frames = [await bot.next_frame()]
    if kind.meta:
        lifecycle, *beats = frames
        assert (lifecycle["post_type"], lifecycle["meta_event_type"], lifecycle["sub_type"]) == (
            "meta_event", "lifecycle", "connect")
        assert lifecycle["self_id"] == BOT
        for beat in beats:
            assert (beat["meta_event_type"], beat["interval"]) == ("heartbeat", heartbeat_ms(kind))
            assert beat["status"] == {"online": True, "good": True}
    else:
        assert frames[0]["post_type"] == "message"


# -- failures: NapCat's per-transport retcodes -----------------------------------------


@all_kinds
async def test_failures_get_the_transports_retcodes(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (_, bot):
            unknown = await bot.call("no_such_action", echo="u")
            bad = await bot.call("get_msg", {"message_id": "x"}, echo="b")
            runtime = await bot.call("get_msg", {"message_id": 123456}, echo="r")
    # NapCat's WebSocket client alone spells it "Api" over a WebSocket.
    server_side_ws = kind.ws_api and not kind.qqsim_connects
    unknown_text = "不支持的API" if server_side_ws else "不支持的Api"
    if kind.ws_api:
        expected = (1404, 1400, 1200)
        assert bad["echo"] == "b"
    else:
        expected = (200, 400, 200)
        assert bad["echo"] is None  # HTTP: validation failures never echo
    assert (unknown["retcode"], bad["retcode"], runtime["retcode"]) == expected
    assert unknown["message"] == f"{unknown_text} no_such_action"
    assert bad["message"].startswith("Schema compilation error: Expected number")
    assert runtime["message"] == "消息不存在"
    assert {unknown["status"], bad["status"], runtime["status"]} == {"failed"}
    assert (unknown["echo"], runtime["echo"]) == ("u", "r")


@all_kinds
@pytest.mark.parametrize("garbage", ["{oops", "null"])
async def test_a_bad_frame_is_answered_and_the_connection_goes_on(
    kind: Kind, garbage: str
) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (_, bot):
            answer = await bot.send_raw(garbage)
            after = await bot.call("get_status", echo="after")
    if kind.ws_api:
        assert answer == {
            "status": "failed", "retcode": 1400, "data": None,
            "message": "json解析失败,请检查数据格式", "wording": "json解析失败,请检查数据格式",
            "echo": None, "stream": "normal-action",
        }
    elif garbage == "null":  # JSON null is an empty body to NapCat's HTTP server
        assert answer[0] == 200 and json.loads(answer[1])["status"] == "ok"
    else:
        assert answer == (400, "Invalid JSON")
    assert (after["status"], after["echo"]) == ("ok", "after")


# -- reconnect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", [BY_NAME[name] for name in ("ws-server", "http-ws", "sse-ws", "sse")], ids=str)
async def test_a_bot_that_reconnects_misses_what_happened_meanwhile(
    kind: Kind
) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, bot):
            await bot.close()
            await sim.wait_disconnected()
            sim.person(PERSON).send_group_msg(GROUP, "while away")
            async with start_again(kind, sim) as again:
                sim.person(PERSON).send_group_msg(GROUP, "back")
                event = await again.next_event()
    assert event["raw_message"] == "back"


def start_again(kind: Kind, sim: Any) -> Any:
    from contextlib import AsyncExitStack, asynccontextmanager

    from bots.transport_kit import connect

    @asynccontextmanager
    async def again() -> Any:
        async with AsyncExitStack() as stack:
            yield await connect(kind, sim, stack, TOKEN, None, None)

    return again()


async def test_reverse_ws_reconnects_after_the_bot_drops_it_and_loses_the_gap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    peer = ReverseWsServer()
    with trio.fail_after(TIMEOUT):
        async with peer.running(), serving_reverse(peer.url) as sim:
            _, first = await peer.next_connection()
            await sim.wait_connected(BOT)
            await first.aclose()
            await sim.wait_disconnected()
            sim.person(PERSON).send_group_msg(GROUP, "while away")
            started = trio.current_time()
            _, second = await peer.next_connection()
            waited = trio.current_time() - started
            lifecycle = json.loads(await second.get_message())
            await sim.wait_connected(BOT)
            sim.person(PERSON).send_group_msg(GROUP, "back")
            event = json.loads(await second.get_message())
    assert lifecycle["meta_event_type"] == "lifecycle"
    assert event["raw_message"] == "back"
    assert waited >= 0.05  # qqsim waited reconnectInterval before dialling again
    assert any("reconnecting in 100 ms" in r.getMessage() for r in caplog.records)


async def test_reverse_ws_keeps_trying_while_the_bot_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    peer = ReverseWsServer()
    peer.refuse_with = 403
    with trio.fail_after(TIMEOUT):
        async with peer.running(), serving_reverse(peer.url) as sim:
            for _ in range(3):
                await peer.next_handshake()
            peer.refuse_with = None
            _, ws = await peer.next_connection()
            await sim.wait_connected(BOT)
            assert json.loads(await ws.get_message())["meta_event_type"] == "lifecycle"
    refusals = [r.getMessage() for r in caplog.records if "HTTP 403" in r.getMessage()]
    assert len(refusals) >= 3
    assert "the bot refused the handshake with HTTP 403; reconnecting in 100 ms" in refusals[0]


def serving_reverse(url: str, **settings: Any) -> Any:
    from simulator.config import NetworkConfig, OneBotConfig, WebsocketClientConfig

    client = WebsocketClientConfig(enable=True, url=url, token=TOKEN, heartInterval=0,
                                   reconnectInterval=100, **settings)
    onebot = OneBotConfig(network=NetworkConfig(websocketClients=[client]))
    return open_simulator(SimulatorConfig(bots={BOT: onebot}, control_port=None))


async def test_a_webhook_that_was_down_gets_later_events(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    receiver = WebhookReceiver()
    with trio.fail_after(TIMEOUT), watching() as log:
        async with receiver.running() as peer:
            url = peer.url
        # The receiver is gone: this post fails, and says so in the log.
        async with serving_webhook(url) as sim:
            sim.person(PERSON).send_group_msg(GROUP, "nobody listens")
            failure = await log.wait_for("failed")
    assert failure.startswith(f"[{BOT} http-client] POST {url} failed: ")
    assert failure.endswith(f"(message group {GROUP} from {PERSON}: nobody listens)")


def serving_webhook(url: str, **settings: Any) -> Any:
    from simulator.config import HttpClientConfig, NetworkConfig, OneBotConfig

    hook = HttpClientConfig(enable=True, url=url, token=TOKEN, **settings)
    onebot = OneBotConfig(network=NetworkConfig(httpClients=[hook]))
    return open_simulator(SimulatorConfig(bots={BOT: onebot}, control_port=None))


# -- shutdown --------------------------------------------------------------------------


@event_kinds
async def test_stopping_qqsim_ends_every_connection(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, bot):
            opened = list(sim.connections)
            stop(sim)
            if kind.ws_api:
                assert isinstance(bot, WsBot)
                with pytest.raises(ConnectionClosed):
                    while True:
                        await bot.ws.get_message()
            elif kind.name == "sse":
                with pytest.raises(trio.EndOfChannel):
                    while True:
                        await bot.next_frame()
            else:  # the webhook stops posting: a later world change reaches nobody
                await trio.sleep(0)  # a checkpoint: the cancelled adapters wind down first
                sim.person(PERSON).send_group_msg(GROUP, "after the end")
                assert isinstance(bot, HttpBot) and bot.webhook is not None
                with trio.move_on_after(0.3):
                    await bot.webhook.next_post()
                    pytest.fail("qqsim posted after it stopped")
            await sim.wait_disconnected()
    assert opened
