"""Opening and closing a test's simulator, without pytest.

    with open_qqsim(seed="default") as qq:            # sync code: QQSim
        ...
    with open_async_qqsim() as qq:                    # asyncio or anyio code: AsyncQQSim
        ...
    async with open_trio_qqsim(clock="trio") as qq:   # inside trio.run: AsyncQQSim
        ...

Each gives a fresh world with its own listeners on ephemeral ports. Closing
stops the bot processes the test started, reports expectations that were
built but never checked (``UncheckedExpectation``), stops serving and closes
the world. The pytest plugin is these three, wired to a fixture.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ..app import Simulator
from .expectations import UncheckedExpectation
from .facade import AsyncQQSim, QQSim, _QQSimBase
from .host import ThreadHost, local_host
from .options import QQSimOptions, simulator_config, world_clock, world_spec
from .snapshots import loaded_snapshot

F = TypeVar("F", bound=_QQSimBase)


def simulator_factory(options: QQSimOptions) -> Callable[[], Simulator]:
    """Check the options and prepare the world now; build the simulator when called."""
    spec = world_spec(options)
    config = simulator_config(options, spec)

    snapshot = loaded_snapshot(options.snapshot) if options.snapshot else None

    def make() -> Simulator:
        sim = Simulator(config, spec=spec, clock=world_clock(options))
        if snapshot is not None:
            sim.restore(snapshot)
        return sim

    return make


def _listeners_only(options: QQSimOptions) -> bool:
    """Whether the test's simulator serves only bot listeners: no ``onebot`` config of the
    test's own (its clients dial out), no control API."""
    return options.onebot is None and not options.control


def _options(options: QQSimOptions | None, overrides: dict[str, Any]) -> QQSimOptions:
    return (options or QQSimOptions()).merged(overrides)


@contextmanager
def _threaded(kind: type[F], options: QQSimOptions,
              log_dir: Callable[[], Path] | None) -> Iterator[F]:
    # Listeners a bot dials wait for their first use; qqsim's own outgoing connections
    # (an ``onebot`` config's clients) and the control API start at once.
    lazy = _listeners_only(options)
    host = ThreadHost(simulator_factory(options), name="qqsim", lazy=lazy)
    host.start()
    qq = kind(host, options, log_dir)
    try:
        yield qq
    finally:
        try:
            if host.alive:
                host.wait(qq._stop_bots)
        finally:
            report_unchecked(qq)
            report_lints(qq)
            host.stop()


@contextmanager
def open_qqsim(options: QQSimOptions | None = None, *,
               log_dir: Callable[[], Path] | None = None, **overrides: Any) -> Iterator[QQSim]:
    """A simulator on its own thread, for sync code; ``overrides`` are option fields."""
    with _threaded(QQSim, _options(options, overrides), log_dir) as qq:
        yield qq


@contextmanager
def open_async_qqsim(options: QQSimOptions | None = None, *,
                     log_dir: Callable[[], Path] | None = None,
                     **overrides: Any) -> Iterator[AsyncQQSim]:
    """A simulator on its own thread, awaited from asyncio (or anyio, any backend)."""
    with _threaded(AsyncQQSim, _options(options, overrides), log_dir) as qq:
        yield qq


@asynccontextmanager
async def open_trio_qqsim(options: QQSimOptions | None = None, *,
                          log_dir: Callable[[], Path] | None = None,
                          **overrides: Any) -> AsyncIterator[AsyncQQSim]:
    """A simulator in the current trio loop, under its clock (a ``MockClock`` too)."""
    chosen = _options(options, overrides)
    async with local_host(simulator_factory(chosen),
                          listeners_only=_listeners_only(chosen)) as host:
        qq = AsyncQQSim(host, chosen, log_dir)
        try:
            yield qq
        finally:
            try:
                await qq._stop_bots()
            finally:
                report_unchecked(qq)
                report_lints(qq)


def report_unchecked(qq: _QQSimBase) -> None:
    """Warn once for each expectation that was built but never checked."""
    for built in qq.unchecked():
        filename, _, line = built.where.rpartition(":")
        warnings.warn_explicit(UncheckedExpectation(
            f"this expectation was never checked: expect {built.description} (call "
            ".check() in a sync test, await it in an async one)"),
            UncheckedExpectation, filename or "?", int(line) if line.isdigit() else 0)
        built.checked = True  # reported once


def report_lints(qq: _QQSimBase) -> None:
    """Warn for each lint the bot earned (``simulator.lint``: a warning class per rule,
    so ``-W error::simulator.lint.SendRateLint`` makes that rule fail the test)."""
    for lint in list(qq.sim.lint.found):  # read once the bots have stopped
        warnings.warn(lint.warning(), stacklevel=2)
