"""Benchmark: event fan-out to 10 connected bots over qqsim's forward WebSocket.

A world with 10 bot accounts in one group; each bot has its own WebSocket
server and one connected client. A simulated person sends ``--messages``
group messages; the clock stops when every client has received every
message event. Events/s = messages × bots / seconds.

Baseline, measured in the same run: a bare trio-websocket server with 10
connected clients that sends each client exactly the frames qqsim sent it
(recorded in the qqsim round), with no world, no rendering and no JSON work.
The ratio baseline/qqsim is what to watch; absolute numbers depend on the
machine. Clients are identical in both rounds and run in the same process.

    python bench/bench_fanout.py [--messages 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import trio
from trio_websocket import WebSocketRequest, open_websocket_url, serve_websocket

from simulator import SimulatorConfig, open_simulator
from simulator.config import NetworkConfig, OneBotConfig, WebsocketServerConfig
from simulator.world import WorldSpec
from simulator.world.spec import AccountSpec, GroupSpec, MemberSpec

BOTS = 10
GROUP = 900900
PERSON = 20001


def world(bots: int) -> WorldSpec:
    bot_ids = [10001 + i for i in range(bots)]
    accounts = [AccountSpec(user_id=b, nickname=f"bot{b}", bot=True) for b in bot_ids]
    accounts.append(AccountSpec(user_id=PERSON, nickname="talker"))
    members = [MemberSpec(user_id=b) for b in bot_ids]
    group = GroupSpec(group_id=GROUP, name="fan-out", owner=PERSON, members=members)
    return WorldSpec(name="fanout", accounts=accounts, groups=[group])


async def _receive(url: str, count: int, frames: list[str] | None,
                   ready: trio.MemorySendChannel[None], done: trio.MemorySendChannel[None],
                   skip: int) -> None:
    """One bot: connect, then read ``count`` frames after ``skip`` leading ones."""
    async with open_websocket_url(url, max_message_size=2**24) as ws:
        for _ in range(skip):
            await ws.get_message()
        await ready.send(None)
        for _ in range(count):
            frame = await ws.get_message()
            if frames is not None:
                frames.append(frame if isinstance(frame, str) else frame.decode())
        await done.send(None)


async def _run_clients(urls: list[str], count: int, skip: int, start: trio.Event,
                       recorded: list[list[str]] | None) -> float:
    """Connect every client, set ``start`` once all are ready, return seconds to the end."""
    ready_send, ready_receive = trio.open_memory_channel[None](len(urls))
    done_send, done_receive = trio.open_memory_channel[None](len(urls))
    async with trio.open_nursery() as nursery:
        for index, url in enumerate(urls):
            frames = recorded[index] if recorded is not None else None
            nursery.start_soon(_receive, url, count, frames, ready_send, done_send, skip)
        for _ in urls:
            await ready_receive.receive()
        started = time.perf_counter()
        start.set()
        for _ in urls:
            await done_receive.receive()
        return time.perf_counter() - started


async def _qqsim(messages: int, bots: int) -> tuple[float, list[list[str]], int]:
    spec = world(bots)
    configs = {
        a.user_id: OneBotConfig(network=NetworkConfig(websocketServers=[
            WebsocketServerConfig(enable=True, port=0, heartInterval=0)]))
        for a in spec.accounts if a.bot
    }
    config = SimulatorConfig(bots=configs, control_port=None, event_buffer=messages + 10)
    recorded: list[list[str]] = [[] for _ in configs]
    async with open_simulator(config, spec=spec) as sim:
        urls = [e.url + "/" for e in sim.endpoints if e.kind == "ws"]
        start = trio.Event()
        person = sim.person(PERSON)

        async def talk() -> None:
            await start.wait()
            await sim.wait_connected(None, bots)
            for index in range(messages):
                person.send_group_msg(GROUP, f"fan-out message {index}")
                if index % 20 == 19:
                    await trio.sleep(0)  # let the connections drain, as a live world would

        async with trio.open_nursery() as nursery:
            nursery.start_soon(talk)
            seconds = await _run_clients(urls, messages, 1, start, recorded)
        dropped = sim.bus.statistics().dropped
    return seconds, recorded, dropped


async def _baseline(recorded: list[list[str]]) -> float:
    streams = iter(recorded)
    start = trio.Event()

    async def broadcast(request: WebSocketRequest) -> None:
        frames = next(streams)
        ws = await request.accept()
        await start.wait()
        for frame in frames:
            await ws.send_message(frame)
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, broadcast, "127.0.0.1", 0, None)
        urls = [f"ws://127.0.0.1:{server.port}/"] * len(recorded)
        seconds = await _run_clients(urls, len(recorded[0]), 0, start, None)
        nursery.cancel_scope.cancel()
    return seconds


async def main(messages: int, rounds: int, bots: int) -> None:
    ratios = []
    for number in range(1, rounds + 1):
        qqsim_s, recorded, dropped = await _qqsim(messages, bots)
        base_s = await _baseline(recorded)
        events = messages * bots
        ratio = base_s / qqsim_s
        ratios.append(ratio)
        print(f"round {number}: qqsim {events / qqsim_s:9.0f} events/s, "
              f"bare trio-websocket {events / base_s:9.0f} events/s "
              f"({bots} bots x {messages} messages, {dropped} dropped); "
              f"qqsim reaches {ratio:.0%} of the baseline")
    print(f"median: qqsim delivers {statistics.median(ratios):.0%} of bare trio-websocket's "
          f"event rate ({1 / statistics.median(ratios):.2f}x slower)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bots", type=int, default=BOTS)
    args = parser.parse_args()
    trio.run(main, args.messages, args.rounds, args.bots)
