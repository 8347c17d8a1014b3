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
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import jsonschema
import pytest
import trio
import yaml

from simulator import ManualClock, SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator
from simulator.scenarios.model import SCHEMA_PATH

BOTS = Path(__file__).parent / "bots"
sys.path.insert(0, str(BOTS))
from reference_bot import run_bot  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
BOT, GROUP = 10001, 100100
WAIT_MS = 15_000
T = TypeVar("T")

try:
    from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytestmark = pytest.mark.skip(
        reason="the playwright package is not installed (pip install -e '.[test]')")
else:
    if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
        pytestmark = pytest.mark.skip(
            reason=f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium); "
                   "Playwright's own browser download is not used")


class Served:
    """qqsim with the control API and the reference bot, on a thread of its own."""

    def __init__(self, saves: Path) -> None:
        self.saves = saves
        self.url = ""
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._sim: Simulator | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Served:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("qqsim did not start within 30 s")
        if self._error:
            raise self._error
        return self

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                                 control_port=0)
        async with open_simulator(config, clock=ManualClock()) as sim:
            sim.recorder.directory = self.saves  # the console's saves: never the tracked tree
            self._sim, self._token = sim, trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            self.url = sim.url("control")
            async with trio.open_nursery() as nursery:
                nursery.start_soon(run_bot, sim.url("ws") + "/")
                with trio.fail_after(10):
                    await sim.wait_connected(BOT)
                self._ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()

    def call(self, fn: Callable[[Simulator], T]) -> T:
        assert self._token is not None and self._sim is not None
        sim = self._sim
        return trio.from_thread.run_sync(lambda: fn(sim), trio_token=self._token)

    def stop(self) -> None:
        if self._token is not None and self._stop is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = Served(tmp_path / "saved").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1366, "height": 768}, locale="zh-CN")
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    tab: Page = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


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

    saved = served.saves / "console-session.yaml"
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
