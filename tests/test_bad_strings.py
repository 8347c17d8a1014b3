"""Strings SQLite cannot store (lone surrogates) are a bad parameter wherever they enter.

JSON's and YAML's ``"\\ud800"`` escapes decode to a Python string holding a lone
surrogate, which cannot be encoded as UTF-8. A bot sees 1400 (WebSocket) / 400
(HTTP) naming the parameter, the control API a 400 naming the field, scenario and
seed files a one-line error with the line; the next action works, and nothing of
the refused request reaches the world.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from bots.peers import Post, WebhookReceiver
from bots.transport_kit import KINDS, HttpBot, Kind, WsBot, start
from log_watch import watching
from trio_websocket import open_websocket_url

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator
from simulator.config import HttpClientConfig, NetworkConfig, OneBotConfig
from simulator.errors import ConfigError
from simulator.link import BotLink
from simulator.scenarios.loader import ScenarioFileError, load_file, load_text
from simulator.storable import Unstorable, dotted, find_unstorable, pointer, storable
from simulator.world import load_spec

GROUP = 100100
TIMEOUT = 10
LONE = "\ud800"

EXPECTED = "Schema compilation error: Expected string without lone surrogates, found U+D800"
EXPECTED_KEY = ("Schema compilation error: Expected property name without lone surrogates, "
                "found U+D800")


def node(content: Any) -> dict[str, Any]:
    return {"type": "node", "data": {"user_id": 20003, "nickname": "李娜", "content": content}}


#: (case, send_group_msg's message, the error a bot sees)
BAD_MESSAGES = [
    ("cq-string", f"[CQ:face,id=14]hi{LONE}", f"{EXPECTED} (/message)"),
    ("segments", [{"type": "text", "data": {"text": f"a{LONE}b"}}],
     f"{EXPECTED} (/message/0/data/text)"),
    ("forward-node", [node([{"type": "text", "data": {"text": LONE}}])],
     f"{EXPECTED} (/message/0/data/content/0/data/text)"),
    ("dict-key", [{"type": "text", "data": {"text": "fine", LONE: "x"}}],
     f"{EXPECTED_KEY} (/message/0/data)"),
]


def stored_texts(sim: Simulator) -> list[str]:
    return [m.raw_message for m in sim.history(group_id=GROUP)]


# -- in process: what dispatch answers -------------------------------------------------


@pytest.mark.parametrize(("case", "message", "error"), BAD_MESSAGES,
                         ids=[case[0] for case in BAD_MESSAGES])
def test_a_lone_surrogate_is_a_bad_parameter_naming_its_path(
    sim: Simulator, bot: BotLink, case: str, message: Any, error: str
) -> None:
    body = bot.call("send_group_msg", {"group_id": GROUP, "message": message})
    assert (body["status"], body["retcode"], body["data"]) == ("failed", 1400, None)
    assert body["message"] == body["wording"] == error
    assert bot.call("get_login_info", {})["retcode"] == 0
    assert bot.call("send_group_msg", {"group_id": GROUP, "message": "after"})["retcode"] == 0
    assert stored_texts(sim)[-1:] == ["after"]


def test_any_action_and_any_parameter_is_checked(bot: BotLink) -> None:
    # Not only messages: a card, a top-level key, an extra key the schema ignores.
    calls = [
        ("set_group_card", {"group_id": GROUP, "user_id": 20003, "card": LONE}, "/card"),
        ("send_private_msg", {"user_id": 20001, "message": "x", LONE: 1}, "/"),
        ("get_login_info", {"extra": [{"deep": LONE}]}, "/extra/0/deep"),
    ]
    for action, params, where in calls:
        body = bot.call(action, params)
        assert body["retcode"] == 1400, body
        assert body["message"].endswith(f"({where})"), body


def test_the_refused_call_is_still_shown_in_the_traffic_log(sim: Simulator, bot: BotLink) -> None:
    bot.call("send_group_msg", {"group_id": GROUP, "message": LONE})
    record = sim.actions[-1]
    assert record.action == "send_group_msg" and record.response["retcode"] == 1400


# -- over every transport --------------------------------------------------------------


async def call_raw(bot: Any, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Send the request as a bot's JSON library writes it: ``\\ud800`` as an escape."""
    if isinstance(bot, WsBot):
        answer: dict[str, Any] = await bot.send_raw(json.dumps(
            {"action": action, "params": params, "echo": "e1"}))
        return answer
    assert isinstance(bot, HttpBot)
    response = await bot.client.post(f"/{action}", content=json.dumps(params),
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 200  # NapCat's HTTP API: the retcode says 400
    answer = response.json()
    return answer


@pytest.mark.trio
@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_every_transport_refuses_and_goes_on(kind: Kind) -> None:
    with trio.fail_after(TIMEOUT):
        async with start(kind) as (sim, bot):
            answers = [await call_raw(bot, "send_group_msg", {"group_id": GROUP, "message": m})
                       for _, m, _ in BAD_MESSAGES]
            login = await bot.call("get_login_info")
            sent = await bot.call("send_group_msg", {"group_id": GROUP, "message": "still fine"})
            texts = stored_texts(sim)
    retcode = 1400 if kind.ws_api else 400
    for answer, (_, _, error) in zip(answers, BAD_MESSAGES, strict=True):
        assert (answer["status"], answer["retcode"], answer["message"]) == (
            "failed", retcode, error)
    assert (login["retcode"], login["data"]["user_id"]) == (0, 10001)
    assert sent["retcode"] == 0
    assert texts[-1] == "still fine"
    assert all(text.encode("utf-8") for text in texts)  # nothing unstorable got in


@pytest.mark.trio
async def test_a_webhook_reply_with_a_lone_surrogate_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim.action")
    replies = iter(['{"reply": "bad \\ud800"}', '{"reply": "pong"}'])

    async def reply(post: Post) -> tuple[int, str]:
        if post.event.get("post_type") != "message":
            return 204, ""
        return 200, next(replies)

    receiver = WebhookReceiver()
    receiver.reply = reply
    network = NetworkConfig(httpClients=[HttpClientConfig(enable=True, url="")])
    with trio.fail_after(TIMEOUT), watching("qqsim.action") as log:
        async with receiver.running():
            network.httpClients[0].url = receiver.url
            config = SimulatorConfig(bots={10001: OneBotConfig(network=network)},
                                     control_port=None)
            async with open_simulator(config) as sim:
                await sim.wait_connected(10001)
                sim.person(20003).send_group_msg(GROUP, "first")
                await log.wait_for("Expected string without lone surrogates")
                sim.person(20003).send_group_msg(GROUP, "second")
                await sim.wait_until(lambda: stored_texts(sim)[-1].endswith("pong"))
                texts = stored_texts(sim)
    assert texts[:2] == ["first", "second"] and len(texts) == 3  # the bad reply: nothing
    assert "(/reply)" in caplog.text


# -- the control API -------------------------------------------------------------------


@asynccontextmanager
async def control() -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0)
    async with open_simulator(config) as sim, httpx.AsyncClient(
        base_url=sim.url("control")
    ) as client:
        yield sim, client


async def post_raw(client: httpx.AsyncClient, path: str, body: object | bytes
                   ) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(path, content=content,
                             headers={"Content-Type": "application/json"})


REASON = "a lone surrogate (U+D800), which is not valid Unicode and cannot be stored"
PROBLEM = f"the text holds {REASON}"
KEY_PROBLEM = f"a key holds {REASON}"


@pytest.mark.trio
@pytest.mark.parametrize(("path", "body", "error"), [
    ("/api/people/20003/messages", {"group_id": GROUP, "message": LONE},
     f"'message': {PROBLEM}"),
    ("/api/people/20003/messages",
     {"group_id": GROUP, "message": [{"type": "text", "data": {"text": LONE}}]},
     f"'message[0].data.text': {PROBLEM}"),
    ("/api/people/20003/messages",
     {"group_id": GROUP, "message": [node([{"type": "text", "data": {"text": LONE}}])]},
     f"'message[0].data.content[0].data.text': {PROBLEM}"),
    ("/api/people/20003/messages",
     {"group_id": GROUP, "message": [{"type": "text", "data": {"text": "x", LONE: 1}}]},
     f"'message[0].data': {KEY_PROBLEM}"),
    ("/api/people/20003/messages", {"group_id": GROUP, "message": "x", LONE: 1},
     f"the body: {KEY_PROBLEM}"),
    # Raw bytes of a surrogate (ED A0 80): json.loads decodes them to one as well.
    ("/api/people/20003/messages", b'{"group_id": 100100, "message": "\xed\xa0\x80"}',
     f"'message': {PROBLEM}"),
    ("/api/people", {"nickname": LONE}, f"'nickname': {PROBLEM}"),
    ("/api/groups", {"name": LONE, "owner_id": 20001}, f"'name': {PROBLEM}"),
    ("/api/people/20001/set_card", {"group_id": GROUP, "user_id": 20003, "card": LONE},
     f"'card': {PROBLEM}"),
    ("/api/people/20001/rename_group", {"group_id": GROUP, "name": LONE},
     f"'name': {PROBLEM}"),
    ("/api/faults", {"kind": "fail", "message": LONE}, f"'message': {PROBLEM}"),
    ("/api/scenarios/run", {"path": LONE}, f"'path': {PROBLEM}"),
], ids=["cq", "segments", "forward", "key", "top-key", "raw-bytes", "person", "group", "card",
        "rename", "fault", "scenario-path"])
async def test_the_control_api_refuses_with_a_400_naming_the_field(
    path: str, body: object, error: str
) -> None:
    with trio.fail_after(TIMEOUT):
        async with control() as (sim, client):
            before = stored_texts(sim)
            refused = await post_raw(client, path, body)
            spoke = await client.post("/api/people/20003/messages",
                                      json={"group_id": GROUP, "message": "after"})
            world = await client.get("/api/world")
            after = stored_texts(sim)
    assert refused.status_code == 400
    assert refused.json() == {"error": error}
    assert spoke.status_code == 200 and world.status_code == 200
    assert after == [*before, "after"]


@pytest.mark.trio
async def test_a_posted_scenario_with_a_lone_surrogate_is_a_400_with_its_line() -> None:
    text = "name: bad\nsteps:\n  - say: {from: 20003, group: 100100, text: \"a\\ud800\"}\n"
    with trio.fail_after(TIMEOUT):
        async with control() as (_, client):
            response = await client.post("/api/scenarios/run",
                                         json={"text": text, "name": "bad.yaml"})
    assert response.status_code == 400
    assert response.json() == {"error": f"bad.yaml:3:39: steps[0].say.text: {PROBLEM}"}


@pytest.mark.trio
async def test_a_refused_bot_call_shows_in_the_console_and_its_live_stream() -> None:
    # The call is refused but recorded as sent: reading it back must not break a reply.
    with trio.fail_after(TIMEOUT):
        async with control() as (sim, client):
            stream_url = sim.url("control").replace("http://", "ws://") + "/api/stream"
            async with open_websocket_url(stream_url) as feed, open_websocket_url(
                sim.url("ws") + "/"
            ) as ws:
                await ws.get_message()  # lifecycle
                await ws.send_message(json.dumps(
                    {"action": "send_group_msg", "params": {"group_id": GROUP, "message": LONE}}))
                answer = json.loads(await ws.get_message())
                while True:
                    item = json.loads(await feed.get_message())
                    if item.get("kind") == "action":
                        break
                actions = await client.get("/api/actions")
    assert answer["retcode"] == 1400
    assert item["action"] == "send_group_msg"
    assert actions.status_code == 200
    assert actions.json()["actions"][-1]["params"]["message"] == LONE


# -- scenario and seed files -----------------------------------------------------------


def test_a_scenario_file_with_a_lone_surrogate_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nsteps:\n  - say:\n      from: 20003\n      group: 100100\n"
                    '      text: "hi \\ud800"\n', encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_file(path)
    assert str(caught.value) == f"{path}:6:7: steps[0].say.text: {PROBLEM}"


def test_a_scenario_key_or_inline_world_with_a_lone_surrogate_is_refused() -> None:
    key = 'steps:\n  - say: {from: 20003, group: 100100, "te\\ud800xt": hi}\n'
    with pytest.raises(ScenarioFileError) as caught:
        load_text(key, "s.yaml")
    assert str(caught.value) == f"s.yaml:2:39: steps[0].say: {KEY_PROBLEM}"
    world = ('world:\n  accounts:\n    - {user_id: 10001, nickname: "\\ud800", bot: true}\n'
             "steps: [advance: 1s]\n")
    with pytest.raises(ScenarioFileError) as caught:
        load_text(world, "w.yaml")
    assert str(caught.value) == f"w.yaml:3:24: world.accounts[0].nickname: {PROBLEM}"


def test_a_seed_file_with_a_lone_surrogate_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("name: s\naccounts:\n  - {user_id: 10001, nickname: bot, bot: true}\n"
                    '  - user_id: 20001\n    nickname: "a\\ud800"\ngroups:\n'
                    "  - {group_id: 1, name: g, owner: 20001}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec(str(path))
    assert str(caught.value) == f"{path}:5: accounts[1].nickname: {PROBLEM}"
    path.write_text(path.read_text().replace('"a\\ud800"', "fine").replace(
        "name: g", '"na\\udfffme": g'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec(str(path))
    assert str(caught.value) == (f"{path}:7: groups[0]: a key holds a lone surrogate (U+DFFF), "
                                 "which is not valid Unicode and cannot be stored")


# -- the check itself ------------------------------------------------------------------


def test_the_walk_finds_the_first_bad_string_in_document_order() -> None:
    value = {"a": ["ok", {"b": "x\udc00"}], "c": LONE}
    assert find_unstorable(value) == Unstorable(("a", 1, "b"), False, 0xDC00)
    assert find_unstorable({"k": (1, 2.5, None, True, "好")}) is None
    assert find_unstorable([{LONE: 1}]) == Unstorable((0, LONE), True, 0xD800)
    assert dotted(("message", 0, "data", "text")) == "message[0].data.text"
    assert pointer(("message", 0, "data", "text")) == "/message/0/data/text"
    assert storable("中文 and emoji 😀") and not storable(("x", [LONE]))


def test_deep_nesting_needs_no_recursion() -> None:
    deep: Any = LONE
    for _ in range(20000):
        deep = [deep]
    found = find_unstorable({"message": deep})
    assert found is not None and len(found.path) == 20001
    assert len(pointer(found.place)) < 100_000


def test_files_whose_bytes_are_not_utf8_are_a_one_line_error(tmp_path: Path) -> None:
    # A surrogate written as bytes (ED A0 80, as CESU-8 tools do) is not UTF-8 either.
    scenario = tmp_path / "raw.yaml"
    scenario.write_bytes(b"name: raw\nsteps:\n  - say: {from: 20003, group: 100100, "
                         b"text: \"\xed\xa0\x80\"}\n")
    with pytest.raises(ScenarioFileError) as caught:
        load_file(scenario)
    assert str(caught.value) == (f"{scenario}:3:46: not UTF-8 text (byte 0xED): "
                                 "save the file as UTF-8")
    seed = tmp_path / "raw-seed.yaml"
    seed.write_bytes(b"accounts:\n  - {user_id: 1, nickname: \"\xed\xa0\x80\"}\n")
    with pytest.raises(ConfigError) as caught_seed:
        load_spec(str(seed))
    assert str(caught_seed.value) == f"{seed}:2: not UTF-8 text (byte 0xED): save the file as UTF-8"


def test_a_refused_call_is_written_and_described_by_the_transcript(
    sim: Simulator, bot: BotLink
) -> None:
    from simulator.transcript import describe, to_jsonl

    bot.call("send_group_msg", {"group_id": 100100, "message": "bad \ud800"})
    entries = sim.transcript.since(0)
    text = to_jsonl(entries)
    text.encode("utf-8")  # a transcript file and a failure report can be written
    assert json.loads(text.splitlines()[-1])["params"]["message"] == "bad \ud800"
    for entry in entries:
        describe(entry).encode("utf-8")
