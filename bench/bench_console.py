"""Benchmark: the web console's start and its "I am" search on a world of 100k people,
beside the default world of 10 (the baseline), served in the same process.

What is timed is the control API's side of what the page does, request for request
and as concurrently as the page asks (``static/main.js``): on load, the world's
summary, the first person, their groups and friends, the newest messages of their
chats, a group's members, the traffic, connections, requests and the World tab's
first page of people; then a picker search by name and one by number. The two
worlds are measured in alternating rounds after ``--warmup`` rounds; median and
minimum are printed with their ratio, and ``/proc/loadavg`` before and after.
(The browser tests print what a browser adds: the page's own ready time.)

    python bench/bench_console.py [--rounds 15] [--warmup 3] [--people 100000] [--groups 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import trio
from common import alternate, loadavg

from simulator import ManualClock, SimulatorConfig, open_simulator
from simulator.app import Simulator
from simulator.world import WorldSpec, generated_world, load_spec
from simulator.world.directory import Search, count_people, people

PREVIEWED = 30


@asynccontextmanager
async def console(spec: WorldSpec) -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    config = SimulatorConfig(bots={}, control_port=0)
    async with open_simulator(config, spec=spec, clock=ManualClock()) as sim, \
            httpx.AsyncClient(base_url=sim.url("control"), timeout=60) as client:
        yield sim, client


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Await ``calls`` concurrently, as the page's Promise.all does."""
    results: list[Any] = [None] * len(calls)

    async def one(index: int, call: Awaitable[Any]) -> None:
        results[index] = await call

    async with trio.open_nursery() as nursery:
        for index, call in enumerate(calls):
            nursery.start_soon(one, index, call)
    return results


async def get(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    response.raise_for_status()
    return response.json()


async def page_start(client: httpx.AsyncClient) -> None:
    """The requests the console makes until it is ready."""
    await get(client, "/api/world")
    me = (await get(client, "/api/people?limit=1"))["people"][0]["user_id"]
    groups, friends = await together(get(client, f"/api/people/{me}/groups?limit=100"),
                                      get(client, f"/api/people/{me}/friends?limit=100"))
    chats = [f"/api/groups/{g['group_id']}/messages?limit=20" for g in groups["groups"]]
    chats += [f"/api/private/{me}/{f['user_id']}/messages?limit=20" for f in friends["friends"]]
    await together(*(get(client, path) for path in chats[:PREVIEWED]))
    first = groups["groups"][0]["group_id"] if groups["groups"] else None
    await together(
        get(client, "/api/actions?limit=500"), get(client, "/api/frames?limit=500"),
        get(client, "/api/connections"), get(client, "/api/requests"),
        get(client, "/api/people?limit=100"), get(client, "/api/faults"),
        get(client, "/api/clock"),
        *([get(client, f"/api/groups/{first}/members?limit=100")] if first else []))


async def main(args: argparse.Namespace) -> None:
    print(f"loadavg before: {loadavg()}")
    started = time.perf_counter()
    big_spec = generated_world(1, people=args.people, groups=args.groups)
    async with AsyncExitStack() as stack:
        small = await stack.enter_async_context(console(load_spec("default")))
        big = await stack.enter_async_context(console(big_spec))
        print(f"worlds served in {time.perf_counter() - started:.1f} s")
        sides = {"default (10 people)": small, f"generated ({args.people:,} people)": big}
        queries = {name: _someone(sim) for name, (sim, _) in sides.items()}
        for part in ("start", "search by name", "search by number"):
            async def measure(name: str, part: str = part) -> float:
                client = sides[name][1]
                number, nickname = queries[name]
                query = {"search by name": nickname, "search by number": str(number)}.get(part)
                began = time.perf_counter()
                if query is None:
                    await page_start(client)
                else:
                    await get(client, f"/api/people?q={query}&limit=50")
                return time.perf_counter() - began

            times = await alternate(list(sides), args.warmup + args.rounds, measure,
                                    lambda number, times: None)
            _report(part, {name: found[args.warmup:] for name, found in times.items()})
    print(f"loadavg after: {loadavg()}")


def _someone(sim: Simulator) -> tuple[int, str]:
    """A person from the middle of the world whose nickname nobody else has."""
    middle = count_people(sim.world)[0] // 2
    found = people(sim.world, Search(limit=200, offset=middle))
    for account in found:
        if len(people(sim.world, Search(account.nickname, limit=2))) == 1:
            return account.user_id, account.nickname
    return found[0].user_id, found[0].nickname


def _report(part: str, times: dict[str, list[float]]) -> None:
    base_name, base = next(iter(times.items()))
    print(f"\n{part}:")
    for name, found in times.items():
        median, low = statistics.median(found) * 1000, min(found) * 1000
        ratio = statistics.median(found) / statistics.median(base)
        print(f"  {name:28} median {median:7.1f} ms  min {low:7.1f} ms  "
              f"({ratio:.1f}x {base_name})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    trio.run(main, parser.parse_args())
