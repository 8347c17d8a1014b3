"""The README's sections on recording and on the protocol lint run as written: the recorded
scenario replays against the reference bot, ``qqsim run --record`` writes its file when
stopped, the burst scenario prints its lint through ``qqsim test`` (and JUnit), and the
pytest example warns, or fails under ``-W error``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import trio
import yaml

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.scenarios.engine import run_scenario
from simulator.scenarios.loader import load_file, load_text

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
BOTS = Path(__file__).parent / "bots"
BLOCK = re.compile(r"```(?:python|yaml)\n# file: (\S+)\n(.*?)```", re.DOTALL)
SECTIONS = ("## Recording a session as a scenario", "## Protocol lint")

sys.path.insert(0, str(BOTS))
from reference_bot import run_bot  # noqa: E402


def readme_files() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for title in SECTIONS:
        start = text.index(title)
        end = text.index("\n## ", start + len(title))
        found.update(BLOCK.findall(text[start:end]))
    return found


def test_the_sections_have_their_examples() -> None:
    assert set(readme_files()) == {"recorded.yaml", "test_flood.py", "burst.yaml"}


@pytest.mark.trio
async def test_the_recorded_example_replays_against_the_reference_bot() -> None:
    loaded = load_text(readme_files()["recorded.yaml"], "recorded.yaml")
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim, trio.open_nursery() as nursery:
        nursery.start_soon(run_bot, sim.url("ws") + "/")
        with trio.fail_after(10):
            await sim.wait_connected(10001)
        with trio.fail_after(60):
            result = await run_scenario(sim, loaded)
        nursery.cancel_scope.cancel()
    assert result.status == "passed", result.message


@pytest.mark.slow
def test_qqsim_test_prints_the_burst_lint_and_writes_it_to_junit(tmp_path: Path) -> None:
    scenario = tmp_path / "burst.yaml"
    scenario.write_text(readme_files()["burst.yaml"], encoding="utf-8")
    junit = tmp_path / "results.xml"
    ran = subprocess.run(
        [sys.executable, "-m", "simulator", "test", str(scenario), "--ws-port", "0",
         "--http-port", "0", "--bot-cmd", f"{sys.executable} {BOTS / 'reference_bot.py'}",
         "--junit", str(junit)], capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ("  lint group-send-rate: 6 messages to group 100100 within 5s (at most 5) "
            "(send_group_msg)\n") in ran.stdout
    assert "lints: 1 (group-send-rate 1); silence with --lint-ignore RULE" in ran.stdout
    xml = junit.read_text(encoding="utf-8")
    assert '<property name="qqsim.lint.group-send-rate"' in xml and "<system-err>" in xml
    assert 'failures="0"' in xml

    quiet = subprocess.run(
        [sys.executable, "-m", "simulator", "test", str(scenario), "--ws-port", "0",
         "--http-port", "0", "--bot-cmd", f"{sys.executable} {BOTS / 'reference_bot.py'}",
         "--lint-ignore", "group-send-rate"], capture_output=True, text=True, timeout=120,
        check=False)
    assert quiet.returncode == 0 and "lint" not in quiet.stdout, quiet.stdout
    wrong = subprocess.run([sys.executable, "-m", "simulator", "test", str(scenario),
                            "--lint-ignore", "nope"], capture_output=True, text=True,
                           timeout=60, check=False)
    assert wrong.returncode == 2 and "unknown lint rules nope" in wrong.stdout + wrong.stderr


@pytest.mark.slow
def test_the_pytest_example_warns_and_fails_under_w_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flood=readme_files()["test_flood.py"])
    passed = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    passed.assert_outcomes(passed=1, warnings=1)
    passed.stdout.fnmatch_lines(["*SendRateLint: [[]qqsim lint group-send-rate[]] 6 messages "
                                 "to group 100100 within 5s (at most 5)*"])
    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W",
                                           "error::simulator.lint.SendRateLint", timeout=120)
    assert failed.ret != 0
    failed.stdout.fnmatch_lines(["*SendRateLint*group-send-rate*"])


@pytest.mark.slow
def test_qqsim_run_record_writes_the_file_when_stopped(tmp_path: Path) -> None:
    target = tmp_path / "recorded" / "session.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", "--ws-port", "0", "--http-port", "0",
         "--control-port", "0", "-q", "--record", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        control = ""
        while not control:  # the banner names every listener; wait for the control one
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "qqsim stopped"
            found = re.search(r"control\s+(http://\S+)", line)
            control = found.group(1) if found else ""
        body = json.dumps({"group_id": 100100, "message": "大家好"}).encode()
        posted = urllib.request.Request(f"{control}/api/people/20003/messages", body,
                                        {"Content-Type": "application/json"})
        with urllib.request.urlopen(posted, timeout=10) as answer:
            assert answer.status == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert f"qqsim: recorded 1 steps to {target}" in out
    scenario = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert scenario["steps"] == [{"say": {"from": 20003, "group": 100100, "text": "大家好"}}]
    assert load_file(target).name == "session"
