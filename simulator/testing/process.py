"""Running the bot under test as a separate process, connected to the test's simulator.

``launch`` starts a command with the simulator's endpoints in its
environment (the same variables ``qqsim test --bot-cmd`` sets):

    QQSIM_BOT_ID    the bot account it plays
    QQSIM_WS_URL    the forward WebSocket URL, ending in ``/``
    QQSIM_HTTP_URL  the HTTP API root
    QQSIM_TOKEN     the access token (empty: none)

``wait_connected`` waits, in real time, until the bot has connected (a
reverse-WebSocket bot is dialled with ``serve_reverse_ws``), and fails early
with the end of the bot's output if the command exits first; the facades'
``start_bot`` does all three. ``stop_bot`` terminates it, gives it a
short grace, then kills it: some frameworks (NoneBot) take half a minute to
exit on SIGTERM, and the test is over anyway.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import trio

from ..adapters import start_adapter
from ..config import WebsocketClientConfig
from ..scenarios.bot_output import render_tail
from .waits import first_of, real_sleep, with_transcript

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator

#: Seconds a bot gets to exit after SIGTERM before it is killed.
STOP_GRACE = 3.0
#: How often qqsim redials a reverse-WebSocket bot that is not listening yet (ms).
REDIAL_MS = 200
#: Lines of the bot's output a failure shows.
OUTPUT_TAIL = 30


class BotFailed(AssertionError):
    """The bot process exited, or did not connect in time."""

    shows_transcript = True
    shows_bot_output = True  # its message ends with the bot's output


@dataclass
class BotProcess:
    """A bot command qqsim started; its output (stdout and stderr) goes to ``log``."""

    command: list[str]
    bot: int
    log: Path
    process: trio.Process
    _out: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """None while it runs."""
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def output_tail(self, lines: int = OUTPUT_TAIL) -> str:
        """The last ``lines`` lines of its output, from the start of its last traceback
        if that began earlier, each prefixed ``  | ``."""
        return render_tail(self.output().splitlines(), lines)


def bot_env(sim: Simulator, bot: int, token: str) -> dict[str, str]:
    """The ``QQSIM_*`` variables for ``bot``: where its listeners are."""
    env = {"QQSIM_BOT_ID": str(bot), "QQSIM_TOKEN": token}
    for endpoint in sim.endpoints:
        if endpoint.bot_id != bot:
            continue
        if endpoint.kind == "ws" and "QQSIM_WS_URL" not in env:
            env["QQSIM_WS_URL"] = endpoint.url + "/"
        elif endpoint.kind == "http" and "QQSIM_HTTP_URL" not in env:
            env["QQSIM_HTTP_URL"] = endpoint.url
    return env


async def launch(sim: Simulator, command: Sequence[str], *, bot: int, token: str, log: Path,
                 env: Mapping[str, str] | None, cwd: str | Path | None) -> BotProcess:
    """Start ``command`` as bot ``bot``, its output going to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("wb")
    full_env = {**os.environ, **bot_env(sim, bot, token), **(env or {})}
    process = await trio.lowlevel.open_process(
        list(command), env=full_env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
        stderr=subprocess.STDOUT)
    return BotProcess(list(command), bot, log, process, out)


async def serve_reverse_ws(sim: Simulator, nursery: trio.Nursery, bot: int, url: str,
                           token: str) -> Endpoint:
    """Dial a reverse-WebSocket bot at ``url`` (and redial while it is not up yet)."""
    config = WebsocketClientConfig(enable=True, url=url, token=token,
                                   reconnectInterval=REDIAL_MS)
    endpoint = await start_adapter(nursery, sim, bot, config)
    sim.endpoints.append(endpoint)
    return endpoint


async def wait_connected(sim: Simulator, bot: BotProcess, timeout: float,
                         already: int = 0) -> None:
    """Wait (real time) until ``bot`` has more than ``already`` connections; fail early
    if it exits first."""
    won = await first_of(
        lambda: sim.wait_connected(bot.bot, already + 1),
        bot.process.wait,
        lambda: real_sleep(timeout),
    )
    if won == 0:
        return
    why = (f"exited with status {bot.returncode} before connecting" if won == 1
           else f"did not connect within {timeout:g}s")
    raise BotFailed(with_transcript(
        f"bot {bot.bot} ({' '.join(bot.command)}) {why}; its output:\n{bot.output_tail()}", sim))


async def wait_exit(bot: BotProcess, timeout: float) -> int:
    """Wait (real time) until the bot process ends by itself; its exit status."""
    await first_of(bot.process.wait, lambda: real_sleep(timeout))
    if bot.process.returncode is None:
        raise BotFailed(f"bot {bot.bot} ({' '.join(bot.command)}) still runs after "
                        f"{timeout:g}s; its output:\n{bot.output_tail()}")
    return bot.process.returncode


async def stop_bot(bot: BotProcess, grace: float = STOP_GRACE) -> None:
    """Terminate, wait ``grace`` seconds (real time), then kill; close its log."""
    try:
        if bot.process.returncode is None:
            bot.process.terminate()
            await first_of(bot.process.wait, lambda: real_sleep(grace))
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    finally:
        bot._out.close()
