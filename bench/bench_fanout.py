"""Benchmark: event fan-out to 10 connected bots vs a bare trio-websocket broadcast.

qqsim side: a world with ``--bots`` bot accounts in one group, each with its
own forward WebSocket server and one connected client. A simulated person
sends ``--messages`` group messages per round (yielding every 20, as a live
world would); a round ends when every client has received every message
event. Events/s = messages x bots / seconds.

Bare side, in the same run: a trio-websocket server with as many connected
clients, which per round sends each client the event frames qqsim sent that
client, doing the JSON work a naive transport does: ``json.dumps`` of each
client's event object as it goes out (the objects were parsed beforehand).

Both servers start once and stay warm, with long-lived connections; each
side gets a warm-up of ``--warmup`` messages (at least 300), then
``--rounds`` rounds (at least 7) alternate the two sides. Clients are the same
code on both sides and share this process. The ratio qqsim/bare is what to
watch; absolute figures depend on the machine.

    python bench/bench_fanout.py [--messages 1000] [--rounds 7] [--warmup 300] [--bots 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import trio
from common import alternate, bots_world, loadavg
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    open_websocket_url,
    serve_websocket,
)

from simulator import SimulatorConfig, open_simulator
from simulator.app import Simulator
from simulator.config import NetworkConfig, OneBotConfig, WebsocketServerConfig
from simulator.world import WorldSpec

BOTS = 10
GROUP = 900900
PERSON = 20001
MIN_WARMUP = 300
MIN_ROUNDS = 7

Trigger = Callable[[int], Awaitable[None]]


def world(bots: int) -> WorldSpec:
    return bots_world(bots, group=GROUP, person=PERSON, name="fan-out")


async def _read(ws: WebSocketConnection, count: int, keep: list[str] | None) -> None:
    for _ in range(count):
        frame = await ws.get_message()
        if keep is not None:
            keep.append(frame if isinstance(frame, str) else frame.decode())


async def fan_out(clients: list[WebSocketConnection], count: int, trigger: Trigger,
                  keep: list[list[str]] | None = None) -> float:
    """Seconds from ``trigger`` until every client has read ``count`` frames."""
    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for index, ws in enumerate(clients):
            nursery.start_soon(_read, ws, count, keep[index] if keep is not None else None)
        nursery.start_soon(trigger, count)
    return time.perf_counter() - started


def talker(sim: Simulator) -> Trigger:
    person = sim.person(PERSON)

    async def talk(count: int) -> None:
        for index in range(count):
            person.send_group_msg(GROUP, f"fan-out message {index}")
            if index % 20 == 19:
                await trio.sleep(0)  # let the connections drain, as a live world would
        await trio.sleep(0)

    return talk


class Broadcaster:
    """The anchor: each accepted client gets its own list of event objects, dumped as sent."""

    def __init__(self, events: list[list[dict[str, Any]]]) -> None:
        self._events = iter(events)
        self._rounds: list[trio.MemorySendChannel[int]] = []

    async def serve(self, request: WebSocketRequest) -> None:
        events = next(self._events)
        go_send, go_receive = trio.open_memory_channel[int](1)  # one round at a time
        self._rounds.append(go_send)
        ws = await request.accept()
        try:
            async for count in go_receive:
                for event in events[:count]:
                    await ws.send_message(json.dumps(event, ensure_ascii=False,
                                                     separators=(",", ":")))
        except ConnectionClosed:
            pass

    async def trigger(self, count: int) -> None:
        for go in self._rounds:
            await go.send(count)


def summary(name: str, seconds: list[float], events: int) -> tuple[float, float]:
    median, low = statistics.median(seconds), min(seconds)
    print(f"  {name:6} median {median * 1000:7.1f} ms {events / median:8.0f} events/s;"
          f"  min {low * 1000:7.1f} ms {events / low:8.0f} events/s")
    return median, low


async def rounds_of(sides: dict[str, tuple[list[WebSocketConnection], Trigger]],
                    messages: int, rounds: int, bots: int) -> None:
    events = messages * bots
    print(f"\n== fan-out: {bots} bots x {messages} messages, {rounds} rounds; "
          f"loadavg {loadavg()}")

    async def measure(name: str) -> float:
        clients, trigger = sides[name]
        return await fan_out(clients, messages, trigger)

    def report(number: int, times: dict[str, list[float]]) -> None:
        q, b = times["qqsim"][-1], times["bare"][-1]
        print(f"round {number}: qqsim {events / q:8.0f} events/s ({q * 1000:6.1f} ms) | "
              f"bare {events / b:8.0f} events/s ({b * 1000:6.1f} ms) | "
              f"qqsim/bare rate {b / q:.2f}")

    times = await alternate(list(sides), rounds, measure, report)
    q_med, q_min = summary("qqsim", times["qqsim"], events)
    b_med, b_min = summary("bare", times["bare"], events)
    # Per-round ratios pair the two sides of one round, so drifting load cancels out.
    paired = statistics.median(b / q for q, b in zip(times["qqsim"], times["bare"], strict=True))
    print(f"fan-out ratio qqsim/bare event rate: medians {b_med / q_med:.2f}, "
          f"best {b_min / q_min:.2f}, median of rounds {paired:.2f} (target >= 0.6)")


async def main(messages: int, rounds: int, warmup: int, bots: int) -> None:
    print(f"bench_fanout: warm-up {warmup} messages per side; loadavg {loadavg()}")
    spec = world(bots)
    configs = {
        a.user_id: OneBotConfig(network=NetworkConfig(websocketServers=[
            WebsocketServerConfig(enable=True, port=0, heartInterval=0)]))
        for a in spec.accounts if a.bot
    }
    config = SimulatorConfig(bots=configs, control_port=None,
                             event_buffer=max(messages, warmup) + 100)
    async with open_simulator(config, spec=spec) as sim, trio.open_nursery() as nursery, \
            AsyncExitStack() as stack:
        qq_clients = []
        for endpoint in (e for e in sim.endpoints if e.kind == "ws"):
            ws = await stack.enter_async_context(open_websocket_url(endpoint.url + "/"))
            await ws.get_message()  # the lifecycle event
            qq_clients.append(ws)
        await sim.wait_connected(None, bots)
        # Warm-up, keeping what each client got: the bare side sends the same frames.
        recorded: list[list[str]] = [[] for _ in qq_clients]
        await fan_out(qq_clients, max(warmup, messages), talker(sim), recorded)
        broadcaster = Broadcaster([[json.loads(f) for f in frames] for frames in recorded])
        server = await nursery.start(serve_websocket, broadcaster.serve, "127.0.0.1", 0, None)
        bare_clients = [
            await stack.enter_async_context(open_websocket_url(f"ws://127.0.0.1:{server.port}/"))
            for _ in range(bots)
        ]
        await fan_out(bare_clients, max(warmup, messages), broadcaster.trigger)
        sides = {"qqsim": (qq_clients, talker(sim)),
                 "bare": (bare_clients, broadcaster.trigger)}
        await rounds_of(sides, messages, rounds, bots)
        print(f"qqsim bus: {sim.bus.statistics().dropped} events dropped; loadavg {loadavg()}")
        await stack.aclose()
        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--warmup", type=int, default=MIN_WARMUP)
    parser.add_argument("--bots", type=int, default=BOTS)
    args = parser.parse_args()
    if args.rounds < MIN_ROUNDS or args.warmup < MIN_WARMUP:
        parser.error(f"at least {MIN_ROUNDS} rounds and {MIN_WARMUP} warm-up messages")
    trio.run(main, args.messages, args.rounds, args.warmup, args.bots)
