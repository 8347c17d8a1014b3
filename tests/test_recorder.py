"""Recording a session as a scenario: people's acts become steps, the bot's calls become
expectations, ids become references; the file validates against scenarios/schema.json,
replays green against the same bot, and fails with the usual report against a changed one.

The session here is driven in-process (``sim.person``) with the reference bot connected
over a forward WebSocket; tests/test_record_browser.py records one through the console.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import trio
import yaml

from simulator import Simulator, SimulatorConfig, default_onebot_config, open_simulator
from simulator.recorder import RecordingError
from simulator.scenarios.engine import ScenarioResult, run_scenario
from simulator.scenarios.loader import LoadedScenario, load_text
from simulator.scenarios.schema import SCHEMA_PATH

sys.path.insert(0, str(Path(__file__).parent / "bots"))
import reference_bot

BOT, GROUP = 10001, 100100


def config() -> SimulatorConfig:
    return SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                           control_port=None)


async def with_reference_bot(sim: Simulator, nursery: trio.Nursery) -> None:
    nursery.start_soon(reference_bot.run_bot, sim.url("ws") + "/")
    with trio.fail_after(10):
        await sim.wait_connected(BOT)


async def until(sim: Simulator, predicate: Callable[[], bool]) -> None:
    with trio.fail_after(5):
        await sim.wait_until(predicate)


def bot_said(sim: Simulator, text: str, group: int = GROUP) -> Callable[[], bool]:
    return lambda: any(m.sender_id == BOT and m.raw_message.endswith(text)
                       for m in sim.history(group_id=group))


async def record_a_session(sim: Simulator) -> None:
    """A person pings, asks for a quote, gets the bot's reply recalled, pokes, mutes; a
    stranger asks to be friends; a fault makes one send fail; the clock moves."""
    sim.recorder.start()
    sim.link(BOT).call("get_login_info", {})  # housekeeping: left out
    sim.person(20003).send_group_msg(GROUP, "ping")
    await until(sim, bot_said(sim, "pong"))
    sim.person(20003).send_group_msg(GROUP, "/quote")
    await until(sim, bot_said(sim, "收到"))
    pong = next(m for m in sim.history(group_id=GROUP) if m.raw_message.endswith("pong"))
    sim.person(20002).send_group_msg(GROUP, [
        {"type": "reply", "data": {"id": str(pong.message_id)}},
        {"type": "text", "data": {"text": "/recall"}}])
    await until(sim, lambda: sim.world.messages.get(pong.message_id).recalled)
    await until(sim, bot_said(sim, "撤回了一条我没见过的消息"))  # its group_recall notice
    sim.faults.fail("send_*", times=1)
    sim.person(20004).poke(BOT, GROUP)
    await until(sim, bot_said(sim, "别戳我"))  # the first send failed, the retry made it
    sim.person(20005).add_friend(BOT, "加个好友")
    await until(sim, lambda: sim.world.accounts.is_friend(BOT, 20005))
    await until(sim, lambda: any(m.raw_message == "你好"
                                 for m in sim.history(user_id=BOT, peer_id=20005)))
    sim.advance(90)
    sim.person(20002).send_group_msg(GROUP, "/mute [CQ:at,qq=20006] 60")
    await until(sim, lambda: sim.world.groups.member(GROUP, 20006).muted_at(sim.world.now()))
    await until(sim, bot_said(sim, "20006 被禁言 60 秒"))
    sim.recorder.stop()


async def replay(loaded: LoadedScenario) -> ScenarioResult:
    async with open_simulator(config()) as sim, trio.open_nursery() as nursery:
        await with_reference_bot(sim, nursery)
        with trio.fail_after(60):
            result = await run_scenario(sim, loaded)
        nursery.cancel_scope.cancel()
    return result


@pytest.fixture
async def recorded() -> str:
    async with open_simulator(config()) as sim, trio.open_nursery() as nursery:
        await with_reference_bot(sim, nursery)
        await record_a_session(sim)
        text = sim.recorder.yaml("recorded-session")
        nursery.cancel_scope.cancel()
    return text


@pytest.mark.trio
async def test_the_recording_is_a_valid_scenario_with_references(recorded: str) -> None:
    data = yaml.safe_load(recorded)
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    kinds = [next(iter(s)) if isinstance(s, dict) else s for s in data["steps"]]
    assert kinds[:2] == ["say", "expect"]  # get_login_info, before anyone acted, is left out
    assert {"say", "expect", "fault", "poke", "friend_request", "advance"} <= set(kinds)
    assert data["steps"][0] == {"say": {"from": 20003, "group": GROUP, "text": "ping"}}
    assert {"expect": {"action": "send_group_msg", "group": GROUP, "text": "pong",
                       "as": "step2"}} in data["steps"]
    # The quote names the person's message; the recall names the bot's reply; the friend
    # request's approval names the request: references, never the run's ids.
    assert re.search(r"reply_to: step\d+", recorded)
    assert re.search(r"message_id: \$step2\b", recorded)
    assert re.search(r"flag: \$step\d+", recorded)
    assert not re.search(r"\b\d{7,}\b", recorded), "a literal message id or flag was written"
    assert "advance: 1m30s" in recorded
    assert {"fault": {"kind": "fail", "action": "send_*", "times": 1}} in data["steps"]
    failed = [s["expect"] for s in data["steps"]
              if isinstance(s, dict) and s.get("expect", {}).get("ok") is False]
    assert failed and failed[0]["text"] == "别戳我"


@pytest.mark.trio
async def test_the_recording_replays_green_against_the_same_bot(recorded: str) -> None:
    result = await replay(load_text(recorded, "recorded.yaml"))
    assert result.status == "passed", result.message


@pytest.mark.trio
async def test_a_changed_bot_fails_the_replay_with_the_usual_report(
    recorded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def shouting_ping(bot: Any, event: Any, rest: str, ats: Any, s: Any) -> None:
        await bot.send(event, "PONG!")

    monkeypatch.setitem(reference_bot.COMMANDS, "ping", shouting_ping)
    result = await replay(load_text(recorded, "recorded.yaml"))
    assert result.status == "failed"
    assert (result.step, result.kind) == (2, "expect")
    assert "pong" in result.message and "PONG!" in result.message  # expected vs nearest


@pytest.mark.trio
async def test_text_matches_are_editable_before_saving(tmp_path: Path) -> None:
    async with open_simulator(config()) as sim, trio.open_nursery() as nursery:
        await with_reference_bot(sim, nursery)
        sim.recorder.start()
        sim.person(20003).send_group_msg(GROUP, "echo 今天 12:30 开会")
        await until(sim, bot_said(sim, "今天 12:30 开会"))
        sim.recorder.stop()
        expectation = next(s for s in sim.recorder.steps if s.kind == "expect")
        sim.recorder.edit(expectation.id, "regex")
        assert expectation.text == re.escape("今天 12:30 开会")
        sim.recorder.edit(expectation.id, text=r"今天 \d+:\d+ 开会")
        with pytest.raises(RecordingError, match="not a regular expression"):
            sim.recorder.edit(expectation.id, text="(")
        with pytest.raises(RecordingError, match="does not match a message text"):
            sim.recorder.edit(sim.recorder.steps[0].id, "contains")
        saved = sim.recorder.save(path=tmp_path / "meeting.yaml")
        nursery.cancel_scope.cancel()
    text = saved.read_text(encoding="utf-8")
    assert "regex: 今天 \\d+:\\d+ 开会" in text
    assert (await replay(load_text(text, str(saved)))).status == "passed"


@pytest.mark.trio
async def test_nothing_recorded_cannot_be_saved() -> None:
    sim = Simulator(SimulatorConfig(control_port=None))
    try:
        with pytest.raises(RecordingError, match="nothing is recorded yet"):
            sim.recorder.yaml()
    finally:
        sim.close()


@pytest.mark.trio
async def test_the_control_api_records_edits_and_refuses_clearly(tmp_path: Path) -> None:
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0)
    async with open_simulator(config) as sim, httpx.AsyncClient(
            base_url=sim.url("control")) as client:
        sim.recorder.directory = tmp_path
        nothing = await client.post("/api/recording/save", json={"name": "x"})
        assert (nothing.status_code, nothing.json()) == (
            400, {"error": "nothing is recorded yet: act as a person while recording"})
        assert (await client.post("/api/recording/start", json={"bot": 20003})).status_code \
            == 400
        started = (await client.post("/api/recording/start")).json()
        assert started["recording"] is True and started["bot"] == BOT
        await client.post("/api/people/20003/messages", json={"group_id": GROUP,
                                                               "message": "hi"})
        sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": "hello 20003"})
        state = (await client.get("/api/recording")).json()
        expectation = state["steps"][1]
        assert (expectation["kind"], expectation["text_mode"]) == ("expect", "text")
        bad = await client.patch(f"/api/recording/steps/{expectation['id']}",
                                 json={"text_mode": "glob"})
        assert bad.status_code == 400 and "text_mode must be one of" in bad.json()["error"]
        await client.patch(f"/api/recording/steps/{expectation['id']}",
                           json={"text_mode": "regex", "text": r"hello \d+"})
        assert (await client.delete("/api/recording/steps/999")).status_code == 400
        saved = (await client.post("/api/recording/save", json={"name": "../../etc/x"})).json()
        assert Path(saved["path"]).parent == tmp_path  # a name, never a path
        assert "regex: hello \\d+" in saved["yaml"]
        downloaded = await client.get("/api/recording/yaml", params={"name": "dl"})
        assert downloaded.text.startswith("# Recorded with qqsim") and "name: dl" in \
            downloaded.text
        lints = (await client.get("/api/lints")).json()
        assert {rule["id"] for rule in lints["rules"]} >= {"group-send-rate", "self-reply"}


@pytest.mark.trio
async def test_recording_stops_when_the_world_is_rebuilt() -> None:
    sim = Simulator(SimulatorConfig(control_port=None))
    try:
        sim.recorder.start()
        sim.person(20003).send_group_msg(GROUP, "before")
        sim.reset()  # what a scenario started from the console does
        sim.person(20003).send_group_msg(GROUP, "after")
        assert not sim.recorder.recording
        assert [s.args.get("text") for s in sim.recorder.steps] == ["before"]
    finally:
        sim.close()
