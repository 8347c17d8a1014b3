"""Serving a simulator: the adapters that serve its bots and the control API.

``Simulator`` (``simulator.simulation``) holds the world and what happens in it; this
module starts the listeners around it (``serve``) and runs one for a block
(``open_simulator``, ``serving``). ``Simulator`` and ``Endpoint`` are re-exported here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from .adapters import bind_error, start_adapter
from .clock import Clock
from .config import SimulatorConfig, check_control_exposure
from .control.api import serve_control
from .endpoint import Endpoint as Endpoint
from .errors import ConfigError
from .simulation import Simulator as Simulator
from .world import WorldSpec

__all__ = ["Endpoint", "Simulator", "open_simulator", "serve", "serving"]


async def serve(sim: Simulator, *,
                task_status: trio.TaskStatus[list[Endpoint]] = trio.TASK_STATUS_IGNORED) -> None:
    """Start every enabled adapter and the control API for ``sim``; serve until cancelled."""
    async with trio.open_nursery() as nursery:
        for bot_id, onebot in sim.config.bots.items():
            sim.link(bot_id)  # fails early on an unknown bot
            for adapter in onebot.network.enabled():
                endpoint = await start_adapter(nursery, sim, bot_id, adapter)
                sim.endpoints.append(endpoint)
        if sim.config.control_port is not None:
            try:
                endpoint = await nursery.start(serve_control, sim)
            except (OSError, ExceptionGroup) as exc:
                failed = bind_error(exc)
                if failed is None:
                    raise
                raise ConfigError(
                    f"the control API cannot listen on {sim.config.control_host}:"
                    f"{sim.config.control_port}: {failed.strerror or failed}") from None
            sim.endpoints.append(endpoint)
        task_status.started(list(sim.endpoints))


@asynccontextmanager
async def open_simulator(
    config: SimulatorConfig | None = None, *, spec: WorldSpec | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[Simulator]:
    """Run a simulator for the duration of the ``async with`` block."""
    if config is not None:
        check_control_exposure(config)  # a one-line error before a world is built
    async with serving(Simulator(config, spec=spec, clock=clock)) as sim:
        yield sim


@asynccontextmanager
async def serving(sim: Simulator) -> AsyncIterator[Simulator]:
    """Serve ``sim`` (already built, perhaps adjusted) for the block, then close it."""
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(serve, sim)
            yield sim
            nursery.cancel_scope.cancel()
    finally:
        sim.close()
