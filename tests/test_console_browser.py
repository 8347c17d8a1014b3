"""The web console in a real headless browser (Playwright driving Debian's Chromium).

qqsim runs in a background thread with a small bot connected over forward
WebSocket (it answers "ping" with a quoted "pong" and approves every friend
request); the test drives the page as a person would and checks both what the
page shows and what the world holds. Screenshots of the chat pane and the
inspector are saved to docs/ from this run.

Skipped, with the reason, where /usr/bin/chromium or the playwright package is
missing (.ci/run installs both).
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import tempfile
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import ManualClock, SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator
from simulator.world import WorldSpec

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Screenshots go to this directory only when asked (``QQSIM_SCREENSHOTS=docs`` regenerates
#: the README's); a normal run writes them to a temporary directory, never the tracked tree.
SCREENSHOTS_ENV = "QQSIM_SCREENSHOTS"
BOT, GROUP, OTHER_GROUP = 10001, 100100, 100200
WAIT_MS = 15_000

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

T = TypeVar("T")


# -- a bot over forward WebSocket ------------------------------------------------------


async def _send(ws: WebSocketConnection, action: str, params: dict[str, Any]) -> None:
    await ws.send_message(json.dumps({"action": action, "params": params, "echo": action}))


def _text_of(event: dict[str, Any]) -> str:
    """The plain text of a message event (quotes and mentions left out)."""
    return "".join(s["data"]["text"] for s in event["message"] if s["type"] == "text").strip()


async def echo_bot(url: str) -> None:
    """Answers a "ping" with a quoted "pong"; approves every friend request."""
    async with open_websocket_url(url + "/") as ws:
        while True:
            event = json.loads(await ws.get_message())
            if event.get("post_type") == "message" and _text_of(event) == "ping":
                reply = [{"type": "reply", "data": {"id": str(event["message_id"])}},
                         {"type": "text", "data": {"text": "pong"}}]
                if event["message_type"] == "group":
                    await _send(ws, "send_group_msg", {"group_id": event["group_id"],
                                                       "message": reply})
                else:
                    await _send(ws, "send_private_msg", {"user_id": event["user_id"],
                                                         "message": reply})
            elif event.get("request_type") == "friend":
                await _send(ws, "set_friend_add_request", {"flag": event["flag"],
                                                           "approve": True})


# -- qqsim in a background thread ----------------------------------------------------------


class Served:
    """A running qqsim (control API + console + a connected bot) on another thread."""

    def __init__(self, token: str = "", spec: WorldSpec | None = None, *,
                 bot: Callable[[str], Awaitable[None]] | None = None,
                 prepare: Callable[[Simulator], None] | None = None) -> None:
        self.token = token
        self.spec = spec
        self._bot = bot or echo_bot  # run with the bot's forward WebSocket URL
        self._prepare = prepare  # run on the simulator before the bot connects
        self.url = ""
        self._ready = threading.Event()
        self._trio_token: trio.lowlevel.TrioToken | None = None
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
                                 control_port=0, control_token=self.token)
        async with open_simulator(config, spec=self.spec, clock=ManualClock()) as sim:
            if self._prepare is not None:
                self._prepare(sim)
            self._sim = sim
            self._trio_token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            self.url = sim.url("control")
            ws_url = sim.url("ws")
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._bot, ws_url)
                with trio.fail_after(10):
                    await sim.wait_connected(BOT)
                self._ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()

    def call(self, fn: Callable[[Simulator], T]) -> T:
        """Run ``fn(sim)`` on qqsim's own thread (the world is not shared across threads)."""
        assert self._trio_token is not None and self._sim is not None
        sim = self._sim
        return trio.from_thread.run_sync(lambda: fn(sim), trio_token=self._trio_token)

    def stop(self) -> None:
        if self._trio_token is not None and self._stop is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._trio_token)
        self._thread.join(10)


@pytest.fixture
def served() -> Iterator[Served]:
    running = Served().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1366, "height": 768}, locale="zh-CN",
        )
        yield context  # a persistent context: the fresh profile directory is ours
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    tab: Page = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def choose_identity(page: Page, me: int) -> None:
    """Speak as ``me``: search the "I am" picker for the number and pick the person."""
    page.locator("[data-testid=identity]").fill(str(me))
    page.locator(f"[data-testid=identity-option][data-value='{me}']").click()
    expect(page.locator("[data-testid=identity]")).to_have_value(re.compile(rf"\({me}\)$"))


def open_console(page: Page, served: Served, me: int, chat: str = f"group:{GROUP}",
                 query: str = "") -> None:
    page.goto(served.url + "/" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    choose_identity(page, me)
    page.locator(f"[data-chat='{chat}']").click()
    expect(page.locator("[data-testid=live]")).to_have_attribute("data-live", "true",
                                                                  timeout=WAIT_MS)


PLACEHOLDERS_FIT = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('input[placeholder], textarea[placeholder]')]
    .filter((input) => input.offsetParent !== null && input.tagName === 'INPUT')
    .filter((input) => {
      const style = getComputedStyle(input);
      canvas.font = `${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
      return canvas.measureText(input.placeholder).width > room + 1;
    }).map((input) => input.placeholder);
}"""
OUTSIDE = """(width) => [...document.querySelectorAll('button, input, select, textarea')]
  .filter((node) => node.offsetParent !== null
    && !node.closest('.tabs, .traffic-rows, .requests-box'))
  .filter((node) => {
    const r = node.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1;
  })
  .map((node) => node.outerHTML.slice(0, 80))"""


def say(page: Page, text: str) -> None:
    page.locator("[data-testid=composer]").fill(text)
    page.locator("[data-testid=composer]").press("Enter")


def bubble(page: Page, sender: int, text: str) -> Any:
    return page.locator(f".msg[data-sender='{sender}'] [data-testid=bubble]", has_text=text)


def tiny_png(width: int = 24, height: int = 16, rgb: tuple[int, int, int] = (0, 153, 255)) -> bytes:
    """A valid PNG of one colour, built here (no image files or libraries needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def seed_conversation(sim: Simulator) -> None:
    """A few messages of every kind, so the chat screenshot shows what the console renders."""
    image = "base64://" + base64.b64encode(tiny_png(180, 90)).decode()
    sim.person(20001).send_group_msg(GROUP, "大家好，欢迎来到机器人测试群 [CQ:face,id=14]")
    sim.person(20002).send_group_msg(GROUP, [{"type": "image", "data": {"file": image}}])
    asked = sim.person(20004).send_group_msg(GROUP, f"[CQ:at,qq={BOT}] 今天天气怎么样？")
    sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": [
        {"type": "reply", "data": {"id": str(asked.message_id)}},
        {"type": "text", "data": {"text": "晴，25°C "}}, {"type": "face", "data": {"id": "76"}}]})
    oops = sim.person(20005).send_group_msg(GROUP, "发错群了")
    sim.person(20005).recall(oops.message_id)
    sim.person(20001).mute(GROUP, 20006, 600)  # a system notice, shown inline


# -- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    asked = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(asked) if asked else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_person_writes_the_bot_replies_and_the_inspector_shows_the_call(
    page: Page, served: Served, screenshots: Path
) -> None:
    served.call(seed_conversation)
    open_console(page, served, me=20003)
    expect(page.locator("[data-testid=chat-title]")).to_have_text("机器人测试群")

    say(page, "ping")

    reply = bubble(page, BOT, "pong")
    expect(reply).to_be_visible(timeout=WAIT_MS)  # live, without reloading
    expect(reply.locator("[data-testid=quote]")).to_contain_text("ping")
    expect(bubble(page, 20003, "ping")).to_be_visible()
    expect(page.locator(".msg.mine [data-testid=bubble]", has_text="ping")).to_be_visible()
    expect(page.locator(".msg[data-sender='20002'] [data-testid=role]")).to_have_text("管理员")
    expect(page.locator(".msg[data-sender='20001'] [data-testid=role]").first).to_have_text("群主")
    expect(page.locator("[data-testid=recalled]")).to_have_count(1)
    expect(page.locator("[data-testid=tip]")).to_have_text("杨磊 was muted for 600s by 张伟")
    image = page.locator("[data-testid=image]").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 180  # served from media
    history = served.call(lambda sim: [(m.sender_id, m.raw_message)
                                       for m in sim.history(group_id=GROUP)][-2:])
    assert history[0] == (20003, "ping")
    assert history[1][0] == BOT and history[1][1].endswith("pong")
    page.screenshot(path=str(screenshots / "console-chat.png"))

    page.locator("[data-testid=tab-inspector]").click()
    call = page.locator("[data-testid=action-row]", has_text="send_group_msg").first
    expect(call).to_be_visible()
    expect(call).to_contain_text("ok")
    call.click()
    detail = page.locator("[data-testid=traffic-detail]")
    expect(detail).to_contain_text('"text": "pong"')
    expect(detail).to_contain_text('"retcode": 0')
    expect(detail).to_contain_text("Latency")
    expect(page.locator("[data-testid=frame-row]", has_text="from 20003: ping")).to_be_visible()
    expect(page.locator("[data-testid=connections]")).to_contain_text("ws-server")
    page.screenshot(path=str(screenshots / "console-inspector.png"))
    for tab in ("inspector", "session", "world", "chat"):  # no placeholder cut short
        page.locator(f"[data-testid=tab-{tab}]").click()
        assert page.evaluate(PLACEHOLDERS_FIT) == [], tab


def test_private_chat_with_the_bot(page: Page, served: Served) -> None:
    open_console(page, served, me=20001, chat=f"private:{BOT}")
    expect(page.locator("[data-testid=chat-title]")).to_have_text("小Q")
    page.locator("[data-testid=chat-search]").fill("小Q")  # chats searched as you type
    expect(page.locator("[data-testid=chat-row]")).to_have_count(1)
    expect(page.locator("[data-testid=chat-row]")).to_have_attribute("data-chat", f"private:{BOT}")
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)
    history = served.call(lambda sim: [m.raw_message for m in sim.history(user_id=20001,
                                                                          peer_id=BOT)])
    assert history[0] == "ping"
    assert history[-1].endswith("pong")


def test_messages_in_other_chats_count_as_unread_until_opened(page: Page, served: Served) -> None:
    open_console(page, served, me=20003)
    row = page.locator(f"[data-chat='group:{OTHER_GROUP}']")
    expect(row.locator("[data-testid=unread]")).to_have_count(0)

    served.call(lambda sim: sim.person(20008).send_group_msg(OTHER_GROUP, "有人吗"))
    expect(row.locator("[data-testid=unread]")).to_have_text("1", timeout=WAIT_MS)
    served.call(lambda sim: sim.person(20009).send_group_msg(OTHER_GROUP, "在的"))
    expect(row.locator("[data-testid=unread]")).to_have_text("2", timeout=WAIT_MS)
    expect(row).to_contain_text("在的")  # the preview shows the latest message

    row.click()
    expect(row.locator("[data-testid=unread]")).to_have_count(0)
    expect(bubble(page, 20008, "有人吗")).to_be_visible()


def test_the_owner_mutes_and_kicks_from_the_member_panel(page: Page, served: Served) -> None:
    open_console(page, served, me=20001)  # 20001 owns group 100100

    page.locator("[data-testid=member][data-user='20004']").click()
    page.locator("[data-testid=menu-mute]").click()
    page.locator("input[name=duration]").fill("120")
    page.locator("[data-testid=dialog-submit]").click()
    expect(page.locator("[data-testid=tip]", has_text="was muted for 120s")).to_be_visible(
        timeout=WAIT_MS)
    muted_until = served.call(lambda sim: sim.world.groups.member(GROUP, 20004).mute_until)
    assert muted_until == served.call(lambda sim: sim.world.now()) + 120

    page.locator("[data-testid=member][data-user='20006']").click()
    page.locator("[data-testid=menu-kick]").click()
    expect(page.locator("[data-testid=member][data-user='20006']")).to_have_count(
        0, timeout=WAIT_MS)
    assert served.call(lambda sim: sim.world.groups.find_member(GROUP, 20006)) is None

    page.locator("[data-testid=tab-inspector]").click()
    expect(page.locator("[data-testid=frame-row]", has_text="notice group_ban")).to_be_visible()
    expect(page.locator("[data-testid=frame-row]", has_text="group_decrease/kick")).to_be_visible()


def test_a_plain_member_is_refused_as_qq_would(page: Page, served: Served) -> None:
    open_console(page, served, me=20004)  # a plain member of 100100
    page.locator("[data-testid=member][data-user='20005']").click()
    page.locator("[data-testid=menu-kick]").click()
    expect(page.locator(".toast.error")).to_contain_text("ERR_NOT_GROUP_ADMIN")
    assert served.call(lambda sim: sim.world.groups.find_member(GROUP, 20005)) is not None


def test_reply_to_and_recall_a_message(page: Page, served: Served) -> None:
    served.call(lambda sim: sim.person(20004).send_group_msg(GROUP, "说错话了"))
    open_console(page, served, me=20001)  # the owner may recall anyone's message
    message = page.locator(".msg[data-sender='20004']", has_text="说错话了")
    message.hover()
    message.locator("[data-testid=reply]").click()
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)
    expect(bubble(page, 20001, "ping").locator("[data-testid=quote]")).to_contain_text("说错话了")
    asked = served.call(lambda sim: sim.history(group_id=GROUP)[-2])
    assert asked.segments[0] == {"type": "reply", "data": {"id": str(
        served.call(lambda sim: sim.history(group_id=GROUP)[-3].message_id))}}

    message.hover()
    message.locator("[data-testid=recall]").click()
    expect(message.locator("[data-testid=recalled]")).to_be_visible(timeout=WAIT_MS)
    assert served.call(lambda sim: sim.history(group_id=GROUP)[-3].recalled) is True


def test_each_message_links_to_the_frames_behind_it(page: Page, served: Served) -> None:
    open_console(page, served, me=20003)
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)

    asked = page.locator(".msg[data-sender='20003']", has_text="ping")
    asked.hover()
    asked.locator("[data-testid=frames]").click()
    expect(page.locator("[data-testid=message-filter]")).to_be_visible()
    rows = page.locator("[data-testid=traffic] li")
    expect(rows).to_have_count(1)
    expect(page.locator("[data-testid=frame-row]")).to_contain_text("from 20003: ping")

    page.locator("[data-testid=tab-chat]").click()
    answer = page.locator(f".msg[data-sender='{BOT}']", has_text="pong")
    answer.hover()
    answer.locator("[data-testid=frames]").click()
    expect(page.locator("[data-testid=action-row]")).to_contain_text("send_group_msg")
    expect(page.locator("[data-testid=frame-row]")).to_have_count(0)


def test_images_files_and_forwards_render_and_open(page: Page, served: Served) -> None:
    def forward(sim: Simulator) -> None:
        sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": [
            {"type": "node", "data": {"user_id": "20001", "nickname": "张伟",
                                      "content": "第一条转发"}},
            {"type": "node", "data": {"user_id": "20002", "nickname": "王芳",
                                      "content": "第二条转发"}}]})

    served.call(forward)
    open_console(page, served, me=20003)
    page.locator("[data-testid=image-input]").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": tiny_png()}])
    image = page.locator(".msg.mine [data-testid=image]")
    expect(image).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function("img => img.complete && img.naturalWidth === 24",
                           arg=image.element_handle())
    page.locator("[data-testid=file-input]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.locator(".msg.mine [data-testid=file]", has_text="notes.txt")).to_be_visible(
        timeout=WAIT_MS)

    page.locator("[data-testid=forward]").click()
    nodes = page.locator("[data-testid=forward-nodes]")
    expect(nodes).to_contain_text("第一条转发")
    expect(nodes).to_contain_text("王芳")


def test_a_friend_request_shows_whether_the_bot_approved_it(page: Page, served: Served) -> None:
    open_console(page, served, me=20004)  # not yet a friend of the bot
    page.locator("[data-testid=tab-world]").click()
    page.locator("[data-testid=friend-form] button[type=submit]").click()
    state = page.locator("[data-testid=request-row] [data-testid=request-state]")
    expect(state).to_have_text("approved", timeout=WAIT_MS)
    assert served.call(lambda sim: sim.world.accounts.is_friend(20004, BOT))


def test_add_a_person_and_speak_as_them(page: Page, served: Served) -> None:
    open_console(page, served, me=20001)
    page.locator("[data-testid=tab-world]").click()
    page.locator("[data-testid=new-person-name]").fill("新同学")
    with page.expect_response(lambda r: r.url.endswith("/api/people")
                              and r.request.method == "POST", timeout=WAIT_MS):
        page.locator("[data-testid=add-person] button[type=submit]").click()
    newcomer = served.call(lambda sim: next(a.user_id for a in sim.world.accounts.all()
                                            if a.nickname == "新同学"))
    page.locator("[data-testid=identity]").fill("新同学")  # found by name
    page.locator(f"[data-testid=identity-option][data-value='{newcomer}']").click()
    page.locator("[data-testid=join-group]").fill("机器人")
    page.locator(f"[data-testid=join-group-option][data-value='{GROUP}']").click()
    page.locator("[data-testid=join-form] button[type=submit]").click()
    expect(page.locator(f"[data-chat='group:{GROUP}']")).to_have_count(1, timeout=WAIT_MS)
    assert served.call(lambda sim: sim.world.groups.find_member(GROUP, newcomer)) is not None
    page.locator("[data-testid=tab-chat]").click()
    page.locator(f"[data-chat='group:{GROUP}']").click()
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)


def test_a_protected_console_asks_for_the_token(page: Page) -> None:
    served = Served(token="s3cret").start()
    try:
        page.on("dialog", lambda dialog: dialog.accept("s3cret"))
        open_console(page, served, me=20003)
        say(page, "ping")
        expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)
    finally:
        served.stop()


def test_react_to_a_message_and_poke_a_member(page: Page, served: Served) -> None:
    served.call(lambda sim: sim.person(20001).send_group_msg(GROUP, "周五聚餐"))
    open_console(page, served, me=20003)
    message = page.locator(".msg[data-sender='20001']", has_text="周五聚餐")
    message.hover()
    message.locator("[data-testid=react]").click()
    page.locator("select[name=emoji_id]").select_option("76")
    page.locator("[data-testid=dialog-submit]").click()
    expect(message.locator("[data-testid=reaction][data-emoji='76']")).to_have_text("赞 1",
                                                                                    timeout=WAIT_MS)
    message_id = served.call(lambda sim: sim.history(group_id=GROUP)[-1].message_id)
    assert served.call(lambda sim: sim.world.reactions.reactors(message_id, "76")) == [20003]

    page.locator("[data-testid=member][data-user='20001']").click()
    page.locator("[data-testid=menu-poke]").click()
    expect(page.locator("[data-testid=tip]", has_text="戳了戳")).to_be_visible(timeout=WAIT_MS)
    page.locator("[data-testid=tab-inspector]").click()
    expect(page.locator("[data-testid=frame-row]", has_text="notify/poke")).to_be_visible()
    expect(page.locator("[data-testid=frame-row]", has_text="group_msg_emoji_like")).to_be_visible()


def test_a_fault_switched_on_from_the_page_makes_the_bot_fail(page: Page, served: Served) -> None:
    open_console(page, served, me=20003)
    page.locator("[data-testid=tab-session]").click()
    switch = page.locator("[data-testid=fault-fail-send]")
    switch.check()
    expect(page.locator("[data-testid=armed-fault]")).to_contain_text("fail-send")

    page.locator("[data-testid=tab-chat]").click()
    say(page, "ping")
    page.locator("[data-testid=tab-inspector]").click()
    failed = page.locator("[data-testid=action-row]", has_text="send_group_msg")
    expect(failed).to_contain_text("fault: fail", timeout=WAIT_MS)
    expect(failed).to_contain_text("failed 1200")
    assert served.call(lambda sim: sim.history(group_id=GROUP)[-1].raw_message) == "ping"

    page.locator("[data-testid=tab-session]").click()
    switch.uncheck()
    expect(page.locator("[data-testid=armed-fault]")).to_have_count(0)
    page.locator("[data-testid=tab-chat]").click()
    say(page, "ping")
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)


def test_run_a_scenario_and_advance_the_clock_from_the_page(page: Page, served: Served) -> None:
    open_console(page, served, me=20003)
    page.locator("[data-testid=tab-session]").click()
    before = page.locator("[data-testid=world-time]").inner_text()
    page.locator("[data-testid=advance-by]").fill("1h")
    page.locator("[data-testid=advance]").click()
    expect(page.locator("[data-testid=world-time]")).not_to_have_text(before, timeout=WAIT_MS)
    assert served.call(lambda sim: sim.world.now()) == 1_767_225_600 + 3600

    page.locator("[data-testid=scenario-file]").select_option("smoke/ping_pong.yaml")
    page.locator("[data-testid=run-scenario]").click()
    status = page.locator("[data-testid=scenario-status]")
    expect(status).to_have_attribute("data-status", "passed", timeout=WAIT_MS)
    expect(page.locator("[data-testid=scenario-log]")).to_contain_text("expect_message")
    page.locator("[data-testid=tab-chat]").click()
    page.locator(f"[data-chat='group:{GROUP}']").click()
    expect(bubble(page, BOT, "pong")).to_be_visible(timeout=WAIT_MS)  # what the scenario played

