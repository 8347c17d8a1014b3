"""The web console at any size: a fresh load, a reload, a phone's screen, 100k people.

Chromium through Playwright, as in test_console_browser.py, whose fixtures (``browser``,
``page``, ``served``, ``screenshots``) and helpers these tests use: the World tab is
filled on a fresh page load; a system notice stays in its place after a reload; a 360 px
screen shows one pane at a time with nothing cut off; older messages load on scrolling
up; and on a generated world of 100k people and 10k groups the page is ready, and the
"I am" picker finds a person by name and by number, within generous bounds (the measured
figures are printed: ``-s`` shows them). Skipped, as there, without the browser.
"""
# ruff: noqa: F811  (a test's parameter names the fixture imported under that name)

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_console_browser
from test_console_browser import (  # noqa: F401  (fixtures are found by name)
    BOT,
    GROUP,
    OUTSIDE,
    PLACEHOLDERS_FIT,
    WAIT_MS,
    Served,
    browser,
    bubble,
    choose_identity,
    open_console,
    page,
    say,
    screenshots,
    seed_conversation,
    served,
)

from simulator.app import Simulator
from simulator.world import generated_world
from simulator.world.directory import Search, people

pytestmark = getattr(test_console_browser, "pytestmark", [])  # skipped there, skipped here
if not pytestmark:
    from playwright.sync_api import Page, expect
else:  # pragma: no cover - depends on the machine
    Page = expect = None  # type: ignore[assignment,misc]


def ordered_lines(page: Page) -> list[str]:
    """The open chat as read top to bottom: each message's text and each notice."""
    return list(page.locator("#messages").evaluate("""box => [...box.children]
        .filter((node) => node.matches('[data-testid=message], [data-testid=tip]'))
        .map((node) => node.matches('[data-testid=tip]') ? 'tip: ' + node.textContent
             : node.querySelector('[data-testid=bubble]').textContent)"""))


def test_the_world_tab_is_filled_on_a_fresh_page_load(page: Page, served: Served,
                                                      screenshots: Path) -> None:
    page.goto(served.url + "/#world")  # straight to the tab, nothing clicked before
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    expect(page.locator("[data-testid=join-form] h3")).to_have_text("Join a group as 张伟")
    expect(page.locator("[data-testid=add-person]")).to_be_visible()
    people_rows = page.locator("[data-testid=person]")
    expect(people_rows).to_have_count(10)  # the default world's people, bots aside
    expect(people_rows.first).to_contain_text("张伟")
    page.screenshot(path=str(screenshots / "console-world.png"))
    page.locator("[data-testid=people-search]").fill("李娜")
    expect(people_rows).to_have_count(1)
    expect(people_rows).to_contain_text("20003")


def test_a_notice_stays_in_its_place_after_a_reload(page: Page, served: Served) -> None:
    open_console(page, served, me=20001)  # the owner of 100100

    def before_mute_after(sim: Simulator) -> None:  # all at the same second (manual clock)
        sim.person(20003).send_group_msg(GROUP, "禁言之前")
        sim.person(20001).mute(GROUP, 20004, 60)
        sim.person(20003).send_group_msg(GROUP, "禁言之后")

    served.call(before_mute_after)
    expect(bubble(page, 20003, "禁言之后")).to_be_visible(timeout=WAIT_MS)
    live = ordered_lines(page)[-3:]
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    expect(page.locator("[data-testid=identity]")).to_have_value(re.compile(r"\(20001\)$"))
    page.locator(f"[data-chat='group:{GROUP}']").click()
    expect(bubble(page, 20003, "禁言之后")).to_be_visible()
    muted = "tip: 刘洋 was muted for 60s by 张伟"
    assert live == ["禁言之前", muted, "禁言之后"]
    assert ordered_lines(page)[-3:] == ["禁言之前", muted, "禁言之后"]


def test_a_phone_sized_screen_shows_one_pane_at_a_time(page: Page, served: Served,
                                                        screenshots: Path) -> None:
    served.call(seed_conversation)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(served.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    choose_identity(page, 20003)
    row = page.locator(f"[data-chat='group:{GROUP}']")
    row.click()
    composer = page.locator("[data-testid=composer]")
    expect(composer).to_be_visible()
    assert composer.bounding_box()["width"] > 250  # the chat pane takes the screen
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(OUTSIDE, 360) == []
    page.screenshot(path=str(screenshots / "console-narrow.png"))
    owner = page.locator("[data-testid=member][data-user='20001']")
    expect(owner).to_be_hidden()  # the member list slides over the chat when asked for
    page.locator(".members-toggle").click()
    expect(owner).to_be_visible()
    assert page.evaluate(OUTSIDE, 360) == []
    page.locator("[data-testid=members-close]").click()
    expect(owner).to_be_hidden()

    page.locator("[data-testid=back]").click()
    expect(row).to_be_visible()
    expect(composer).to_be_hidden()
    for tab in ("session", "world", "inspector"):
        page.locator(f"[data-testid=tab-{tab}]").click()
        assert page.evaluate(OUTSIDE, 360) == [], tab
        assert page.evaluate(PLACEHOLDERS_FIT) == [], tab
    page.locator("[data-testid=tab-session]").click()
    lefts = page.locator("#faults .button-grid button").evaluate_all(
        "buttons => buttons.map((b) => Math.round(b.getBoundingClientRect().left))")
    assert len(set(lefts)) == 1  # one column of aligned buttons


@pytest.fixture(scope="module")
def big_world() -> Iterator[Served]:
    """A generated world of 100k people and 10k groups (built in a few seconds)."""
    running = Served(spec=generated_world(1, people=100_000, groups=10_000)).start()
    yield running
    running.stop()


def test_a_world_of_100k_people_opens_quickly_and_the_picker_finds_anyone(
    page: Page, big_world: Served
) -> None:
    def someone(sim: Simulator) -> tuple[int, str]:
        for number in range(87_654, 120_000):  # a person whose name nobody else has
            name = sim.world.accounts.get(number).nickname
            if len(people(sim.world, Search(name, limit=2))) == 1:
                return number, name
        raise AssertionError("no unique name")

    number, name = big_world.call(someone)
    started = time.perf_counter()
    page.goto(big_world.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    ready = time.perf_counter() - started
    ready_ms = int(page.evaluate("document.body.dataset.readyMs"))
    identity = page.locator("[data-testid=identity]")
    found = {}
    for query in (name, str(number)):
        started = time.perf_counter()
        identity.fill(query)
        option = page.locator(f"[data-testid=identity-option][data-value='{number}']")
        expect(option).to_be_visible(timeout=WAIT_MS)
        found[query] = time.perf_counter() - started
        identity.press("Escape")
    print(f"\n100k people: console ready {ready_ms} ms after navigation starts ({ready:.2f} s "
          f"with the test's waiting); the picker found {number} by name in "
          f"{found[name]:.2f} s and by number in {found[str(number)]:.2f} s")
    # Measured figures are printed; bounds are generous so a loaded machine does not flake.
    assert ready < 10 and max(found.values()) < 5
    identity.fill("")  # everyone, a page at a time: the next page comes on scrolling
    options = page.locator("[data-testid=identity-option]")
    expect(options).to_have_count(50)
    page.locator("[data-testid=identity-options]").evaluate("list => list.scrollTop = 1e6")
    expect(options).to_have_count(100)
    identity.press("Escape")
    identity.fill(str(number))
    page.locator(f"[data-testid=identity-option][data-value='{number}']").click()
    expect(identity).to_have_value(f"{name} ({number})")
    expect(page.locator("[data-testid=chat-row]").first).to_be_visible(timeout=WAIT_MS)


def test_older_messages_load_when_scrolling_up(page: Page, served: Served) -> None:
    served.call(lambda sim: [sim.person(20002).send_group_msg(GROUP, f"消息{n}")
                             for n in range(1, 81)])
    open_console(page, served, me=20003)
    messages = page.locator("[data-testid=message]")
    expect(messages).to_have_count(60)  # the newest page
    expect(page.locator("[data-testid=bubble]").first).to_have_text("消息21")
    page.locator("#messages").evaluate("box => box.scrollTop = 0")
    expect(messages).to_have_count(80)
    expect(page.locator("[data-testid=bubble]").first).to_have_text("消息1")
    expect(page.locator("[data-testid=older]")).to_have_count(0)  # nothing older is left
