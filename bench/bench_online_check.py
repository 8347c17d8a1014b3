"""Benchmark: what the logged-out check costs a send (``Accounts.require_online``).

Two worlds built alike post the same group messages straight into the world
(no transport): ``checked`` as qqsim runs, ``unchecked`` with the check turned
into a no-op on that world's ``Accounts``. Each side gets ``--warmup`` sends,
then ``--rounds`` rounds alternate the sides; the figure is µs per send.

    python bench/bench_online_check.py [--sends 3000] [--rounds 9] [--warmup 500]
"""

from __future__ import annotations

import argparse
import statistics
import time

import trio
from common import alternate, bots_world, loadavg

from simulator.clock import ManualClock
from simulator.world import World, build_world

GROUP, PERSON = 500500, 30001


def world(checked: bool) -> World:
    built = build_world(bots_world(3, group=GROUP, person=PERSON, name="online-check"),
                        clock=ManualClock())
    if not checked:
        built.accounts.require_online = lambda user_id: None  # type: ignore[method-assign]
    return built


def post(target: World, count: int) -> float:
    segments = [{"type": "text", "data": {"text": "hello"}}]
    started = time.perf_counter()
    for _ in range(count):
        target.messages.post_group(PERSON, GROUP, segments, "hello")
    return (time.perf_counter() - started) / count * 1e6


async def main(args: argparse.Namespace) -> None:
    worlds = {"checked": world(True), "unchecked": world(False)}
    for each in worlds.values():
        post(each, args.warmup)

    async def measure(name: str) -> float:
        return post(worlds[name], args.sends)

    def report(number: int, times: dict[str, list[float]]) -> None:
        print(f"round {number}: " + ", ".join(f"{n} {t[-1]:.1f} µs" for n, t in times.items()))

    print(f"loadavg before: {loadavg()}")
    times = await alternate(list(worlds), args.rounds, measure, report)
    for name, values in times.items():
        print(f"{name:9}: median {statistics.median(values):.1f} µs/send, "
              f"min {min(values):.1f}")
    ratio = statistics.median(times["checked"]) / statistics.median(times["unchecked"])
    print(f"checked / unchecked (medians): {ratio:.3f}")
    print(f"loadavg after: {loadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=500)
    trio.run(main, parser.parse_args())
