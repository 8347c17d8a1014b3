"""Scenario files are pytest tests: a ``*.qqsim.yaml`` under a test directory is collected
by the plugin, selected with ``-k``, run under pytest-xdist and reported in pytest's JUnit,
with the scenario's report (once) and the bot's output when it fails."""

from __future__ import annotations

import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_BOT = ROOT / "tests" / "bots" / "reference_bot.py"
BOT_CMD = f"{sys.executable} {REFERENCE_BOT}"

WRONG = """\
name: wrong-reply
tags: [smoke]
steps:
  - say: {from: 20003, group: 100100, text: ping}
  - expect_message: {group: 100100, text: pang, within: 500ms}
"""


def _project(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    for name in ("smoke/ping_pong.yaml", "moderation/mute_command.yaml"):
        shutil.copy(ROOT / "scenarios" / name,
                    pytester.path / Path(name).name.replace(".yaml", ".qqsim.yaml"))
    (pytester.path / "wrong.qqsim.yaml").write_text(WRONG, encoding="utf-8")
    # A YAML file that is not named *.qqsim.yaml is no test.
    shutil.copy(ROOT / "scenarios" / "smoke" / "messages.yaml", pytester.path / "plain.yaml")


@pytest.mark.slow
def test_scenario_files_run_as_tests_with_junit(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qqsim-bot-cmd",
                                           BOT_CMD, "--junit-xml=junit.xml", timeout=120)
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "expected: a message in group 100100 text='pang' (within 0.5s)" in text
    assert text.count("MessageCreated group 100100 from 20003: ping") == 1  # transcript once
    assert "qqsim bot 10001 output" in text  # the bot's side, as a report section
    assert "Traceback" not in text and "def _play" not in text  # no Python traceback
    cases = ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    outcome = {case.get("name"): [child.tag for child in case] for case in cases}
    assert set(outcome) == {"ping-pong", "mute-command", "wrong-reply"}
    assert "failure" in outcome["wrong-reply"] and "failure" not in outcome["ping-pong"]


@pytest.mark.slow
def test_k_selects_by_name_and_tag_and_xdist_spreads_them(pytester: pytest.Pytester) -> None:
    _project(pytester)
    by_tag = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qqsim-bot-cmd",
                                           BOT_CMD, "-k", "smoke", timeout=120)
    by_tag.assert_outcomes(failed=1)
    by_name = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qqsim-bot-cmd",
                                            BOT_CMD, "-k", "pong or mute", "-p", "xdist",
                                            "-n", "2", timeout=120)
    by_name.assert_outcomes(passed=2)
    assert "2 workers" in by_name.stdout.str()


def test_a_conftest_can_start_the_bot_its_own_way(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    shutil.copy(ROOT / "scenarios" / "smoke" / "ping_pong.yaml", pytester.path /
                "ping.qqsim.yml")
    pytester.makeconftest(f"""
import sys
import pytest

@pytest.fixture
def qqsim_bot(qqsim):
    return qqsim.start_bot([sys.executable, {str(REFERENCE_BOT)!r}])
""")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_invalid_file_is_a_collection_error_with_its_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / "typo.qqsim.yaml").write_text(
        "name: typo\nsteps:\n  - say: {from: 20003, group: 100100, txt: ping}\n",
        encoding="utf-8")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*typo.qqsim.yaml:3:39: steps[[]0].say.txt: unknown key "
                                 "'txt' (did you mean 'text'?)"])
    assert "Traceback" not in result.stdout.str()


def test_without_a_bot_the_test_says_how_to_give_one(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    shutil.copy(ROOT / "scenarios" / "smoke" / "ping_pong.yaml", pytester.path /
                "ping.qqsim.yaml")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no bot for scenario files: pass --qqsim-bot-cmd CMD*"])
