"""Coverage of the OneBot surface: exact numbers on a small known run, reports, merging."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADMIN_GROUP, BOT

from simulator import Simulator
from simulator.coverage import (
    Coverage,
    Report,
    html_report,
    merge_sets,
    set_from_json,
    set_to_json,
    text_report,
)
from simulator.faults import Fault, FaultKind
from simulator.onebot.events.dialects import _NAPCAT_ONLY
from simulator.onebot.profiles import GOCQ, NAPCAT
from simulator.onebot.surface import EVENT_KINDS, SEGMENT_TYPES, surface_of
from simulator.world import DomainEvent

pytest_plugins = ["pytester"]
EVENTS = Path(__file__).resolve().parents[1] / "simulator" / "onebot" / "events"


def known_run(sim: Simulator) -> None:
    """Two sends (one as an alias), one failed lookup, a faulted call, then a message in."""
    link = sim.link(BOT)
    heard: list[DomainEvent] = []
    sim.world.add_listener(heard.append)
    link.call("send_group_msg", {"group_id": ADMIN_GROUP, "message": "one"})
    link.call("send_msg_async", {"group_id": ADMIN_GROUP, "message": "two"})
    link.call("get_msg", {"message_id": 1})
    sim.faults.add(Fault(FaultKind.FAIL, action="get_status", times=1))
    link.handle_now("get_status", {})
    link.call("get_status", {})  # the bot carried on after the fault
    sim.person(20003).send_group_msg(ADMIN_GROUP, "[CQ:at,qq=10001] hi [CQ:face,id=14]")
    for event in heard:
        link.render(event)


def test_a_small_known_run_counts_exactly(sim: Simulator) -> None:
    known_run(sim)
    coverage = sim.coverage.coverage
    assert coverage.actions == {"send_group_msg": 1, "send_msg": 1, "get_msg": 1,
                                "get_status": 2}
    assert coverage.failures == {"get_msg": {"1200 消息不存在": 1},
                                 "get_status": {"fault fail": 1}}
    # the bot's own two messages are not reported back (no reportSelfMessage)
    assert coverage.events == {"message.group": 1}
    assert coverage.segments == {"at": 1, "text": 1, "face": 1}
    assert (coverage.faults, coverage.survived) == ({"fail": 1}, {"fail": 1})

    report = Report(coverage)
    surface = surface_of(NAPCAT)
    actions = report.part("actions")
    assert (actions.covered, actions.total) == (4, len(surface.actions))
    assert (report.part("events").covered, report.part("events").total) == (1, 27)
    assert (report.part("segments").covered, report.part("segments").total) == (3, 13)
    assert (report.part("faults").covered, report.part("faults").total) == (1, 12)
    assert report.summary() == (f"qqsim coverage (napcat): actions 4/{len(surface.actions)}, "
                                "events 1/27, segments 3/13, faults 1/12")


def test_the_terminal_summary_and_the_page_show_what_was_met_and_missed(sim: Simulator) -> None:
    known_run(sim)
    text = text_report(sim.coverage.coverages)
    assert "met: get_msg ×1, get_status ×2, send_group_msg ×1, send_msg ×1" in text
    assert "never: message.private, " in text
    assert "failure paths met: get_msg: 1200 消息不存在 ×1; get_status: fault fail ×1" in text
    page = html_report(sim.coverage.coverages)
    assert page.startswith("<!doctype html>") and "<script" not in page
    assert '<tr class=""><td>get_msg</td><td class="n">1</td><td>1200 消息不存在 ×1</td>' in page
    assert '<tr class="no"><td>delete_msg</td><td class="n">0</td>' in page


def test_calls_outside_the_surface_are_listed_apart_and_escaped(sim: Simulator) -> None:
    sim.link(BOT).call("<b>nope</b>", {})
    coverage = sim.coverage.coverage
    report = Report(coverage)
    assert report.part("actions").covered == 0
    assert report.part("actions").extra == {"<b>nope</b>": 1}
    page = html_report(sim.coverage.coverages)
    assert "&lt;b&gt;nope&lt;/b&gt;" in page and "<b>nope</b>" not in page


def test_whatever_a_bot_calls_stays_bounded_and_encodable(sim: Simulator) -> None:
    link = sim.link(BOT)
    link.call("bad\ud800name", {})
    for n in range(80):
        link.call(f"made_up_{n}", {})
    actions = sim.coverage.coverage.actions
    assert actions["bad\\ud800name"] == 1
    assert len(actions) == 51 and actions["(other names)"] == 31  # 50 names kept apart
    text = json.dumps(set_to_json(sim.coverage.coverages), ensure_ascii=False)
    text.encode("utf-8")  # a lone surrogate would fail here (and in xdist's channel)


def test_counts_merge_across_workers_through_json(sim: Simulator) -> None:
    known_run(sim)
    sent = json.loads(json.dumps(set_to_json(sim.coverage.coverages)))
    merged = merge_sets(set_from_json(sent), set_from_json(sent).values())
    merge_sets(merged, [Coverage("gocq", actions={"get_status": 1})])
    napcat = merged["napcat"]
    assert napcat.actions["get_status"] == 4 and napcat.segments["at"] == 2
    assert napcat.failures["get_msg"] == {"1200 消息不存在": 2}
    assert merged["gocq"].actions == {"get_status": 1}
    with pytest.raises(ValueError, match="not a qqsim coverage file"):
        set_from_json({"profiles": {}})


def test_a_coverage_session_counts_every_simulator(pytester: pytest.Pytester) -> None:
    # Three tests on two xdist workers: the controller's report is the sum of both.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_three="""
        import pytest

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_send(qqsim, n):
            qqsim.call("send_group_msg", {"group_id": 100100, "message": "x" * n})
            qqsim.call("get_msg", {"message_id": 1})
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--qqsim-coverage-dir", "cov")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*qqsim coverage (napcat): actions 2/*, events 0/27, "
                                 "segments 0/13, faults 0/12*"])
    data = json.loads((pytester.path / "cov" / "qqsim-coverage.json").read_text("utf-8"))
    napcat = data["profiles"]["napcat"]
    assert napcat["actions"] == {"send_group_msg": 3, "get_msg": 3}
    assert napcat["failures"] == {"get_msg": {"1200 消息不存在": 3}}
    assert data["report"]["napcat"]["actions"]["covered"] == 2
    assert (pytester.path / "cov" / "qqsim-coverage.html").read_text("utf-8").count("<h2>") == 4


def test_the_gocq_surface_leaves_out_what_go_cqhttp_never_sends() -> None:
    gocq, napcat = surface_of(GOCQ), surface_of(NAPCAT)
    assert "set_group_anonymous" in gocq.actions and "set_group_anonymous" not in napcat.actions
    assert not any(spec.startswith("nc_") for spec in gocq.actions)
    dropped = {kind for kind in napcat.events if kind not in gocq.events}
    named = {f"notice.{n}.{s}" if s else f"notice.{n}" for n, s in _NAPCAT_ONLY}
    assert dropped == named & set(EVENT_KINDS)


def _literals(key: str) -> set[str]:
    """Every literal string given to ``key`` in the event renderers' dicts."""
    found = set()
    for path in EVENTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if (isinstance(k, ast.Constant) and k.value == key
                            and isinstance(v, ast.Constant) and isinstance(v.value, str)):
                        found.add(v.value)
    return found


def test_the_catalogue_names_every_event_the_renderers_build() -> None:
    details = {kind.split(".")[1] for kind in EVENT_KINDS}
    assert _literals("notice_type") <= details
    assert _literals("request_type") <= details
    assert _literals("meta_event_type") <= details
    notify = {kind.split(".")[2] for kind in EVENT_KINDS if kind.startswith("notice.notify.")}
    assert {"poke", "input_status", "group_name", "title", "profile_like"} <= notify
    assert len(SEGMENT_TYPES) == len(set(SEGMENT_TYPES)) == 13


def test_qqsim_test_reports_the_coverage_of_its_scenarios(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    bot = f"{sys.executable} {root / 'tests' / 'bots' / 'reference_bot.py'}"
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "test", "--ws-port", "0", "--http-port", "0",
         str(root / "scenarios" / "smoke" / "ping_pong.yaml"), "--bot-cmd", bot,
         "--coverage", str(tmp_path / "cov")],
        capture_output=True, text=True, timeout=120, cwd=root, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "qqsim coverage (napcat): actions " in done.stdout
    data = json.loads((tmp_path / "cov" / "qqsim-coverage.json").read_text("utf-8"))
    napcat = data["profiles"]["napcat"]
    # the reference bot answers each ping with one send, in the group and privately
    assert napcat["events"]["message.group"] >= 1 and napcat["events"]["message.private"] >= 1
    assert napcat["segments"]["text"] >= 2
    sends = sum(napcat["actions"].get(name, 0) for name in ("send_msg", "send_group_msg",
                                                            "send_private_msg"))
    assert sends == 2
    assert (tmp_path / "cov" / "qqsim-coverage.html").is_file()
