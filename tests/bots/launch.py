"""Running a real bot framework as a subprocess for the framework tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import trio

BOTS = Path(__file__).parent


def free_port() -> int:
    """A port that was free a moment ago, for a bot server that cannot report its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_for_port(port: int) -> None:
    """Wait until something listens on 127.0.0.1:``port`` (bound the wait with fail_after)."""
    while True:
        try:
            stream = await trio.open_tcp_stream("127.0.0.1", port)
        except OSError:
            # The bot is another process that says nothing when it listens: its port is
            # all there is to wait on, so look again shortly.
            await trio.sleep(0.05)
            continue
        await stream.aclose()
        return


@asynccontextmanager
async def running_bot(script: str, env: dict[str, str], log: Path) -> AsyncIterator[None]:
    """Run ``tests/bots/<script>`` with ``env`` added to the environment; kill it afterwards.

    The bot's output goes to ``log`` (shown by pytest when a test fails).
    """
    with log.open("wb") as out:
        async with trio.open_nursery() as nursery:
            run = partial(trio.run_process, [sys.executable, str(BOTS / script)],
                          env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                          check=False)
            process: trio.Process = await nursery.start(run)
            try:
                yield
            finally:
                # Frameworks can take long to shut down on SIGTERM; the test is over anyway.
                process.kill()
                with trio.move_on_after(5):
                    await process.wait()
