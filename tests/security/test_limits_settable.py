"""Issue 11, the limits themselves: each cap and deadline of ``wire.Limits`` is settable
from ``qqsim run`` (``--http-body-max``, ``--frame-max``, ``--json-values-max``,
``--body-timeout``, ``--head-timeout``, ``--handshake-timeout``, ``--max-connections``), and
the per-listener connection bound follows the process's file-descriptor limit rather than a
constant."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys

import httpx
import pytest
import trio
from control_probe import read_listeners
from trio_websocket import ConnectionClosed, open_websocket_url

from simulator import cli
from simulator.adapters import wire
from simulator.errors import ConfigError

START_TIMEOUT = 30


@pytest.mark.parametrize(("soft", "bound"), [
    (1024, 256), (100, 32), (8192, 2048), (resource.RLIM_INFINITY, 16384)])
def test_the_connection_bound_follows_the_descriptor_limit(
    soft: int, bound: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (soft, resource.RLIM_INFINITY))
    assert wire.connection_bound() == bound
    assert wire.Limits().connections == bound


def test_the_process_limit_is_what_is_read() -> None:
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        pytest.skip("no descriptor limit here")
    assert wire.Limits().connections == max(32, min(soft // 4, 16384))


@pytest.mark.parametrize("flag", ["--http-body-max", "--frame-max", "--json-values-max",
                                  "--body-timeout",
                                  "--head-timeout", "--handshake-timeout", "--max-connections"])
def test_a_limit_that_is_not_positive_is_a_one_line_error(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", flag, "0", "--control-port", "-1"]) == 2
    error = capsys.readouterr().err
    assert error.strip() == f"qqsim: {flag} must be positive, not 0"
    with pytest.raises(ConfigError):
        wire.LIMITS.with_values(frame_max=-1)


async def _bot_answers(urls: dict[str, str]) -> None:
    # Bounded by the caller's deadline: the first request of a fresh process loads the HTTP
    # server and the action handlers, over a second on a loaded machine.
    async with httpx.AsyncClient() as client:
        response = await client.post(urls["http"] + "/get_login_info", json={})
    assert response.json()["data"]["user_id"] == 10001


@pytest.mark.trio
async def test_run_applies_the_limits_it_is_given() -> None:
    command = [sys.executable, "-m", "simulator", "run", "--http-port", "0", "--ws-port", "0",
               "--control-port", "-1", "-q", "--http-body-max", "1000", "--frame-max", "2000",
               "--body-timeout", "0.5", "--head-timeout", "0.5", "--json-values-max", "50"]
    async with trio.open_nursery() as nursery:
        process: trio.Process = await nursery.start(
            lambda **kw: trio.run_process(command, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, check=False, **kw))
        try:
            with trio.fail_after(START_TIMEOUT):
                urls = await read_listeners(process, "ws", "http")
            with trio.fail_after(10):
                await _bot_answers(urls)
                async with httpx.AsyncClient() as client:
                    big = await client.post(urls["http"] + "/get_login_info",
                                            content=b" " * 1001)
                    assert (big.status_code, big.json()) == (
                        413, {"message": "request body over 1000 bytes"})
                    async def slow() -> object:
                        yield b"{"
                        # Real time on purpose: the server is another process whose body
                        # deadline (0.5 s here) runs on its own clock; this outlasts it.
                        await trio.sleep(1)
                        yield b"}"
                    late = await client.post(urls["http"] + "/get_login_info", content=slow(),
                                             headers={"Content-Length": "2"})
                    assert late.status_code == 408
                    assert late.json()["message"] == "request body not received within 0.5 s"
                idle = await trio.open_tcp_stream("127.0.0.1", int(urls["http"].rsplit(":")[-1]))
                assert await idle.receive_some(10) == b""  # no request head within 0.5 s
                await idle.aclose()
                async with open_websocket_url(urls["ws"] + "/api") as ws:
                    await ws.send_message(json.dumps({"action": "get_login_info", "echo": 5,
                                                      "params": {"pad": [1] * 100}}))
                    refused = json.loads(await ws.get_message())
                assert (refused["retcode"], refused["echo"]) == (1400, 5)
                assert "more than 50 JSON values" in refused["message"]
                async with open_websocket_url(urls["ws"] + "/api") as ws:
                    await ws.send_message(json.dumps({"action": "get_login_info",
                                                      "pad": "x" * 2000}))
                    with pytest.raises(ConnectionClosed) as closed:
                        await ws.get_message()
                assert closed.value.reason.code == 1009
                await _bot_answers(urls)
        finally:
            process.send_signal(signal.SIGTERM)
    assert process.returncode == 0
