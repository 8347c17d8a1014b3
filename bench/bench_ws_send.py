"""Benchmark: ``send_group_msg`` round trips over qqsim's forward WebSocket.

Baseline, measured in the same run: a bare trio-websocket echo server that
answers each request frame with a response frame of the same size as
qqsim's. The ratio qqsim/baseline is what to watch; absolute numbers depend
on the machine.

    python bench/bench_ws_send.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import trio
from trio_websocket import WebSocketRequest, open_websocket_url, serve_websocket

from simulator import SimulatorConfig, default_onebot_config, open_simulator

REQUEST = {"action": "send_group_msg", "params": {"group_id": 100100, "message": "benchmark"}}


async def _round_trips(url: str, count: int, skip_first_frame: bool) -> float:
    """Seconds for ``count`` sequential request/response pairs."""
    async with open_websocket_url(url) as ws:
        if skip_first_frame:  # qqsim's lifecycle event comes first on a universal socket
            await ws.get_message()
        started = time.perf_counter()
        for echo in range(count):
            await ws.send_message(json.dumps({**REQUEST, "echo": str(echo)}))
            await ws.get_message()
        return time.perf_counter() - started


async def _baseline(count: int, response_frame: str) -> float:
    async def echo(request: WebSocketRequest) -> None:
        ws = await request.accept()
        while True:
            await ws.get_message()
            await ws.send_message(response_frame)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, echo, "127.0.0.1", 0, None)
        seconds = await _round_trips(f"ws://127.0.0.1:{server.port}/", count, False)
        nursery.cancel_scope.cancel()
    return seconds


async def _qqsim(count: int) -> tuple[float, str]:
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=None)
    async with open_simulator(config) as sim:
        url = sim.url("ws") + "/api"
        link = sim.link(10001)
        sample = json.dumps(link.call("send_group_msg", REQUEST["params"], "0"),
                            ensure_ascii=False, separators=(",", ":"))
        seconds = await _round_trips(url, count, False)
    return seconds, sample


async def main(requests: int, rounds: int) -> None:
    ratios = []
    for round_number in range(1, rounds + 1):
        qqsim_s, frame = await _qqsim(requests)
        base_s = await _baseline(requests, frame)
        ratio = qqsim_s / base_s
        ratios.append(ratio)
        print(f"round {round_number}: qqsim {requests / qqsim_s:8.0f} req/s "
              f"({qqsim_s / requests * 1e6:6.0f} µs), baseline {requests / base_s:8.0f} req/s "
              f"({base_s / requests * 1e6:6.0f} µs), ratio {ratio:.2f}x")
    print(f"median ratio qqsim/baseline: {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trio.run(main, args.requests, args.rounds)
