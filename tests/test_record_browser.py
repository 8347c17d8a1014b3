"""Recording a console session in a real browser, saving it, replaying it with ``qqsim test``;
and the lint shown beside a call in the inspector.

qqsim runs on a background thread with the reference bot (tests/bots/reference_bot.py)
connected over forward WebSocket; Playwright drives Debian's Chromium. The saved file is
replayed by the real command line against the same bot (green) and against a changed one
(red, with the usual report). Skipped, with the reason, where /usr/bin/chromium or the
playwright package is missing, like tests/test_console_browser.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import test_console_browser as console
import yaml
from test_console_browser import BOT, CHROMIUM, GROUP, WAIT_MS, Served

from simulator.app import Simulator
from simulator.scenarios.schema import SCHEMA_PATH

BOTS = Path(__file__).parent / "bots"
sys.path.insert(0, str(BOTS))
from reference_bot import run_bot  # noqa: E402

# The browser and the page come from the console's browser tests (qqsim on a thread, too).
browser, page = console.browser, console.page  # fixtures, by name

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the machine
    pytestmark = pytest.mark.skip(
        reason="the playwright package is not installed (pip install -e '.[test]')")
else:
    if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
        pytestmark = pytest.mark.skip(
            reason=f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium); "
                   "Playwright's own browser download is not used")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    def saves_in_tmp(sim: Simulator) -> None:
        sim.recorder.directory = tmp_path / "saved"  # the console's saves: never the tree

    running = Served(bot=lambda url: run_bot(url + "/"), prepare=saves_in_tmp).start()
    yield running
    running.stop()


def open_console(page: Page, served: Served, me: int) -> None:
    page.goto(served.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    identity = page.locator("[data-testid=identity]")
    if identity.evaluate("node => node.tagName") == "SELECT":
        identity.select_option(str(me))
    else:  # the console's searchable person picker
        identity.fill(str(me))
        page.locator(f"[data-testid=identity-option][data-value='{me}']").click()
    page.locator(f"[data-chat='group:{GROUP}']").click()
    expect(page.locator("[data-testid=live]")).to_have_attribute("data-live", "true",
                                                                  timeout=WAIT_MS)


def say_and_see(page: Page, text: str, answer: str) -> None:
    page.locator("[data-testid=composer]").fill(text)
    page.locator("[data-testid=composer]").press("Enter")
    reply = page.locator(f".msg[data-sender='{BOT}'] [data-testid=bubble]", has_text=answer)
    expect(reply.last).to_be_visible(timeout=WAIT_MS)


def qqsim_test(scenario: Path, bot_script: Path, tmp_path: Path
               ) -> subprocess.CompletedProcess[str]:
    """``qqsim test`` as a user runs it, on free ports, starting the bot itself."""
    return subprocess.run(
        [sys.executable, "-m", "simulator", "test", str(scenario), "--ws-port", "0",
         "--http-port", "0", "--bot-cmd", f"{sys.executable} {bot_script}",
         "--junit", str(tmp_path / "junit.xml"), "--connect-timeout", "20"],
        capture_output=True, text=True, timeout=120, check=False)


def test_record_a_console_session_save_it_and_replay_it(page: Page, served: Served,
                                                        tmp_path: Path) -> None:
    open_console(page, served, me=20003)
    page.locator("[data-testid=tab-session]").click()
    page.locator("[data-testid=record-switch]").check()
    expect(page.locator("[data-testid=recorder]")).to_contain_text("Recording…",
                                                                   timeout=WAIT_MS)

    page.locator("[data-testid=tab-chat]").click()
    say_and_see(page, "ping", "pong")
    say_and_see(page, "echo 周五 19:30 聚餐", "周五 19:30 聚餐")
    say_and_see(page, "/quote", "收到")

    page.locator("[data-testid=tab-session]").click()
    steps = page.locator("[data-testid=record-step]")
    expect(steps).to_have_count(6, timeout=WAIT_MS)  # three says, three expectations
    echo = steps.filter(has=page.locator("[data-testid=record-text][value='周五 19:30 聚餐']"))
    echo.locator("[data-testid=record-mode]").select_option("contains")
    expect(page.locator("[data-testid=record-step] [data-testid=record-mode]").nth(1)
           ).to_have_value("contains", timeout=WAIT_MS)
    text = page.locator("[data-testid=record-step] [data-testid=record-text]").nth(1)
    text.fill("聚餐")
    text.press("Enter")
    text.blur()
    page.locator("[data-testid=record-switch]").uncheck()
    page.locator("[data-testid=record-name]").fill("console-session")
    page.locator("[data-testid=record-save]").click()
    expect(page.locator("[data-testid=record-saved]")).to_contain_text("console-session.yaml",
                                                                       timeout=WAIT_MS)

    saved = served.call(lambda sim: sim.recorder.directory) / "console-session.yaml"
    scenario = yaml.safe_load(saved.read_text(encoding="utf-8"))
    jsonschema.validate(scenario, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    steps_written = scenario["steps"]
    assert steps_written[0] == {"say": {"from": 20003, "group": GROUP, "text": "ping"}}
    assert {"expect": {"action": "send_group_msg", "group": GROUP, "contains": "聚餐"}} \
        in steps_written
    quote = steps_written[-1]["expect"]
    assert quote["reply_to"] == steps_written[-2]["say"]["as"]  # a reference, not an id

    green = qqsim_test(saved, BOTS / "reference_bot.py", tmp_path)
    assert green.returncode == 0, green.stdout + green.stderr
    assert "1 scenarios: 1 passed" in green.stdout

    changed = tmp_path / "changed_bot.py"
    changed.write_text(
        f"import sys\nsys.path.insert(0, {str(BOTS)!r})\nimport reference_bot\n\n\n"
        "async def ping(bot, event, rest, ats, segments):\n"
        "    await bot.send(event, 'PONG!')\n\n\n"
        "reference_bot.COMMANDS['ping'] = ping\nreference_bot.main()\n", encoding="utf-8")
    red = qqsim_test(saved, changed, tmp_path)
    assert red.returncode == 1, red.stdout + red.stderr
    assert "FAILED console-session at step 2 (expect" in red.stdout
    assert "PONG!" in red.stdout and "transcript:" in red.stdout
    assert '<failure message="' in (tmp_path / "junit.xml").read_text(encoding="utf-8")


def test_a_lint_shows_beside_the_call_in_the_inspector(page: Page, served: Served) -> None:
    open_console(page, served, me=20003)
    say_and_see(page, "/burst 7", "burst 7")
    page.locator("[data-testid=tab-inspector]").click()
    badge = page.locator("[data-testid=action-row] [data-testid=lint-badge]")
    expect(badge).to_have_count(1, timeout=WAIT_MS)
    expect(badge).to_contain_text("group-send-rate")
    badge.locator("xpath=..").click()
    detail = page.locator("[data-testid=lint-detail]")
    expect(detail).to_contain_text("6 messages to group 100100", timeout=WAIT_MS)
    expect(detail).to_contain_text("Source: go-cqhttp")
    expect(detail).to_contain_text("QQSIM_LINT_IGNORE=group-send-rate")
