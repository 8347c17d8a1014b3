"""Steps that steer the run: time, faults, connections, notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import trio
from pydantic import Field, model_validator

from ...faults import Fault, FaultKind
from ..model import Args, Duration
from .registry import step

if TYPE_CHECKING:
    from ..run import ScenarioRun


@step("advance", Duration)
async def advance(run: ScenarioRun, seconds: float) -> None:
    """Move the world clock forward (``advance: 10m``); mutes, heartbeats, faults follow."""
    run.sim.advance(seconds)
    await run.sim.settle()  # let what the jump set off (heartbeats...) go out first


@step("wait", Duration)
async def wait(run: ScenarioRun, seconds: float) -> None:
    """Pause for real time (``wait: 200ms``); prefer expectations, which wait only as needed."""
    await trio.sleep(seconds)


class FaultArgs(Args):
    """One fault (``simulator.faults``): its kind, where it applies, and its selector."""

    kind: FaultKind
    action: str | list[str] | None = Field(None, description="action-level: names or globs")
    bot: int | None = Field(None, description="default: the bot under test")
    connection: str | None = Field(None, description="an adapter name (default: all)")
    times: int | None = Field(None, ge=1, description="take this many occasions")
    probability: float | None = Field(None, ge=0, le=1)
    seed: int = 0
    during: Duration | None = Field(None, alias="for", description="a window of world time")
    after: Duration = Field(0.0, description="the window opens this far in the future")
    retcode: int | None = None
    message: str | None = None
    seconds: Duration = Field(0.0, description="delay: how late the answer comes (real time)")
    limit: int = Field(0, ge=0, description="rate_limit: calls allowed per `per`")
    per: Duration = Field(0.0, description="rate_limit: the window, world time")
    status: int = Field(503, description="webhook_error: the HTTP status")
    name: str | None = Field(None, alias="as", description="name it, to clear it later")

    @model_validator(mode="after")
    def _valid_fault(self) -> FaultArgs:
        self.fault(0.0, 0)  # Fault checks its own rules (a delay needs seconds, ...)
        return self

    def fault(self, now: float, bot: int) -> Fault:
        start = None if self.during is None and not self.after else now + self.after
        return Fault(
            self.kind, action=tuple(self.action) if isinstance(self.action, list)
            else self.action, bot=self.bot if self.bot is not None else bot,
            connection=self.connection, times=self.times, probability=self.probability,
            seed=self.seed, start=start,
            end=None if start is None or self.during is None else start + self.during,
            retcode=self.retcode, message=self.message, seconds=self.seconds,
            limit=self.limit, per=self.per, status=self.status, label=self.name or "",
        )


@step("fault", FaultArgs)
async def fault(run: ScenarioRun, args: FaultArgs) -> None:
    """Arm a fault (``kind``), on the next call/frame, N of them, by chance or for a while."""
    armed = run.sim.faults.add(args.fault(run.sim.world.clock.now(), run.bot))
    run.remember(args.name, armed)


@step("clear_faults", str | list[str] | None, bare=True)
async def clear_faults(run: ScenarioRun, names: str | list[str] | None) -> None:
    """Disarm the faults named with ``as:`` (or every fault, written bare)."""
    if names is None:
        run.sim.faults.clear()
        return
    for name in [names] if isinstance(names, str) else names:
        armed = run.ref(name)
        if not isinstance(armed, Fault):
            run.fail_step(f"{name!r} does not name a fault")
        run.sim.faults.remove(armed)


class ConnectedArgs(Args):
    bot: int | None = None
    within: Duration | None = Field(None, description="default: 30s")


@step("wait_connected", ConnectedArgs | None, bare=True)
async def wait_connected(run: ScenarioRun, args: ConnectedArgs | None) -> None:
    """Wait until the bot is connected again (after a drop: bots reconnect on their own)."""
    args = args or ConnectedArgs()
    within = args.within if args.within is not None else 30.0
    bot = args.bot or run.bot
    with trio.move_on_after(within) as scope:
        await run.sim.wait_connected(bot)
    if scope.cancelled_caught:
        run.fail(f"bot {bot} did not connect within {within:g}s")


@step("wait_disconnected", ConnectedArgs | None, bare=True)
async def wait_disconnected(run: ScenarioRun, args: ConnectedArgs | None) -> None:
    """Wait until the bot has no connection left (e.g. after a drop_connection fault)."""
    args = args or ConnectedArgs()
    within = args.within if args.within is not None else 30.0
    bot = args.bot or run.bot
    with trio.move_on_after(within) as scope:
        await run.sim.wait_disconnected(bot)
    if scope.cancelled_caught:
        run.fail(f"bot {bot} was still connected after {within:g}s")


@step("note", str)
async def note(run: ScenarioRun, text: str) -> None:
    """Put a line in the transcript (what the next steps are about)."""
    run.sim.transcript.add("note", text=text)
