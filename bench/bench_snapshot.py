"""Benchmark: restoring a snapshot per test, against what the ``qqsim`` fixture costs.

Sides, alternating each round (warm-up first), median and minimum printed:

* ``fixture``: ``open_qqsim()`` entered and left, the default world with its two
  listeners: what the pytest fixture costs a test (set-up and tear-down).
* ``build``: ``Simulator(...)`` alone (the world copied from its seed template).
* ``restore``: ``sim.restore(snap)`` of the default world, after the test wrote to
  it (``--writes`` messages and a kick).
* ``snapshot``: ``sim.snapshot()``.

Then the same restore on a bigger world (``--people`` people in ``--groups``
groups, ``--messages`` messages of history), against building that world.

    python bench/bench_snapshot.py [--rounds 9] [--writes 20]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable

from common import loadavg

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.testing import open_qqsim
from simulator.world import generated_world, load_spec

GROUP = 100100


def timed(work: Callable[[], object], repeat: int) -> float:
    """Seconds per call of ``work``, over ``repeat`` calls."""
    started = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - started) / repeat


def fixture() -> None:
    with open_qqsim():
        pass


def writes(sim: Simulator, count: int) -> None:
    link = sim.link(10001)
    for n in range(count):
        link.call("send_group_msg", {"group_id": GROUP, "message": f"message {n}"})
    link.call("set_group_kick", {"group_id": GROUP, "user_id": 20003})


def report(title: str, times: dict[str, list[float]], base: str) -> None:
    print(f"\n{title}   loadavg {loadavg()}")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = median / statistics.median(times[base])
        print(f"  {name:<10} median {median * 1e3:8.3f} ms  min {min(values) * 1e3:8.3f} ms"
              f"  ({ratio:.3f}× {base})")


def default_world(rounds: int, count: int) -> None:
    spec = load_spec("default")  # parsed once, as the fixture does
    sim = Simulator(SimulatorConfig(control_port=None), spec=spec, clock=ManualClock())
    snap = sim.snapshot()

    def restore() -> None:
        writes(sim, count)  # the test's own writes, outside the measured part
        started = time.perf_counter()
        sim.restore(snap)
        restore.spent += time.perf_counter() - started  # type: ignore[attr-defined]

    def measure(name: str) -> float:
        if name == "fixture":
            return timed(fixture, 3)
        if name == "build":
            return timed(lambda: Simulator(SimulatorConfig(bots={}, control_port=None),
                                           spec=spec, clock=ManualClock()).close(), 10)
        if name == "snapshot":
            return timed(lambda: sim.snapshot().close(), 10)
        restore.spent = 0.0  # type: ignore[attr-defined]
        for _ in range(10):
            restore()
        return restore.spent / 10  # type: ignore[attr-defined, no-any-return]

    names = ["fixture", "build", "restore", "snapshot"]
    for name in names:  # warm-up
        measure(name)
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 else list(reversed(names)):
            times[name].append(measure(name))
    report(f"default world, {rounds} rounds, {count} writes between restores", times, "fixture")
    sim.close()


def big_world(rounds: int, people: int, groups: int, messages: int) -> None:
    def build() -> Simulator:
        spec = generated_world(7, people=people, groups=groups, messages=messages)
        return Simulator(SimulatorConfig(bots={}, control_port=None), spec=spec,
                         clock=ManualClock())

    sim = build()
    snap = sim.snapshot()
    group = sim.world.groups.of_user(sim.default_bot())[0].group_id
    link = sim.link(sim.default_bot())

    def measure(name: str) -> float:
        if name == "build":
            return timed(lambda: build().close(), 1)
        link.call("send_group_msg", {"group_id": group, "message": "x"})
        return timed(lambda: sim.restore(snap), 1)

    names = ["build", "restore"]
    measure("build"), measure("restore")  # warm-up
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 else list(reversed(names)):
            times[name].append(measure(name))
    report(f"generated world: {people} people, {groups} groups, {messages} messages; "
           f"{len(snap.to_bytes()) // 1024} KiB snapshot", times, "build")
    sim.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the sends are meant to be fast: no lint lines
    default_world(args.rounds, args.writes)
    big_world(max(7, args.rounds // 2 * 2 + 1), args.people, args.groups, args.messages)


if __name__ == "__main__":
    main()
