"""The console's snapshot and coverage cards, in Debian's Chromium (see test_console_browser)."""

from __future__ import annotations

import test_console_browser as console

# The running qqsim, the browser and the page come from the console's browser tests, and so
# does the skip (with its reason) where Chromium or Playwright is missing.
from test_console_browser import BOT, GROUP, WAIT_MS, Served, bubble, open_console

pytestmark = getattr(console, "pytestmark", [])
browser, page, served = console.browser, console.page, console.served  # fixtures, by name

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the module is skipped then
    Page = object  # type: ignore[assignment,misc]


def test_save_a_snapshot_talk_on_then_restore_it_from_the_page(page: Page, served: Served
                                                               ) -> None:
    open_console(page, served, me=20003)
    page.locator("[data-testid=tab-session]").click()
    page.locator("[data-testid=snapshot-name]").fill("quiet")
    page.locator("[data-testid=snapshot-save]").click()
    expect(page.locator("[data-testid=snapshot]")).to_contain_text("quiet", timeout=WAIT_MS)

    served.call(lambda sim: sim.person(20003).send_group_msg(GROUP, "ping"))
    page.locator("[data-testid=tab-chat]").click()
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)  # the bot answered

    page.locator("[data-testid=tab-session]").click()
    expect(page.locator("[data-testid=coverage]")).to_contain_text("napcat actions: 1/",
                                                                   timeout=WAIT_MS)
    page.locator("[data-testid=snapshot-restore]").click()
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)  # the page reloaded
    assert served.call(lambda sim: sim.history(group_id=GROUP)) == []
    page.locator("[data-testid=tab-chat]").click()
    page.locator(f"[data-chat='group:{GROUP}']").click()
    expect(bubble(page, BOT, "pong")).to_have_count(0)

