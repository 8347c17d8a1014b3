"""Benchmark: what the ``qqsim`` fixture costs a test, and a NoneBot2 ping → pong test
in-process, beside nonebug's equivalents measured in the same process.

Each part is one pytest run (in this process) over a generated file whose tests of every
kind are interleaved, so each kind is measured in alternating rounds under the same load.
A test's time is its setup + call + teardown as pytest reports them; the first
``--warmup`` tests of each kind are left out; median and minimum are printed, with
``/proc/loadavg`` before and after.

1. fixture: an empty test (the baseline) and tests that only ask for ``qqsim``, in sync,
   asyncio (pytest-asyncio) and trio (pytest-trio) form, and a sync one that reads
   ``qqsim.ws_url``: in every kind of test the listeners start at their first use,
   so that one also pays for binding them. ``--transports none`` serves a world with no
   listener.
2. nonebot: in pytest-asyncio's session loop, with one NoneBot2 for the session:
   nonebug's ``app`` fixture around an empty test; ``qqsim`` + ``qqsim_nonebot``
   (NoneBot connected to the test's world) around an empty test; nonebug's
   ``test_matcher`` ping → pong (a fake bot, the matcher called directly); qqsim's
   ping → pong as the README writes it (a person says ping, ``expect.message`` pong,
   ``wait_quiet``), through the real adapter over a forward WebSocket. nonebug comes
   with ``pip install -e '.[bench]'``; without it only qqsim's side runs.

    python bench/bench_fixture.py [--tests 40] [--warmup 3] [--transports ws,http|none]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from common import loadavg

FIXTURE_KINDS = {
    "empty": "def test_empty_{n}():\n    pass\n",
    "sync": "def test_sync_{n}(qqsim):\n    pass\n",
    "asyncio": "@pytest.mark.asyncio\nasync def test_asyncio_{n}(qqsim):\n    pass\n",
    "trio": "@pytest.mark.trio\nasync def test_trio_{n}(qqsim):\n    pass\n",
    "sync, listening": "def test_listening_{n}(qqsim):\n    assert qqsim.ws_url\n",
}
FIXTURE_INI = """[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

NONEBOT_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""
NONEBOT_CONFTEST = '''
import pytest
from simulator.testing.nonebot import INIT_DEFAULTS, NoneBotSetup


def pytest_configure(config):
    try:
        from nonebug import NONEBOT_INIT_KWARGS
    except ImportError:
        return
    config.stash[NONEBOT_INIT_KWARGS] = dict(INIT_DEFAULTS)  # one init for both sides


@pytest.fixture(scope="session")
def qqsim_nonebot_setup():
    return NoneBotSetup(plugins=["bench_ping"])
'''
PLUGIN = '''
from nonebot import on_fullmatch

ping = on_fullmatch("ping")


@ping.handle()
async def _():
    await ping.finish("pong")
'''
NONEBOT_HEAD = '''
def group_message(text):
    from nonebot.adapters.onebot.v11 import GroupMessageEvent, Message
    from nonebot.adapters.onebot.v11.event import Sender

    return GroupMessageEvent(
        time=0, self_id=10001, post_type="message", sub_type="normal", user_id=20003,
        message_type="group", message_id=1, message=Message(text),
        original_message=Message(text), raw_message=text, font=0,
        sender=Sender(user_id=20003), to_me=False, group_id=100100)
'''
NONEBUG_KINDS = {
    "nonebug app": "async def test_nonebug_app_{n}(app):\n    pass\n",
    "nonebug ping": '''
async def test_nonebug_ping_{n}(app, qqsim_nonebot_session):
    from nonebot.adapters.onebot.v11 import Bot
    from bench_ping import ping

    async with app.test_matcher(ping) as ctx:
        bot = ctx.create_bot(base=Bot)
        event = group_message("ping")
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, "pong", result=None)
        ctx.should_finished(ping)
''',
}
QQSIM_NONEBOT_KINDS = {
    "empty": "def test_empty_{n}():\n    pass\n",
    "qqsim nonebot": "async def test_qqsim_nonebot_{n}(qqsim, qqsim_nonebot):\n    pass\n",
    "qqsim ping": '''
async def test_qqsim_ping_{n}(qqsim, qqsim_nonebot):
    qqsim.person(20003).send_group_msg(100100, "ping")
    await qqsim.expect.message(group=100100, text="pong")
    await qqsim.wait_quiet()
''',
}


class Timings:
    """Collects each test's setup + call + teardown seconds, by kind."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.by_test: dict[str, float] = defaultdict(float)
        self.failed: list[str] = []
        self._kinds = {_function(template): kind for kind, template in kinds.items()}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.by_test[report.nodeid] += report.duration
        if report.failed:
            self.failed.append(report.nodeid)

    def by_kind(self, warmup: int) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for nodeid, seconds in self.by_test.items():
            function = nodeid.rsplit("::", 1)[1].rsplit("_", 1)[0]
            out[self._kinds[function]].append(seconds)
        return {kind: times[warmup:] for kind, times in out.items()}


def _function(template: str) -> str:
    return template.split("def ", 1)[1].split("_{n}", 1)[0]


def run_tests(folder: Path, name: str, kinds: dict[str, str], count: int, head: str,
              extra: list[str]) -> Timings:
    body = ["import pytest\n", head]
    for n in range(count):
        body += [template.format(n=n) for template in kinds.values()]
    (folder / f"{name}.py").write_text("\n".join(body), encoding="utf-8")
    timings = Timings(kinds)
    code = pytest.main([str(folder / f"{name}.py"), "-q", "-p", "no:cacheprovider",
                        "--rootdir", str(folder), "-c", str(folder / "pytest.ini"), *extra],
                       plugins=[timings])
    if code != 0 or timings.failed:
        raise SystemExit(f"the benchmark's tests failed: {timings.failed}")
    return timings


def fixture_part(count: int, warmup: int, transports: str) -> dict[str, list[float]]:
    marker = "" if transports == "ws,http" else (
        f"pytestmark = pytest.mark.qqsim(transports={_transports(transports)!r})\n")
    with tempfile.TemporaryDirectory(prefix="qqsim-bench-") as name:
        folder = Path(name)
        (folder / "pytest.ini").write_text(FIXTURE_INI, encoding="utf-8")
        timings = run_tests(folder, "test_bench_fixture", FIXTURE_KINDS, count, marker,
                            ["-p", "no:nonebug"])
    return timings.by_kind(warmup)


def nonebot_part(count: int, warmup: int, nonebug: bool) -> dict[str, list[float]]:
    kinds = {**QQSIM_NONEBOT_KINDS, **(NONEBUG_KINDS if nonebug else {})}
    with tempfile.TemporaryDirectory(prefix="qqsim-bench-") as name:
        folder = Path(name)
        (folder / "pytest.ini").write_text(NONEBOT_INI, encoding="utf-8")
        (folder / "conftest.py").write_text(NONEBOT_CONFTEST, encoding="utf-8")
        (folder / "bench_ping.py").write_text(PLUGIN, encoding="utf-8")
        timings = run_tests(folder, "test_bench_nonebot", kinds, count, NONEBOT_HEAD, [])
    return timings.by_kind(warmup)


def _transports(text: str) -> tuple[str, ...]:
    return () if text == "none" else tuple(text.split(","))


def _row(label: str, times: list[float], baseline: list[float] | None) -> str:
    median, least = statistics.median(times), min(times)
    ratio = f"{median / statistics.median(baseline):9.2f}" if baseline else f"{'':>9}"
    return f"{label:28} {median * 1000:10.2f} {least * 1000:8.2f} {ratio}"


def report_fixture(kinds: dict[str, list[float]], transports: str) -> None:
    empty = kinds["empty"]
    print(f"\n1. the qqsim fixture around an empty test ({len(empty)} of each; listeners: "
          f"{transports})")
    print(f"{'test':28} {'median ms':>10} {'min ms':>8} {'x empty':>9}")
    print(_row("empty", empty, None))
    for kind in ("sync", "asyncio", "trio", "sync, listening"):
        print(_row(f"qqsim, {kind}", kinds[kind], empty))
        cost = statistics.median(kinds[kind]) - statistics.median(empty)
        print(f"{'':28} fixture alone: {cost * 1000:.2f} ms (target < 3 ms)")


def report_nonebot(kinds: dict[str, list[float]]) -> None:
    print(f"\n2. NoneBot2 in-process ({len(kinds['empty'])} of each; one NoneBot2, session "
          "loop)")
    print(f"{'test':28} {'median ms':>10} {'min ms':>8} {'x nonebug':>9}")
    pairs = {"qqsim nonebot": "nonebug app", "qqsim ping": "nonebug ping"}
    for kind in ("empty", "nonebug app", "qqsim nonebot", "nonebug ping", "qqsim ping"):
        if kind in kinds:
            print(_row(kind, kinds[kind], kinds.get(pairs.get(kind, ""))))
    if "nonebug ping" not in kinds:
        print("(nonebug is not installed: pip install -e '.[bench]' to measure its side)")
    print(f"{'':28} qqsim ping → pong: {statistics.median(kinds['qqsim ping']) * 1000:.2f} "
          "ms median (target < 15 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tests", type=int, default=40, help="tests of each kind")
    parser.add_argument("--warmup", type=int, default=3, help="first tests of a kind left out")
    parser.add_argument("--transports", default="ws,http",
                        help="listeners of the fixture's bot: ws,http (default) or none")
    parser.add_argument("--part", choices=("fixture", "nonebot", "both"), default="both")
    args = parser.parse_args()
    nonebug = importlib.util.find_spec("nonebug") is not None
    print(f"loadavg before: {loadavg()}")
    fixture = nonebot = None
    if args.part in ("fixture", "both"):
        fixture = fixture_part(args.tests, args.warmup, args.transports)
    if args.part in ("nonebot", "both"):
        nonebot = nonebot_part(args.tests, args.warmup, nonebug)
    if fixture is not None:
        report_fixture(fixture, args.transports)
    if nonebot is not None:
        report_nonebot(nonebot)
    print(f"\nloadavg after: {loadavg()}")


if __name__ == "__main__":
    main()
