"""Issue 11 row 13: Ctrl-C on ``qqsim run`` printed a trio exception-group traceback and
exited 1. SIGINT and SIGTERM (what process managers send) now cancel everything: the bot's
connection is closed, the world file is committed and closed, the exit status is 0 and
stderr holds no traceback. Each test runs a real ``python -m simulator run`` on port 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import trio
from control_probe import read_listeners
from trio_websocket import ConnectionClosed, open_websocket_url

from simulator import cli
from simulator.errors import ConfigError
from simulator.world import build_world, load_spec

GROUP = 100100
#: Starting the interpreter and building the default world (seconds, generous for CI).
START_TIMEOUT = 30
STOP_TIMEOUT = 15


async def _send_message(ws_url: str, text: str) -> int:
    """Send ``text`` to the group as the bot; the message id, once acknowledged."""
    async with open_websocket_url(ws_url) as ws:
        request = {"action": "send_group_msg", "echo": "m",
                   "params": {"group_id": GROUP, "message": text}}
        await ws.send_message(json.dumps(request))
        while True:
            reply = json.loads(await ws.get_message())
            if reply.get("echo") == "m":
                assert reply["status"] == "ok", reply
                return int(reply["data"]["message_id"])


async def _stop_with(signum: signal.Signals, db: Path, text: str) -> int:
    command = [sys.executable, "-m", "simulator", "run", "--db", str(db), "--http-port", "0",
               "--ws-port", "0", "--control-port", "0", "-q"]
    async with trio.open_nursery() as nursery:
        process: trio.Process = await nursery.start(
            lambda **kw: trio.run_process(command, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, check=False, **kw))
        with trio.fail_after(START_TIMEOUT):
            urls = await read_listeners(process, "control")
            message_id = await _send_message(urls["ws"], text)
            # A bot still connected when the signal comes is disconnected, not left hanging.
            async with open_websocket_url(urls["ws"]) as ws:
                await ws.get_message()  # the lifecycle connect event: the session is up
                process.send_signal(signum)
                with trio.fail_after(STOP_TIMEOUT), pytest.raises(ConnectionClosed):
                    while True:
                        await ws.get_message()
        assert process.stderr is not None
        with trio.fail_after(STOP_TIMEOUT):
            err = b""
            while chunk := await process.stderr.receive_some(65536):
                err += chunk
            assert await process.wait() == 0, err.decode(errors="replace")
    assert b"Traceback" not in err, err.decode(errors="replace")
    return message_id


@pytest.mark.trio
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_stop_signal_ends_qqsim_cleanly_and_keeps_the_world(
    signum: signal.Signals, tmp_path: Path
) -> None:
    db = tmp_path / "w.db"
    text = f"kept after {signum.name}"
    message_id = await _stop_with(signum, db, text)
    world = build_world(load_spec(), db_path=str(db))  # the lock went with the process
    try:
        message = world.messages.get(message_id)
        assert message.group_id == GROUP and message.raw_message == text
    finally:
        world.close()


def test_a_config_error_raised_while_serving_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A listener that cannot bind fails inside trio's nurseries: one line, exit 2."""
    def fail(serve: object) -> None:
        raise ExceptionGroup("nursery", [ExceptionGroup("inner", [
            ConfigError("websocket-server (bot 10001) cannot listen on 127.0.0.1:1: in use")])])

    monkeypatch.setattr(cli, "trio", SimpleNamespace(run=fail))  # binds nothing
    argv = ["run", "--http-port", "0", "--ws-port", "0", "--control-port", "-1", "-q"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "qqsim: websocket-server (bot 10001) cannot listen on 127.0.0.1:1: in use"]
