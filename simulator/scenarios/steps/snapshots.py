"""Steps that save the whole world and go back to it (``simulator.world.snapshot_store``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import ConfigError
from .registry import step

if TYPE_CHECKING:
    from ..run import ScenarioRun


@step("snapshot", str)
async def snapshot(run: ScenarioRun, name: str) -> None:
    """Save the whole world under a name (``snapshot: before-kick``): state, history, clock."""
    await run.sim.settle()  # what earlier steps set off is in the world first
    run.sim.snapshot(name)


@step("restore", str)
async def restore(run: ScenarioRun, name: str) -> None:
    """Bring the world back to a snapshot saved earlier (``restore: before-kick``)."""
    try:
        run.sim.restore(name)
    except ConfigError as exc:
        run.fail_step(str(exc))
