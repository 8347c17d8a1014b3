"""The bot under test's own output (stdout and stderr), kept for the reports.

``qqsim test --bot-cmd`` reads the bot's output into a ``BotOutput`` instead
of letting it run into qqsim's results: each scenario's result carries what
the bot printed while it ran, shown when the scenario fails (or with
``--verbose``), so a bot's traceback is in the report that needs it. Only the
latest ``LINES`` lines are kept, whatever the bot prints.
"""

from __future__ import annotations

import subprocess
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

import trio

if TYPE_CHECKING:
    from .host import ScenarioHost

#: Lines of the bot's output kept in memory.
LINES = 2000
#: Lines a failure shows, reaching further back to show the bot's last traceback whole.
TAIL = 30
TRACEBACK_LINES = 200
_TRACEBACK = "Traceback (most recent call last)"


def tail_lines(lines: list[str], count: int = TAIL) -> list[str]:
    """The end of a bot's output: ``count`` lines, or more to begin at its last traceback
    (when that began at most ``TRACEBACK_LINES`` lines from the end)."""
    start = max(0, len(lines) - count)
    last = next((i for i in range(len(lines) - 1, -1, -1)
                 if lines[i].startswith(_TRACEBACK)), None)
    if last is not None and len(lines) - last <= TRACEBACK_LINES:
        start = min(start, last)
    return lines[start:]


def render_tail(lines: list[str], count: int = TAIL) -> str:
    """``tail_lines`` as a block, each line prefixed ``  | ``."""
    shown = tail_lines(lines, count)
    return "\n".join("  | " + line for line in shown) or "  | (no output)"


class BotOutput:
    """What the bot printed: the latest ``limit`` lines, numbered from its start."""

    def __init__(self, limit: int = LINES) -> None:
        self._lines: deque[str] = deque(maxlen=limit)
        self._count = 0  # lines received in all, kept or not
        self._partial = b""
        #: Set when the bot command has ended (``returncode`` says how).
        self.exited = trio.Event()
        self.returncode: int | None = None

    def feed(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        for raw in complete:
            self._add(raw)

    def close(self) -> None:
        """The stream ended: a last line without its newline counts too."""
        if self._partial:
            self._add(self._partial)
            self._partial = b""

    def _add(self, raw: bytes) -> None:
        self._lines.append(raw.decode("utf-8", errors="replace").rstrip("\r"))
        self._count += 1

    def mark(self) -> int:
        """A position: ``since(mark)`` is what came after it."""
        return self._count

    def since(self, mark: int) -> list[str]:
        """The lines printed after ``mark`` that are still kept."""
        kept_from = self._count - len(self._lines)
        return list(self._lines)[max(0, mark - kept_from):]

    async def pump(self, stream: trio.abc.ReceiveStream) -> None:
        """Read ``stream`` until it ends."""
        try:
            async for chunk in stream:
                self.feed(bytes(chunk))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass  # the bot is gone: what it printed is kept
        finally:
            self.close()


class BotNotConnected(Exception):
    """The bot under test did not connect (or its command ended first)."""


async def run_bot(command: list[str], env: dict[str, str], output: BotOutput, grace: float, *,
                  task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Run the bot command, its output into ``output``, until cancelled; then stop it
    gently (SIGTERM), and kill it after ``grace`` seconds. When it ends by itself,
    ``output.exited`` is set (``wait_connected_or_exit`` turns that into an error)."""
    async with trio.open_nursery() as nursery:
        process: trio.Process = await nursery.start(partial(
            trio.run_process, command, env=env, check=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        assert process.stdout is not None
        read = trio.Event()
        nursery.start_soon(_pump_then_set, output, process.stdout, read)
        task_status.started()
        try:
            await process.wait()
            with trio.move_on_after(1.0):  # its last words, unless a child holds the pipe
                await read.wait()
            output.returncode = process.returncode
            output.exited.set()
        finally:
            with trio.CancelScope(shield=True):
                await _stop(process, grace)


async def _pump_then_set(output: BotOutput, stream: trio.abc.ReceiveStream,
                         done: trio.Event) -> None:
    try:
        await output.pump(stream)
    finally:
        done.set()


async def _stop(process: trio.Process, grace: float) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    with trio.move_on_after(grace):
        await process.wait()
    if process.returncode is None:
        process.kill()
        await process.wait()


async def wait_connected_or_exit(sim: ScenarioHost, bot: int, output: BotOutput,
                                 timeout: float) -> bool:
    """Wait (real time, up to ``timeout``) until ``bot`` is connected: True; False when
    the time ran out. A bot command that has ended is ``BotNotConnected``, at once."""
    if not output.exited.is_set() and any(link.self_id == bot for link in sim.connections):
        return True
    with trio.move_on_after(timeout):
        async with trio.open_nursery() as nursery:
            async def first(wait: Callable[[], Awaitable[object]]) -> None:
                await wait()
                nursery.cancel_scope.cancel()

            nursery.start_soon(first, partial(sim.wait_connected, bot))
            nursery.start_soon(first, output.exited.wait)
    if output.exited.is_set():
        raise BotNotConnected(f"the bot command exited with status {output.returncode}; its "
                              f"output:\n{render_tail(output.since(0))}")
    return any(link.self_id == bot for link in sim.connections)
