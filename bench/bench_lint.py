"""Benchmark: what the protocol lint costs a bot's send.

Every simulator lints its bots' calls (``sim.lint``, a traffic listener). Sides,
alternating each round after a warm-up: ``send_group_msg`` called in-process (the
whole action path: validation, the world's write, recording, the transcript) with the
linter attached and with it detached (``sim.lint.close()``). The sends come as fast as
the loop can make them (inside ``trio.run``, as when served), so the "on" side also
pays for the group-send-rate rule
keeping every send of the last 5 s and reporting the flood once. Median and minimum
per call; the ratio on/off is the cost.

    python bench/bench_lint.py [--rounds 9] [--calls 2000]
"""

from __future__ import annotations

import argparse
import logging
import time

import trio
from common import on_off, quiet_pair

GROUP = 100100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    trio.run(measure, args)  # inside trio, as a served simulator runs (the loop's clock)


async def measure(args: argparse.Namespace) -> None:
    sims = quiet_pair()
    sims["off"].lint.close()
    messages = {
        "plain text": lambda n: f"m{n}",
        "segments with a quote": lambda n: [
            {"type": "reply", "data": {"id": str(quoted)}},
            {"type": "at", "data": {"qq": "20003"}},
            {"type": "text", "data": {"text": f" reply {n}"}}],
    }
    quoted = sims["on"].person(20003).send_group_msg(GROUP, "q").message_id
    sims["off"].person(20003).send_group_msg(GROUP, "q")

    def calls(side: str, make: object) -> float:
        link = sims[side].link(10001)
        started = time.perf_counter()
        for n in range(args.calls):
            link.call("send_group_msg", {"group_id": GROUP, "message": make(n)})  # type: ignore[operator]
        return (time.perf_counter() - started) / args.calls

    for name, make in messages.items():
        on_off("lint", f"send_group_msg, {name}",
               lambda side, make=make: calls(side, make), args.rounds)
    for sim in sims.values():
        sim.close()


if __name__ == "__main__":
    main()
