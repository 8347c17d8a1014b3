"""Benchmark: what counting coverage costs a bot's call and an event frame.

Every simulator counts what its bots call and receive (``sim.coverage``). Sides,
alternating each round after a warm-up: ``send_group_msg`` called in-process
(the whole action path: validation, the world's write, recording, the
transcript) with the recorder attached and with it detached; and a message
event rendered for a bot (``BotLink.render``), with and without. Median and
minimum per call; the ratio on/off is the cost.

    python bench/bench_coverage.py [--rounds 9] [--calls 2000]
"""

from __future__ import annotations

import argparse
import logging
import time

from common import on_off, quiet_pair

from simulator.coverage import Recorder
from simulator.world import DomainEvent

GROUP = 100100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    sims = quiet_pair()
    sims["off"].coverage.detach()
    heard: list[DomainEvent] = []
    sims["on"].world.add_listener(heard.append)
    sims["on"].person(20003).send_group_msg(GROUP, "[CQ:at,qq=10001] hello [CQ:face,id=14]")
    event = heard[0]

    def calls(side: str) -> float:
        link = sims[side].link(10001)
        started = time.perf_counter()
        for n in range(args.calls):
            link.call("send_group_msg", {"group_id": GROUP, "message": f"m{n}"})
        return (time.perf_counter() - started) / args.calls

    def frames(side: str) -> float:
        link = sims[side].link(10001)
        started = time.perf_counter()
        for _ in range(args.calls):
            link.render(event)
        return (time.perf_counter() - started) / args.calls

    for name, measure in (("send_group_msg call", calls), ("message event frame", frames)):
        on_off("coverage", name, measure, args.rounds)
    assert isinstance(sims["on"].coverage, Recorder)
    for sim in sims.values():
        sim.close()


if __name__ == "__main__":
    main()
