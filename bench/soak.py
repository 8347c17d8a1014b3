"""Soak: one simulated hour of 10 bots on the virtual clock, watching RSS and open fds.

A world with 10 bot accounts in one group, each bot with its own forward
WebSocket listener (30 s heartbeats) and one client in this process. The world
runs on a ``ManualClock`` advanced in ``--step`` second steps. Each step:

* the clock moves on, so heartbeats are due (``_beat`` sleeps on world time);
* a person speaks in the group: one event fanned out to every bot;
* every client makes two calls (``get_login_info``, ``get_group_member_info``)
  and reconnects if its connection went away;
* faults switch on and off on a schedule: a failing ``get_login_info`` window
  (probability 0.5), a ``stop_heartbeats`` window, and ``drop_connection``
  taking three connections at a time;
* every ``--storm-every`` steps a reconnect storm: every client drops its
  connection and reconnects, and each bot also gets three extra connections
  opened and closed at once.

Every ``--sample-every`` steps it prints the world time, RSS, open fds, the
connections qqsim holds and /proc/loadavg. At the end the clients close and fds
must be back at the baseline taken before the first client connected. RSS
grows at first while the byte-bounded recorders fill (8 MiB in all) and the
world's history takes the hour's messages (kept in full by design), then stays
flat; the figures to watch are the growth over the second half of the hour and
the fds after the end.

    python bench/soak.py [--minutes 60] [--step 10] [--storm-every 30] [--sample-every 36]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio
from common import bots_world, loadavg
from trio_websocket import ConnectionClosed, WebSocketConnection, connect_websocket_url

from simulator import ManualClock, SimulatorConfig
from simulator.app import Simulator, serving
from simulator.config import NetworkConfig, OneBotConfig, WebsocketServerConfig
from simulator.faults import Fault, FaultKind
from simulator.recording import DEFAULT_BUDGET
from simulator.world import WorldSpec

BOTS = 10
GROUP = 900900
PERSON = 20001
HEARTBEAT_MS = 30_000
#: Extra connections per bot opened and closed at once in a storm.
STORM_EXTRA = 3


def world(bots: int = BOTS) -> WorldSpec:
    return bots_world(bots, group=GROUP, person=PERSON, name="soak")


def config(bots: int = BOTS) -> SimulatorConfig:
    listener = WebsocketServerConfig(enable=True, host="127.0.0.1", port=0,
                                     heartInterval=HEARTBEAT_MS)
    onebot = {10001 + i: OneBotConfig(network=NetworkConfig(websocketServers=[listener]))
              for i in range(bots)}
    return SimulatorConfig(bots=onebot, control_port=None)


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@dataclass
class Client:
    """One bot's connection: reads every frame, matches replies to calls by echo."""

    url: str
    nursery: trio.Nursery
    ws: WebSocketConnection | None = None
    frames: int = 0
    reconnects: int = 0
    _echo: itertools.count[int] = field(default_factory=itertools.count)
    _waiting: dict[str, trio.MemorySendChannel[Any]] = field(default_factory=dict)

    async def connect(self) -> None:
        self.ws = await connect_websocket_url(self.nursery, self.url)
        self.nursery.start_soon(self._read, self.ws)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.aclose()
            self.ws = None

    async def call(self, action: str, params: dict[str, Any]) -> Any:
        """The reply, or None when the connection went away first (then reconnect)."""
        if self.ws is None or self.ws.closed:
            self.reconnects += 1
            await self.close()
            await self.connect()
        assert self.ws is not None
        echo = str(next(self._echo))
        send, receive = trio.open_memory_channel[Any](1)
        self._waiting[echo] = send
        try:
            await self.ws.send_message(json.dumps({"action": action, "params": params,
                                                   "echo": echo}))
            return await receive.receive()
        except (ConnectionClosed, trio.EndOfChannel):
            return None
        finally:
            self._waiting.pop(echo, None)

    async def _read(self, ws: WebSocketConnection) -> None:
        try:
            while True:
                frame = json.loads(await ws.get_message())
                self.frames += 1
                waiting = self._waiting.get(str(frame.get("echo")))
                if waiting is not None:
                    waiting.send_nowait(frame)
        except ConnectionClosed:
            pass
        finally:
            if self.ws is ws:
                for waiting in list(self._waiting.values()):
                    waiting.close()  # the calls on this connection get None


@dataclass
class Counter:
    total: int = 0

    def count(self, _: object) -> None:
        self.total += 1


@dataclass
class Sample:
    step: int
    world_s: float
    rss_kib: int
    fds: int
    connections: int
    frames: int  # read by the clients so far (events, heartbeats, replies)
    reconnects: int
    faults: int  # occasions faults took so far
    records_kib: int  # what the byte-bounded recorders hold (8 MiB budget in all)


async def exchange(client: Client, bot_id: int) -> None:
    await client.call("get_login_info", {})
    await client.call("get_group_member_info", {"group_id": GROUP, "user_id": bot_id})


async def storm(sim: Simulator, clients: list[Client]) -> None:
    """Every client reconnects at once, and each bot gets short-lived extra connections."""
    async with trio.open_nursery() as nursery:
        for index, client in enumerate(clients):
            nursery.start_soon(_reconnect, client)
            for _ in range(STORM_EXTRA):
                nursery.start_soon(_flash, sim.url("ws", 10001 + index))


async def _reconnect(client: Client) -> None:
    await client.close()
    client.reconnects += 1
    await client.connect()


async def _flash(url: str) -> None:
    async with trio.open_nursery() as nursery:
        ws = await connect_websocket_url(nursery, url)
        await ws.get_message()  # the lifecycle event: the session was up
        await ws.aclose()


def switch_faults(sim: Simulator, step: int, step_s: float) -> None:
    """Faults on and off by world time, and connection drops now and then."""
    now = sim.world.now()
    if step % 20 == 0:  # a 100 s window of failing logins, half of them
        sim.faults.add(Fault(FaultKind.FAIL, action="get_login_info", probability=0.5,
                             seed=step, start=now, end=now + 10 * step_s))
    if step % 45 == 0:  # heartbeats stop for 90 s
        sim.faults.add(Fault(FaultKind.STOP_HEARTBEATS, start=now, end=now + 9 * step_s))
    if step % 25 == 12:
        sim.faults.add(Fault(FaultKind.DROP_CONNECTION, times=3))


async def soak_steps(sim: Simulator, clock: ManualClock, clients: list[Client], *,
                     steps: int, step_s: float, storm_every: int,
                     sample: Callable[[int], None]) -> None:
    person = sim.person(PERSON)
    for step in range(1, steps + 1):
        clock.advance(step_s)
        switch_faults(sim, step, step_s)
        person.send_group_msg(GROUP, f"soak step {step}")
        async with trio.open_nursery() as nursery:
            for index, client in enumerate(clients):
                nursery.start_soon(exchange, client, 10001 + index)
        if step % storm_every == 0:
            await storm(sim, clients)
        sample(step)


def recorded(sim: Simulator) -> int:
    return sim.actions.nbytes + sim.frames.nbytes + sim.transcript.entries.nbytes


async def soak(*, steps: int, step_s: float, storm_every: int, sample_every: int,
               bots: int = BOTS, record_budget: int = 4 * DEFAULT_BUDGET,
               report: Callable[[Sample], None] = lambda s: None,
               ) -> tuple[int, list[Sample], int]:
    """Run the soak; the fd baseline, the samples, and the fds after the clients closed."""
    clock = ManualClock()
    samples: list[Sample] = []
    faults = Counter()
    sim = Simulator(config(bots), spec=world(bots), clock=clock, record_budget=record_budget)
    async with serving(sim):
        sim.faults.add_listener(faults.count)
        gc.collect()
        baseline = open_fds()

        def sample(step: int) -> None:
            if step % sample_every == 0 or step == steps:
                gc.collect()
                taken = Sample(step, step * step_s, rss_kib(), open_fds(), len(sim.connections),
                               sum(c.frames for c in clients),
                               sum(c.reconnects for c in clients), faults.total,
                               recorded(sim) // 1024)
                samples.append(taken)
                report(taken)

        async with trio.open_nursery() as nursery:
            clients = [Client(sim.url("ws", 10001 + i), nursery) for i in range(bots)]
            for client in clients:
                await client.connect()
            sample(0)
            await soak_steps(sim, clock, clients, steps=steps, step_s=step_s,
                             storm_every=storm_every, sample=sample)
            for client in clients:
                await client.close()
        with trio.fail_after(10):  # qqsim notices each close and ends its sessions
            await sim.wait_until(lambda: not sim.connections)
        gc.collect()
        after = open_fds()
    return baseline, samples, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60, help="simulated minutes")
    parser.add_argument("--step", type=float, default=10, help="world seconds per step")
    parser.add_argument("--storm-every", type=int, default=30, help="steps between storms")
    parser.add_argument("--sample-every", type=int, default=36, help="steps between samples")
    parser.add_argument("--record-budget", type=int, default=4 * DEFAULT_BUDGET,
                        help="bytes the recorders keep (default 8 MiB; smaller fills sooner)")
    args = parser.parse_args()
    # The failing get_login_info window makes every client retry at once, by design: the
    # bot linter's one line per retry would bury the figures.
    logging.getLogger("qqsim.lint").setLevel(logging.ERROR)
    steps = round(args.minutes * 60 / args.step)
    print(f"soak: {BOTS} bots, {steps} steps of {args.step:g} s world time, record budget "
          f"{args.record_budget // 1024} KiB; "
          f"loadavg {loadavg()}", flush=True)

    def report(s: Sample) -> None:
        print(f"  t={s.world_s / 60:5.1f} min  RSS {s.rss_kib / 1024:6.1f} MiB  fds {s.fds:4d}  "
              f"connections {s.connections:3d}  frames {s.frames:6d}  reconnects "
              f"{s.reconnects:4d}  faults {s.faults:4d}  records {s.records_kib:5d} KiB  "
              f"loadavg {loadavg()}", flush=True)

    baseline, samples, after = trio.run(lambda: soak(
        steps=steps, step_s=args.step, storm_every=args.storm_every,
        sample_every=args.sample_every, record_budget=args.record_budget, report=report))
    half = next(s for s in samples if s.step >= steps // 2)
    print(f"fds: {baseline} before the clients, {samples[0].fds}-{max(s.fds for s in samples)}"
          f" during, {after} after they closed")
    print(f"RSS: {samples[0].rss_kib / 1024:.1f} MiB at start, {half.rss_kib / 1024:.1f} at "
          f"half time, {samples[-1].rss_kib / 1024:.1f} at the end (second half: "
          f"{(samples[-1].rss_kib - half.rss_kib) / 1024:+.1f} MiB); loadavg {loadavg()}")


if __name__ == "__main__":
    main()
