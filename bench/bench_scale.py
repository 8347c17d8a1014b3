"""Benchmark: worlds of 100k people (issue 10).

Five parts, each printing median and minimum over its rounds, with ``/proc/loadavg``:

* ``gen``: ``qqsim run --generate`` in a subprocess, from spawn until it prints its
  endpoints (serving), and its peak RSS (``ru_maxrss`` from ``wait4``). Targets:
  < 15 s and < 500 MB for 100k people, 10k groups.
* ``fill``: ``qqsim run --generate ... --messages N`` in a subprocess; the rate is
  read from its progress line for the history phase. Target: >= 50k messages/s.
* ``page``: a page of 20 from ``get_group_msg_history`` through the OneBot action
  (``sim.link(bot).call``), newest and anchored, in a group holding ~1k messages vs
  the busiest group (~100k of 1M), interleaved. Target: ratio <= 1.5.
* ``members``: ``get_group_member_list`` of a 3000-member group. Target: < 10 ms.
* ``lists``: the bot's ``get_friend_list`` (~30k friends) and ``get_group_list`` (10k
  groups), each against one plain query of the rows it reads, interleaved. A list action
  is answered in one step of the event loop, so this is how long that step is.

Every part warms up first (one discarded run for subprocesses, ``--warmup`` calls
in-process). Sizes are flags, so it also runs small:

    python bench/bench_scale.py [--parts gen,fill,page,members,lists] [--people 100000]
        [--groups 10000] [--messages 1000000] [--rounds 7] [--warmup 300]
        [--small 1000] [--member-group 3000]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import loadavg  # noqa: E402

from simulator import SimulatorConfig  # noqa: E402
from simulator.app import Simulator  # noqa: E402
from simulator.clock import ManualClock  # noqa: E402
from simulator.onebot import dispatch  # noqa: E402
from simulator.world import generated_world  # noqa: E402

MIN_ROUNDS = 7
MIN_WARMUP = 300
BOT = 10001
_FILL_LINE = re.compile(r"messages: ([\d,]+) rows in ([\d.]+) s, [\d,]+ messages/s, "
                        r"([\d,]+) per CPU-second")


def report(name: str, values: list[float], unit: str, scale: float = 1.0) -> float:
    median = statistics.median(values)
    print(f"  {name}: median {median * scale:.2f} {unit}, min {min(values) * scale:.2f} {unit}"
          f"  ({len(values)} rounds; loadavg {loadavg()})", flush=True)
    return median


# -- subprocess parts -------------------------------------------------------------------


def run_cli(args: argparse.Namespace, messages: int) -> tuple[float, int, str, float]:
    """Seconds until ``qqsim run`` serves, its peak RSS in KB, its stderr, and its CPU
    seconds (user + system, until it is stopped right after it serves)."""
    command = [sys.executable, "-m", "simulator", "run", "--generate", str(args.seed),
               "--people", str(args.people), "--groups", str(args.groups),
               "--group-size", str(args.group_size), "--messages", str(messages),
               "--http-port", "0", "--ws-port", "0", "--control-port", "-1", "-q"]
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                   cwd=ROOT)
        assert process.stdout is not None
        line = process.stdout.readline()  # "qqsim: world ..." comes once it serves
        ready = time.perf_counter() - started
        process.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = status  # reaped by wait4 already
        errors.seek(0)
        log = errors.read()
    if not line.startswith("qqsim: world"):
        raise RuntimeError(f"qqsim did not start: {line!r}\n{log}")
    return ready, usage.ru_maxrss, log, usage.ru_utime + usage.ru_stime


def part_gen(args: argparse.Namespace) -> None:
    print(f"\n== gen: qqsim run --generate {args.seed} --people {args.people} --groups "
          f"{args.groups} until serving; loadavg {loadavg()}", flush=True)
    run_cli(args, 0)  # warm-up: imports and page cache
    seconds, rss, cpus = [], [], []
    for number in range(1, args.gen_rounds + 1):
        ready, peak, log, cpu = run_cli(args, 0)
        seconds.append(ready)
        rss.append(peak / 1024)
        cpus.append(cpu)
        print(f"round {number}: serving after {ready:.2f} s ({cpu:.2f} CPU s), peak RSS "
              f"{peak / 1024:.0f} MB, {log.count('generating:')} progress lines; "
              f"loadavg {loadavg()}", flush=True)
    report("until serving", seconds, "s")
    report("CPU until serving", cpus, "s")
    report("peak RSS", rss, "MB")


def part_fill(args: argparse.Namespace) -> None:
    count = args.fill_messages
    print(f"\n== fill: --messages {count} into that world; loadavg {loadavg()}", flush=True)
    run_cli(args, count)  # warm-up
    rates, cpu_rates, rss = [], [], []
    for number in range(1, args.fill_rounds + 1):
        ready, peak, log, _ = run_cli(args, count)
        found = _FILL_LINE.search(log)
        if found is None:
            raise RuntimeError(f"no history progress line in:\n{log}")
        rows, seconds = int(found[1].replace(",", "")), float(found[2])
        rates.append(rows / seconds)
        cpu_rates.append(float(found[3].replace(",", "")))
        rss.append(peak / 1024)
        print(f"round {number}: {rows:,} messages in {seconds:.2f} s = {rows / seconds:,.0f}/s "
              f"({cpu_rates[-1]:,.0f} per CPU-second); serving after {ready:.2f} s, peak RSS "
              f"{peak / 1024:.0f} MB; loadavg {loadavg()}", flush=True)
    report("fill rate", [r / 1000 for r in rates], "k messages/s")
    report("fill rate per CPU-second", [r / 1000 for r in cpu_rates], "k messages")
    report("peak RSS with history", rss, "MB")


# -- in-process parts ---------------------------------------------------------------------


def per_call(call: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def interleaved(cases: dict[str, Callable[[], Any]], args: argparse.Namespace
                ) -> dict[str, list[float]]:
    for call in cases.values():
        per_call(call, args.warmup)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for number in range(1, args.rounds + 1):
        # Alternate the order, so drifting machine load hits every case alike.
        order = list(cases) if number % 2 else list(reversed(cases))
        for name in order:
            times[name].append(per_call(cases[name], args.calls))
        shown = " | ".join(f"{n} {times[n][-1] * 1e3:.3f} ms" for n in cases)
        print(f"round {number}: {shown}; loadavg {loadavg()}", flush=True)
    return times


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    if answer.get("status") != "ok":
        raise RuntimeError(f"action failed: {answer}")
    return answer


def part_page(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    spec = generated_world(args.seed, people=args.people, groups=args.groups,
                           group_size=args.group_size, messages=args.messages)
    sim = Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec, clock=ManualClock())
    counts = dict(sim.world.core.conn.execute(
        "SELECT group_id, COUNT(*) FROM message WHERE chat_type = 'group' GROUP BY group_id"))
    big = max(counts, key=lambda g: counts[g])
    small = min(counts, key=lambda g: abs(counts[g] - args.small))
    print(f"\n== page: {args.messages:,} messages built in {time.perf_counter() - started:.1f} s;"
          f" group {small} holds {counts[small]:,}, group {big} holds {counts[big]:,}; "
          f"loadavg {loadavg()}", flush=True)
    link = sim.link(BOT)
    cases: dict[str, Callable[[], Any]] = {}
    for label, group in (("small", small), ("big", big)):
        newest = ok(link.call("get_group_msg_history", {"group_id": group, "count": 20}))
        middle = sim.world.messages.group_history(group)[counts[group] // 2].message_id
        assert len(newest["data"]["messages"]) == 20
        cases[f"{label} newest"] = partial(
            link.call, "get_group_msg_history", {"group_id": group, "count": 20})
        cases[f"{label} anchored"] = partial(
            link.call, "get_group_msg_history",
            {"group_id": group, "count": 20, "message_seq": str(middle), "reverseOrder": True})
    times = interleaved(cases, args)
    medians = {name: report(f"{name} page of 20", t, "ms", 1e3) for name, t in times.items()}
    for kind in ("newest", "anchored"):
        ratio = medians[f"big {kind}"] / medians[f"small {kind}"]
        print(f"  {kind}: big/small median ratio {ratio:.2f} (target <= 1.5)")
    sim.close()


def part_members(args: argparse.Namespace) -> None:
    size = args.member_group
    spec = generated_world(args.seed, people=size, groups=1, group_size=size - 1)
    sim = Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec, clock=ManualClock())
    link = sim.link(BOT)
    listed = ok(link.call("get_group_member_list", {"group_id": 100001}))
    print(f"\n== members: get_group_member_list of a {len(listed['data'])}-member group; "
          f"loadavg {loadavg()}", flush=True)
    params = {"group_id": 100001}
    # "action only" skips what link.call adds (recording the call for the console and
    # transcript), to tell the world's share from the recorders'.
    times = interleaved({
        "member list": partial(link.call, "get_group_member_list", params),
        "action only": partial(dispatch.call, link.context, "get_group_member_list", params),
    }, args)
    report("get_group_member_list", times["member list"], "ms", 1e3)
    report("get_group_member_list, action only", times["action only"], "ms", 1e3)
    sim.close()


#: The rows each list action reads, as one plain query would fetch them: its baseline.
LIST_ROWS = {
    "get_friend_list": ("SELECT a.user_id, a.nickname, a.sex, a.age, a.qq_level, f.remark "
                        "FROM friendship f JOIN account a ON a.user_id = f.friend_id "
                        "WHERE f.owner_id = ?"),
    "get_group_list": ("SELECT g.group_id, g.name, g.member_count, g.max_member_count, "
                       "g.whole_mute, r.remark FROM member m "
                       "JOIN qgroup g ON g.group_id = m.group_id "
                       "LEFT JOIN group_remark r ON r.self_id = m.user_id "
                       "AND r.group_id = m.group_id WHERE m.user_id = ?"),
}


def part_lists(args: argparse.Namespace) -> None:
    """A bot's friend and group lists in the big world (the generator's bots are friends
    with 30% of the people and in every group), each against a plain query of its rows."""
    spec = generated_world(args.seed, people=args.people, groups=args.groups,
                           group_size=args.group_size, messages=args.list_messages)
    sim = Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec, clock=ManualClock())
    link, conn = sim.link(BOT), sim.world.core.conn
    sizes = {action: len(ok(link.call(action, {}))["data"]) for action in LIST_ROWS}
    print(f"\n== lists: bot {BOT} has {sizes['get_friend_list']:,} friends and is in "
          f"{sizes['get_group_list']:,} groups; loadavg {loadavg()}", flush=True)
    for action, sql in LIST_ROWS.items():
        times = interleaved({
            action: partial(link.call, action, {}),
            "rows alone": lambda sql=sql: conn.execute(sql, (BOT,)).fetchall(),
        }, args)
        median = report(action, times[action], "ms", 1e3)
        baseline = report(f"{action}: its rows alone", times["rows alone"], "ms", 1e3)
        print(f"  {action}: action/rows median ratio {median / baseline:.1f}", flush=True)
    sim.close()


PARTS = {"gen": part_gen, "fill": part_fill, "page": part_page, "members": part_members,
         "lists": part_lists}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="which parts, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--group-size", type=int, default=20)
    parser.add_argument("--messages", type=int, default=1_000_000, help="history for paging")
    parser.add_argument("--fill-messages", type=int, help="history per fill round "
                        "(default: --messages)")
    parser.add_argument("--small", type=int, default=1000,
                        help="paging compares the busiest group with the one nearest this size")
    parser.add_argument("--member-group", type=int, default=3000)
    parser.add_argument("--list-messages", type=int, default=100_000,
                        help="history of the world the lists part builds")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS, help="in-process rounds")
    parser.add_argument("--gen-rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--fill-rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--warmup", type=int, default=MIN_WARMUP, help="in-process calls")
    parser.add_argument("--calls", type=int, default=50, help="calls per in-process round")
    args = parser.parse_args()
    args.fill_messages = args.fill_messages or args.messages
    print(f"bench_scale: python {sys.version.split()[0]}, {os.cpu_count()} cpus; "
          f"loadavg {loadavg()}", flush=True)
    for name in args.parts.split(","):
        PARTS[name.strip()](args)


if __name__ == "__main__":
    main()
