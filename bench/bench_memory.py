"""Benchmark: qqsim's memory, idle and per message, against a bare trio-websocket server.

Three figures, each the median (and minimum) of ``--rounds`` rounds:

* idle RSS of ``qqsim run`` on the default world (a subprocess, read from
  /proc/PID/status once it has printed its listeners and sat for a second);
* in the same rounds, interleaved, the RSS of a bare trio-websocket echo
  server process: the floor any trio WebSocket server pays;
* RAM kept per message: in this process, a bot on the forward WebSocket
  sends ``--messages`` ``send_group_msg`` (actions) and a person says as many
  messages the bot is sent (frames), small and ``--large`` bytes. Measured
  with tracemalloc after a warm-up: everything still allocated afterwards
  (all of qqsim, the world included), the part allocated by the recorders
  (``simulator/recording.py``: ``sim.actions``, ``sim.frames``, the
  transcript), and the bytes the recorders account for themselves.

    python bench/bench_memory.py [--rounds 5] [--messages 1000] [--large 20000]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio
from common import loadavg
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import Simulator, SimulatorConfig, default_onebot_config, open_simulator

ROOT = Path(__file__).resolve().parent.parent
BOT, PERSON, GROUP = 10001, 20002, 100100
WARMUP = 100
SMALL = 30  # bytes of a "small" message: a line of chat
SETTLE_EVERY = 50  # let the bot's connection drain (its event buffer holds 1000)
START_TIMEOUT = 60.0

BARE_ECHO = """
import trio
from trio_websocket import ConnectionClosed, serve_websocket

async def echo(request):
    ws = await request.accept()
    try:
        while True:
            await ws.send_message(await ws.get_message())
    except ConnectionClosed:
        pass

async def main():
    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, echo, "127.0.0.1", 0, None)
        print(f"listening ws://127.0.0.1:{server.port}", flush=True)

trio.run(main)
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- idle RSS of a process ------------------------------------------------------------


def idle_rss(command: list[str], ready: Callable[[list[str]], bool]) -> int:
    """KiB resident once ``command`` has printed what ``ready`` waits for, plus a second."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT
        while not ready(lines):
            line = process.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:3]} did not start: {lines}")
            lines.append(line)
        time.sleep(1.0)
        return rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def qqsim_idle() -> int:
    ports = [str(free_port()) for _ in range(3)]
    command = [sys.executable, "-m", "simulator", "run", "-q", "--http-port", ports[0],
               "--ws-port", ports[1], "--control-port", ports[2]]
    return idle_rss(command, lambda lines: sum(" bot " in line or "qqsim (" in line
                                               for line in lines) >= 3)


def bare_idle() -> int:
    return idle_rss([sys.executable, "-c", BARE_ECHO],
                    lambda lines: any(line.startswith("listening") for line in lines))


# -- RAM kept per message -------------------------------------------------------------


def recorded_bytes(sim: Simulator) -> int:
    return sim.actions.nbytes + sim.frames.nbytes + sim.transcript.entries.nbytes


def traced() -> tuple[int, int]:
    """(bytes still allocated, of which allocated in the recorders), after a collection."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    total = sum(stat.size for stat in snapshot.statistics("filename"))
    mine = snapshot.filter_traces([tracemalloc.Filter(True, "*simulator/recording.py")])
    return total, sum(stat.size for stat in mine.statistics("filename"))


async def drain(ws: WebSocketConnection) -> None:
    while True:
        with trio.move_on_after(0.05):
            await ws.get_message()
            continue
        return


async def bot_sends(ws: WebSocketConnection, sim: Simulator, count: int, text: str) -> None:
    for n in range(count):
        await ws.send_message(json.dumps({"action": "send_group_msg", "echo": n, "params": {
            "group_id": GROUP, "message": f"{n} {text}"}}))
        await ws.get_message()


async def people_say(ws: WebSocketConnection, sim: Simulator, count: int, text: str) -> None:
    person = sim.person(PERSON)
    for n in range(count):
        person.send_group_msg(GROUP, f"{n} {text}")
        if n % SETTLE_EVERY == SETTLE_EVERY - 1:
            await sim.settle()
            await drain(ws)
    await sim.settle()
    await drain(ws)


def sized_text(size: int, seed: int = 0) -> str:
    """About ``size`` bytes of UTF-8 that compress like chat does: random common Chinese
    characters and ASCII words (a repeated phrase would flatter the recorders' zlib)."""
    rng = random.Random(seed)
    words = [chr(rng.randrange(0x4E00, 0x4E00 + 3000)) for _ in range(3000)]
    words += ["ok", "qqsim", "bot", "hello", "2024", "哈哈", "?", "!"]
    parts: list[str] = []
    used = 0
    while used < size:
        part = rng.choice(words)
        parts.append(part)
        used += len(part.encode())
    return "".join(parts)


Traffic = Callable[[WebSocketConnection, Simulator, int, str], Awaitable[None]]


async def kept_per_message(traffic: Traffic, count: int, size: int) -> tuple[float, ...]:
    """(total, recorders' own, recorders' accounted) bytes kept per message."""
    text = sized_text(size or SMALL)
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim, open_websocket_url(sim.url("ws") + "/") as ws:
        await traffic(ws, sim, WARMUP, text)
        await drain(ws)
        tracemalloc.start()
        try:
            total0, mine0 = traced()
            accounted0 = recorded_bytes(sim)
            await traffic(ws, sim, count, text)
            total1, mine1 = traced()
            accounted1 = recorded_bytes(sim)
        finally:
            tracemalloc.stop()
    return ((total1 - total0) / count, (mine1 - mine0) / count,
            (accounted1 - accounted0) / count)


def summary(values: list[float], digits: int = 0) -> str:
    return f"median {statistics.median(values):7.{digits}f}  min {min(values):7.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=1000, help="small messages per round")
    parser.add_argument("--large", type=int, default=20_000,
                        help="size in UTF-8 bytes of the large messages (default 20000)")
    parser.add_argument("--large-messages", type=int, default=1000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a slow drain is reported per event otherwise
    print(f"bench_memory: {args.rounds} rounds; loadavg {loadavg()}")

    qq, bare = [], []
    for number in range(1, args.rounds + 1):
        pair = [("qqsim", qqsim_idle), ("bare", bare_idle)]
        for name, measure in pair if number % 2 else reversed(pair):
            (qq if name == "qqsim" else bare).append(measure() / 1024)
        print(f"round {number}: idle RSS qqsim run {qq[-1]:6.1f} MB | bare trio-websocket "
              f"echo {bare[-1]:6.1f} MB; loadavg {loadavg()}")
    print(f"idle RSS MB  qqsim run (default world): {summary(qq, 1)}")
    print(f"             bare echo server:          {summary(bare, 1)}  (target: qqsim < 70)")

    cases = [("bot sends (actions)", bot_sends), ("people say (frames)", people_say)]
    sizes = [(0, args.messages), (args.large, args.large_messages)]
    print("\nRAM kept per message, bytes (tracemalloc): all of qqsim | recorders | "
          "recorders' own account")
    for size, count in sizes:
        for label, traffic in cases:
            rows = [trio.run(kept_per_message, traffic, count, size)
                    for _ in range(args.rounds)]
            total, mine, accounted = (list(column) for column in zip(*rows, strict=True))
            what = f"{size or SMALL} B text"
            print(f"{label:20} {what:13} x{count}: all {summary(total)} | recorders "
                  f"{summary(mine)} | accounted {summary(accounted)}")
        print(f"loadavg {loadavg()}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
