"""The socket path of a call and of an event: answered inline, written in order, shared renders.

Requests are answered by the reader itself unless a delay fault holds them;
frames go out whole and in order through one writer; a group message is
rendered once for every connection that sees it alike, and what each bot
gets is byte for byte what a render of its own would give.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.envelope import encode
from simulator.onebot.events import render_event
from simulator.onebot.events.shared import SharedRenders
from simulator.onebot.profiles import PROFILES
from simulator.world import events as ev
from simulator.world.snapshots import Message

GROUP = 100100


@asynccontextmanager
async def socket(path: str = "/") -> AsyncIterator[tuple[Simulator, WebSocketConnection]]:
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim, open_websocket_url(sim.url("ws") + path) as ws:
        yield sim, ws


def send(echo: str, text: str = "hi") -> str:
    return json.dumps({"action": "send_group_msg", "echo": echo,
                       "params": {"group_id": GROUP, "message": text}})


@pytest.mark.trio
async def test_pipelined_requests_are_answered_in_order() -> None:
    with trio.fail_after(20):
        async with socket("/api") as (sim, ws):
            for n in range(200):
                await ws.send_message(send(str(n), f"m{n}"))
            answers = [json.loads(await ws.get_message()) for _ in range(200)]
    assert [a["echo"] for a in answers] == [str(n) for n in range(200)]
    assert all(a["status"] == "ok" for a in answers)
    ids = [a["data"]["message_id"] for a in answers]
    assert [m.message_id for m in sim.history(group_id=GROUP)[-200:]] == ids


@pytest.mark.trio
async def test_a_delayed_call_is_overtaken_and_counts_in_flight() -> None:
    with trio.fail_after(20):
        async with socket("/api") as (sim, ws):
            sim.faults.delay("send_group_msg", seconds=0.5)
            await ws.send_message(send("slow"))
            await ws.send_message(json.dumps({"action": "get_login_info", "echo": "fast"}))
            first = json.loads(await ws.get_message())
            assert (first["echo"], sim.calls_in_flight, sim.is_quiet()) == ("fast", 1, False)
            second = json.loads(await ws.get_message())
            assert (second["echo"], second["status"]) == ("slow", "ok")
            assert sim.calls_in_flight == 0


@pytest.mark.trio
async def test_lifecycle_goes_out_before_an_early_answer() -> None:
    with trio.fail_after(20):
        async with socket("/") as (_, ws):
            await ws.send_message(send("early"))  # before reading anything
            first = json.loads(await ws.get_message())
            second = json.loads(await ws.get_message())
    assert first["meta_event_type"] == "lifecycle"
    assert second["echo"] == "early"


@pytest.mark.trio
async def test_bad_json_and_non_objects_on_the_inline_path() -> None:
    with trio.fail_after(20):
        async with socket("/api") as (_, ws):
            await ws.send_message("{nope")
            assert json.loads(await ws.get_message())["retcode"] == 1400
            await ws.send_message("42")  # NapCat never answers a bare number
            await ws.send_message(send("after"))
            assert json.loads(await ws.get_message())["echo"] == "after"


def message(text: str, sender: int = 20003) -> Message:
    return Message(
        message_id=7, chat_type="group", group_id=GROUP, sender_id=sender, peer_id=0, seq=3,
        time=1_700_000_000, segments=[{"type": "text", "data": {"text": text}}],
        raw_message=text, recalled=False, recalled_by=0, temp_source=0,
        sender_nickname="某人", sender_card="card", sender_role="member",
        group_name="机器人测试群")


SETTINGS = [ConnectionSettings(), ConnectionSettings(message_format="string"),
            ConnectionSettings(report_self_message=True)]


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("text", ["plain", "引号\"与\\斜杠", "lone \ud800 surrogate"])
def test_shared_renders_are_byte_identical_to_own_renders(profile: str, text: str) -> None:
    bots = [10001, 10002, 10003]
    event = ev.MessageCreated(time=1, audience=frozenset(bots), message=message(text))
    shared = SharedRenders()
    for settings in SETTINGS:
        for bot in bots:
            own = render_event(event, bot, settings, PROFILES[profile])
            got = shared.render(event, bot, settings, PROFILES[profile], encode)
            assert got is not None and own is not None
            assert got[0] == own and list(got[0]) == list(own)  # same keys, same order
            assert got[1] == encode(own)


def test_what_is_not_shared_is_rendered_by_each_connection() -> None:
    own_message = ev.MessageCreated(time=1, audience=frozenset({10001, 10002}),
                                    message=message("mine", sender=10001))
    outsider = ev.MessageCreated(time=1, audience=frozenset({10002}), message=message("x"))
    shared = SharedRenders()
    napcat = PROFILES["napcat"]
    assert shared.render(own_message, 10001, ConnectionSettings(), napcat, encode) is None
    assert shared.render(outsider, 10001, ConnectionSettings(), napcat, encode) is None


def test_shared_renders_stay_bounded_and_never_confuse_events() -> None:
    shared = SharedRenders(capacity=4)
    napcat = PROFILES["napcat"]
    seen: list[Any] = []
    for n in range(50):
        event = ev.MessageCreated(time=n, audience=frozenset({10001}), message=message(f"{n}"))
        got = shared.render(event, 10001, ConnectionSettings(), napcat, encode)
        assert got is not None and json.loads(got[1])["raw_message"] == f"{n}"
        seen.append(event)  # kept alive: ids cannot be reused while the cache holds them
    assert len(shared._entries) == 4


def test_shared_renders_stay_within_their_bytes_for_large_messages() -> None:
    budget = 200_000
    shared = SharedRenders(budget=budget)
    napcat = PROFILES["napcat"]
    seen: list[Any] = []
    for n in range(40):
        big = f"{n}:" + "长" * 20_000
        event = ev.MessageCreated(time=n, audience=frozenset({10001}), message=message(big))
        got = shared.render(event, 10001, ConnectionSettings(), napcat, encode)
        assert got is not None and json.loads(got[1])["raw_message"] == big
        seen.append(event)
    kept = sum(2 * len(t.tail) for e in shared._entries.values()
               for t in e.templates.values() if t is not None)
    assert kept <= budget and len(shared._entries) < 40


@pytest.mark.trio
async def test_more_delayed_calls_than_the_session_holds_all_get_answered() -> None:
    with trio.fail_after(30):
        async with socket("/api") as (sim, ws):
            sim.faults.delay("get_login_info", seconds=0.2, times=80)  # > MAX_IN_FLIGHT
            for n in range(80):
                await ws.send_message(json.dumps({"action": "get_login_info", "echo": n}))
            answers = [json.loads(await ws.get_message()) for _ in range(80)]
            assert sorted(a["echo"] for a in answers) == list(range(80))
            assert sim.calls_in_flight == 0
