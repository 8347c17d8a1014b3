"""``qqsim test``: exit codes, printed reports, JUnit XML, JSON-lines transcripts, and a real
framework (NoneBot2, from PyPI, unmodified) driven end to end, surviving faults."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.transcript import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_BOT = f"{sys.executable} {ROOT / 'tests' / 'bots' / 'reference_bot.py'}"
NONEBOT = f"{sys.executable} {ROOT / 'tests' / 'bots' / 'nonebot_echo.py'}"

PASSING = """# yaml-language-server: $schema=../schema.json
name: passes
steps:
  - say: {from: 20003, group: 100100, text: ping, as: q}
  - expect: {action: send_group_msg, group: 100100, text: pong}
"""
FAILING = """name: fails
steps:
  - say: {from: 20003, group: 100100, text: ping}
  - expect: {action: send_group_msg, group: 100100, text: peng, within: 1s}
"""


def qqsim_test(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "test", "--ws-port", "0", "--http-port", "0", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
    )


def test_failure_exits_1_with_nearest_miss_junit_and_transcripts(tmp_path: Path) -> None:
    (tmp_path / "a_passes.yaml").write_text(PASSING, encoding="utf-8")
    (tmp_path / "b_fails.yaml").write_text(FAILING, encoding="utf-8")
    junit, transcripts = tmp_path / "out" / "junit.xml", tmp_path / "runs"
    done = qqsim_test(str(tmp_path), "--bot-cmd", REFERENCE_BOT, "--junit", str(junit),
                      "--transcript-dir", str(transcripts))
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "✓ PASSED passes" in out
    assert "✗ FAILED fails at step 2 (expect, line 4)" in out
    assert "expected: send_group_msg {\"group_id\": 100100} text='peng' (within 1s)" in out
    assert "nearest: #" in out and "send_group_msg" in out
    assert "  - text: wanted 'peng', got 'pong'" in out
    assert "2 scenarios: 1 passed, 1 failed, 0 errors" in out

    suite = ET.parse(junit).getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        "testsuites", "2", "1", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["passes"].find("failure") is None
    failure = cases["fails"].find("failure")
    assert failure is not None and "(step 2, expect, line 4)" in (failure.get("message") or "")
    assert "wanted 'peng', got 'pong'" in (failure.text or "")
    assert "send_group_msg" in (cases["fails"].findtext("system-out") or "")

    entries = read_jsonl(transcripts / "fails.jsonl")
    assert [e["n"] for e in entries] == list(range(1, len(entries) + 1))
    kinds = {e["kind"] for e in entries}
    assert {"scenario", "step", "world", "event", "action", "result"} <= kinds
    action = next(e for e in entries if e["kind"] == "action")
    assert action["action"] == "send_group_msg" and action["response"]["status"] == "ok"
    assert entries[-1] == {**entries[-1], "kind": "result", "status": "failed", "step": 2}


def test_an_invalid_file_alone_exits_2_without_a_bot(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - sya: {}\n", encoding="utf-8")
    junit = tmp_path / "junit.xml"
    done = qqsim_test(str(bad), "--junit", str(junit))
    assert done.returncode == 2
    assert f"{bad}:2:5: steps[0]: unknown step 'sya' (did you mean 'say'?)" in done.stdout
    error = ET.parse(junit).getroot().find("testsuite/testcase/error")
    assert error is not None


def test_a_bot_that_never_connects_exits_2(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(PASSING, encoding="utf-8")
    done = qqsim_test(str(tmp_path), "--connect-timeout", "0.3")
    assert done.returncode == 2
    assert "bot 10001 did not connect within 0.3s" in done.stdout
    crashed = qqsim_test(str(tmp_path), "--bot-cmd", f"{sys.executable} -c 'raise SystemExit(3)'")
    assert crashed.returncode == 2
    assert "the bot command exited with status 3" in crashed.stdout


def test_missing_paths_exit_2() -> None:
    done = qqsim_test("no/such/folder")
    assert done.returncode == 2 and "no such scenario file or folder" in done.stdout


@pytest.mark.slow
def test_nonebot_survives_a_failed_send_and_a_dropped_connection(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    done = qqsim_test(str(ROOT / "scenarios" / "smoke" / "survives_faults.yaml"),
                      "--bot-cmd", NONEBOT, "--junit", str(junit), "--transcript-dir",
                      str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ PASSED survives-faults" in done.stdout
    entries = read_jsonl(tmp_path / "survives-faults.jsonl")
    faults = [e["fault"] for e in entries if e["kind"] == "fault"]
    assert faults == ["fail", "drop_connection"]
    states = [e["state"] for e in entries if e["kind"] == "connection"]
    assert states == ["closed", "opened"]  # NoneBot reconnected by itself
    calls = [e for e in entries if e["kind"] == "action"]
    assert {c["action"] for c in calls} == {"send_msg"}  # NoneBot's own choice of action
    assert [c["response"]["status"] for c in calls] == ["ok", "ok", "failed", "ok"]
    assert ET.parse(junit).getroot().get("failures") == "0"
