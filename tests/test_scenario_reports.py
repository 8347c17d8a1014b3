"""The bot's side in every failure report: ``qqsim test`` captures the bot's output and
shows it (its traceback whole) with the scenario it belongs to, only when that scenario
fails or with ``-v``; the transcript appears once; a bot that dies mid-run is reported."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from simulator.scenarios.bot_output import BotOutput, tail_lines
from simulator.scenarios.runner import TestOptions as RunOptions
from simulator.scenarios.runner import run_tests

#: A tiny forward-WebSocket bot: says what it got, answers ping, dies on "crash".
CHATTY_BOT = """\
import json, os
import trio, trio_websocket

async def main():
    async with trio_websocket.open_websocket_url(os.environ["QQSIM_WS_URL"]) as ws:
        print("chatty: connected", flush=True)
        while True:
            event = json.loads(await ws.get_message())
            if event.get("post_type") != "message":
                continue
            print("chatty: got", event["raw_message"], flush=True)
            if event["raw_message"] == "crash":
                raise RuntimeError("chatty cannot handle a crash")
            await ws.send_message(json.dumps({"action": "send_group_msg", "params": {
                "group_id": event["group_id"], "message": "pong"}}))

trio.run(main)
"""

PASSES = """\
name: passes
steps:
  - say: {from: 20003, group: 100100, text: ping}
  - expect_message: {group: 100100, text: pong}
"""
WRONG = """\
name: wrong
steps:
  - say: {from: 20003, group: 100100, text: ping}
  - expect_message: {group: 100100, text: pang, within: 1s}
"""
CRASHES = """\
name: crashes
steps:
  - say: {from: 20003, group: 100100, text: crash}
  - expect_message: {group: 100100, text: pong, within: 1s}
"""


def _suite(tmp_path: Path, **files: str) -> list[str]:
    (tmp_path / "bot.py").write_text(CHATTY_BOT, encoding="utf-8")
    paths = []
    for index, (name, text) in enumerate(files.items()):
        path = tmp_path / f"{index}_{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def _test(tmp_path: Path, paths: list[str], *, verbose: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    status = run_tests(RunOptions(
        paths=paths, bot_cmd=f"{sys.executable} {tmp_path / 'bot.py'}", http_port=0,
        ws_port=0, verbose=verbose, junit=str(tmp_path / "junit.xml"), out=out))
    return status, out.getvalue()


@pytest.mark.slow
def test_the_bot_output_shows_only_with_a_failure(tmp_path: Path) -> None:
    status, text = _test(tmp_path, _suite(tmp_path, passes=PASSES, wrong=WRONG))
    assert status == 1
    passed, failed = text.split("✗ FAILED wrong")
    assert "chatty:" not in passed  # a passing scenario shows nothing of the bot
    assert "  bot output:\n    | chatty: got ping" in failed
    # the transcript once: the report's own excerpt is left out when all of it follows
    assert failed.count("MessageCreated group 100100 from 20003: ping") == 1
    assert "Traceback" not in text


@pytest.mark.slow
def test_verbose_shows_every_scenarios_bot_output(tmp_path: Path) -> None:
    status, text = _test(tmp_path, _suite(tmp_path, passes=PASSES), verbose=True)
    assert status == 0
    assert "✓ PASSED passes" in text and "    | chatty: got ping" in text


@pytest.mark.slow
def test_a_bot_that_dies_mid_run_shows_its_traceback_and_the_rest_are_not_run(
    tmp_path: Path,
) -> None:
    status, text = _test(tmp_path, _suite(tmp_path, crashes=CRASHES, passes=PASSES))
    assert status == 1
    crashed, rest = text.split("✗ ERROR passes")
    assert "✗ FAILED crashes" in crashed
    assert "    | Traceback (most recent call last):" in crashed
    assert "    | RuntimeError: chatty cannot handle a crash" in crashed
    assert "not run: the bot command exited with status 1" in rest
    assert "1 failed, 1 errors" in rest
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase") == 2 and "RuntimeError: chatty cannot handle" in junit


def test_the_tail_reaches_back_to_the_last_traceback() -> None:
    lines = ["noise"] * 100 + ["Traceback (most recent call last):"] + \
        [f"  frame {i}" for i in range(50)] + ["ValueError: boom"]
    tail = tail_lines(lines, 30)
    assert tail[0] == "Traceback (most recent call last):" and tail[-1] == "ValueError: boom"
    assert tail_lines(["a", "b", "c"], 2) == ["b", "c"]


def test_bot_output_keeps_the_latest_lines_and_splits_chunks() -> None:
    output = BotOutput(limit=3)
    output.feed(b"one\ntw")
    mark = output.mark()
    output.feed(b"o\nthree\nfour\nfi")
    output.close()
    assert output.since(0) == ["three", "four", "fi"]
    assert output.since(mark) == ["three", "four", "fi"]  # "two" came after the mark: gone
    assert output.since(output.mark()) == []
