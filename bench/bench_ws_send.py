"""Benchmark: ``send_group_msg`` over qqsim's forward WebSocket vs a bare trio-websocket echo.

Two modes, each measured against its own anchor in the same run:

* ``rt``: sequential round trips (send one request, wait for its answer);
* ``pipe``: ``--pipelined`` requests sent on one connection without waiting,
  then every answer read; the figure is throughput.

The bare side is a trio-websocket server that does what qqsim's transport
must do at the least: ``json.loads`` of each request frame and ``json.dumps``
of a response of the same size and shape (qqsim's own answer, with the
request's echo). Both servers are started once and stay warm; each side gets
``--warmup`` requests first (at least 300), then ``--rounds`` rounds (at least
7) alternate the two sides, on one long-lived connection per side. Client and
servers share this process (one trio loop), so both sides pay the same client
costs. The ratios are what to watch; absolute figures depend on the machine.

    python bench/bench_ws_send.py [--mode rt,pipe] [--requests 2000] [--pipelined 2000]
                                  [--rounds 7] [--warmup 300] [--action NAME --params JSON]

``--action get_login_info --params '{}'`` measures the transport alone (no world write).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import trio
from common import alternate, loadavg
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    open_websocket_url,
    serve_websocket,
)

from simulator import SimulatorConfig, default_onebot_config, open_simulator

ACTION = "send_group_msg"
PARAMS: dict[str, Any] = {"group_id": 100100, "message": "benchmark"}
MIN_WARMUP = 300
MIN_ROUNDS = 7
#: Room for every pipelined answer in the client's queue, so its reader never stalls TCP.
QUEUE = 100_000


def request_frame(echo: int) -> str:
    return json.dumps({"action": ACTION, "params": PARAMS, "echo": str(echo)})


async def round_trips(ws: WebSocketConnection, count: int) -> float:
    """Seconds for ``count`` sequential request/answer pairs."""
    started = time.perf_counter()
    for echo in range(count):
        await ws.send_message(request_frame(echo))
        await ws.get_message()
    return time.perf_counter() - started


async def pipelined(ws: WebSocketConnection, count: int) -> float:
    """Seconds to send ``count`` requests without waiting, then read every answer."""
    frames = [request_frame(echo) for echo in range(count)]
    started = time.perf_counter()
    for frame in frames:
        await ws.send_message(frame)
    for _ in range(count):
        await ws.get_message()
    return time.perf_counter() - started


async def bare_echo(request: WebSocketRequest, template: dict[str, Any]) -> None:
    """The anchor: parse each request, answer a same-sized response carrying its echo."""
    ws = await request.accept()
    try:
        while True:
            frame = await ws.get_message()
            echo = json.loads(frame).get("echo")
            await ws.send_message(json.dumps({**template, "echo": echo}, ensure_ascii=False,
                                             separators=(",", ":")))
    except ConnectionClosed:
        pass


Measure = Callable[[WebSocketConnection, int], Awaitable[float]]


def summary(name: str, seconds: list[float], count: int) -> tuple[float, float]:
    median, low = statistics.median(seconds), min(seconds)
    print(f"  {name:6} median {median / count * 1e6:7.1f} µs/req {count / median:8.0f} req/s;"
          f"  min {low / count * 1e6:7.1f} µs/req {count / low:8.0f} req/s")
    return median, low


async def run_mode(mode: str, sides: dict[str, WebSocketConnection], count: int,
                   rounds: int) -> None:
    measure: Measure = round_trips if mode == "rt" else pipelined
    title = ("sequential round trips" if mode == "rt"
             else f"{count} requests pipelined on one connection")
    print(f"\n== {mode}: {title}, {rounds} rounds of {count}; loadavg {loadavg()}")

    async def measure_side(name: str) -> float:
        return await measure(sides[name], count)

    def report(number: int, times: dict[str, list[float]]) -> None:
        q, b = times["qqsim"][-1], times["bare"][-1]
        print(f"round {number}: qqsim {q / count * 1e6:7.1f} µs/req {count / q:8.0f} req/s | "
              f"bare {b / count * 1e6:7.1f} µs/req {count / b:8.0f} req/s | "
              f"qqsim/bare time {q / b:.2f}x")

    times = await alternate(list(sides), rounds, measure_side, report)
    q_med, q_min = summary("qqsim", times["qqsim"], count)
    b_med, b_min = summary("bare", times["bare"], count)
    # Per-round ratios pair the two sides of one round, so drifting load cancels out.
    paired = statistics.median(q / b for q, b in zip(times["qqsim"], times["bare"], strict=True))
    if mode == "rt":
        print(f"rt ratio qqsim/bare round trip: medians {q_med / b_med:.2f}x, "
              f"minimums {q_min / b_min:.2f}x, median of rounds {paired:.2f}x (target <= 1.5x)")
    else:
        print(f"pipe ratio qqsim/bare throughput: medians {b_med / q_med:.2f}, "
              f"best {b_min / q_min:.2f}, median of rounds {1 / paired:.2f} (target >= 0.6)")
    print(f"loadavg {loadavg()}")


async def main(modes: list[str], requests: int, pipelined_count: int, rounds: int,
               warmup: int) -> None:
    print(f"bench_ws_send: {ACTION} {json.dumps(PARAMS)}; modes {','.join(modes)}, "
          f"warm-up {warmup} per side; "
          f"loadavg {loadavg()}")
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim, trio.open_nursery() as nursery:
        async with open_websocket_url(sim.url("ws") + "/api", message_queue_size=QUEUE) as qq:
            await round_trips(qq, warmup)
            await qq.send_message(request_frame(0))
            template = json.loads(await qq.get_message())
            server = await nursery.start(serve_websocket, partial(bare_echo, template=template),
                                         "127.0.0.1", 0, None)
            bare_url = f"ws://127.0.0.1:{server.port}/"
            async with open_websocket_url(bare_url, message_queue_size=QUEUE) as bare:
                await round_trips(bare, warmup)
                for mode in modes:
                    count = requests if mode == "rt" else pipelined_count
                    await run_mode(mode, {"qqsim": qq, "bare": bare}, count, rounds)
        nursery.cancel_scope.cancel()

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="rt,pipe", help="rt, pipe or rt,pipe")
    parser.add_argument("--requests", type=int, default=2000, help="round trips per round")
    parser.add_argument("--pipelined", type=int, default=2000, help="requests per pipelined batch")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--warmup", type=int, default=MIN_WARMUP)
    parser.add_argument("--action", default=ACTION,
                        help="another action, e.g. get_login_info: the transport without the world")
    parser.add_argument("--params", type=json.loads, default=PARAMS, help="its params, as JSON")
    args = parser.parse_args()
    ACTION, PARAMS = args.action, args.params
    chosen = [m for m in args.mode.split(",") if m]
    if not set(chosen) <= {"rt", "pipe"} or not chosen:
        parser.error("--mode takes rt, pipe or rt,pipe")
    if args.rounds < MIN_ROUNDS or args.warmup < MIN_WARMUP:
        parser.error(f"at least {MIN_ROUNDS} rounds and {MIN_WARMUP} warm-up requests")
    trio.run(main, chosen, args.requests, args.pipelined, args.rounds, args.warmup)
