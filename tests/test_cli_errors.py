"""A listener that cannot bind is a one-line error naming it and its port, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _run(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator", "run", "-q", *flags],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("flag", "listener"), [
    ("--ws-port", "websocket-server"),
    ("--http-port", "http-server"),
    ("--control-port", "control API"),
])
def test_a_port_in_use_names_the_listener_in_one_line(
    taken_port: int, flag: str, listener: str
) -> None:
    ports = {"--ws-port": "0", "--http-port": "0", "--control-port": "0", flag: str(taken_port)}
    done = _run(*[part for pair in ports.items() for part in pair])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert listener in lines[0] and f":{taken_port}" in lines[0] and "in use" in lines[0]
    assert "Traceback" not in done.stderr
