"""The web console in Firefox: Debian's firefox-esr driven over WebDriver BiDi.

Playwright cannot drive a stock Firefox, but Firefox speaks the W3C WebDriver
BiDi protocol itself; this test talks it over trio-websocket. It checks the
page loads, goes live, and shows the bot's reply to a message sent from it.
Skipped where /usr/bin/firefox-esr is missing (.ci/run installs it with Chromium).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import trio
from test_console_browser import BOT, GROUP, echo_bot
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import ManualClock, SimulatorConfig, default_onebot_config, open_simulator

FIREFOX = Path("/usr/bin/firefox-esr")

pytestmark = pytest.mark.skipif(
    not FIREFOX.exists(), reason=f"Firefox is not at {FIREFOX} (apt-get install firefox-esr)")

# Waits run inside the page (it polls its own DOM); the test itself never sleeps.
WAIT_FOR = """(test) => new Promise((resolve, reject) => {
  const started = Date.now();
  const check = () => {
    if (test()) resolve(true);
    else if (Date.now() - started > 15000) reject(new Error("timed out: " + test));
    else setTimeout(check, 50);
  };
  check();
})"""


class Bidi:
    """A minimal WebDriver BiDi client: commands in, results out (events ignored)."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self.context = ""

    async def command(self, method: str, **params: Any) -> Any:
        ident = next(self._ids)
        await self._ws.send_message(json.dumps({"id": ident, "method": method,
                                                "params": params}))
        while True:
            message = json.loads(await self._ws.get_message())
            if message.get("id") == ident:
                assert message.get("type") != "error", message
                return message["result"]

    async def run(self, function: str) -> Any:
        """Call a JavaScript function in the page and await what it returns."""
        result = await self.command(
            "script.callFunction", functionDeclaration=function, awaitPromise=True,
            target={"context": self.context})
        assert result["type"] == "success", result
        return result["result"].get("value")

    async def wait_for(self, condition: str) -> None:
        """Until the JavaScript expression ``condition`` holds in the page (15 s at most)."""
        await self.run(f"() => ({WAIT_FOR})(() => {condition})")


async def _bidi_url(process: trio.Process) -> str:
    """Firefox prints where its BiDi server listens (port 0 asked it to choose)."""
    assert process.stderr is not None
    seen = b""
    async for chunk in process.stderr:
        seen += chunk
        found = re.search(rb"WebDriver BiDi listening on (ws://\S+)", seen)
        if found:
            return found.group(1).decode() + "/session"
    raise RuntimeError(f"Firefox did not start its BiDi server: {seen[-500:]!r}")


@pytest.mark.trio
async def test_the_console_works_in_firefox() -> None:
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0)
    with trio.fail_after(60), tempfile.TemporaryDirectory() as profile:
        async with open_simulator(config, clock=ManualClock()) as sim, \
                trio.open_nursery() as nursery:
            ws_url = sim.url("ws")
            console = sim.url("control")
            nursery.start_soon(echo_bot, ws_url)
            await sim.wait_connected(BOT)
            process = await trio.lowlevel.open_process(
                [str(FIREFOX), "--headless", "--no-remote", "--profile", profile,
                 "--remote-debugging-port", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env={"HOME": profile, "PATH": "/usr/bin:/bin"})
            try:
                async with open_websocket_url(await _bidi_url(process),
                                              max_message_size=64 * 1024 * 1024) as ws:
                    await _drive(Bidi(ws), console)
            finally:
                process.kill()
                await process.wait()
            nursery.cancel_scope.cancel()
        history = sim.history(group_id=GROUP)
    assert [m.sender_id for m in history] == [20003, BOT]
    assert history[1].raw_message.endswith("pong")


async def _drive(browser: Bidi, console: str) -> None:
    await browser.command("session.new", capabilities={})
    tree = await browser.command("browsingContext.getTree")
    browser.context = tree["contexts"][0]["context"]
    await browser.command("browsingContext.navigate", context=browser.context,
                          url=console + "/", wait="complete")
    await browser.wait_for("document.body.dataset.ready === 'true' && "
                           "document.getElementById('live').dataset.live === 'true'")
    await browser.run("""() => {
      const identity = document.querySelector('[data-testid=identity]');
      identity.value = '20003';
      identity.dispatchEvent(new Event('change'));
    }""")
    await browser.wait_for("document.querySelector('[data-testid=composer]')?.placeholder"
                           ".includes('李娜')")
    await browser.run("""() => {
      document.querySelector("[data-chat='group:100100']").click();
    }""")
    await browser.wait_for("document.querySelector('[data-testid=chat-title]')?.textContent"
                           " === '机器人测试群'")
    await browser.run("""() => {
      document.querySelector('[data-testid=composer]').value = 'ping';
      document.querySelector('[data-testid=send]').click();
    }""")
    await browser.wait_for("[...document.querySelectorAll(\".msg[data-sender='10001'] "
                           "[data-testid=bubble]\")].some((b) => b.textContent.includes('pong'))")
    await browser.run("() => document.querySelector('[data-testid=tab-inspector]').click()")
    await browser.wait_for("[...document.querySelectorAll('[data-testid=action-row]')]"
                           ".some((row) => row.textContent.includes('send_group_msg'))")
