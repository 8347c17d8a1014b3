"""One simulator kept for a session's NoneBot2 in-process tests, its world renewed per test.

Most of what a NoneBot test cost was NoneBot dialling a fresh world's WebSocket (and
the thread and listener that world needed), then letting it go. Here the first such
test starts a simulator that stays: each later test with the same options gets that
simulator with its world brought back to the state it had when first built
(``Simulator.restore`` of a snapshot taken then) and its records (transcript, traffic,
faults, lints) emptied, so NoneBot's connection can stay up between tests.

A test that changed more than the world (served another listener, left another
connection open, rebuilt the world from another spec, switched profile, lost
NoneBot's connection) retires the simulator at its end; the next test starts anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lint import Linter
from .facade import AsyncQQSim
from .host import ThreadHost
from .options import QQSimOptions
from .session import report_lints, report_unchecked, simulator_factory

if TYPE_CHECKING:
    from ..app import Simulator
    from ..world.snapshot_store import WorldSnapshot


@dataclass(frozen=True)
class _Shape:
    """What a test must leave as it found it for the simulator to serve the next test."""

    world: int
    spec: int
    profile: int
    endpoints: tuple[str, ...]
    connections: int


def _shape(sim: Simulator) -> _Shape:
    return _Shape(id(sim.world), id(sim.spec), id(sim.profile),
                  tuple(e.url for e in sim.endpoints), len(sim.connections))


def _renew(sim: Simulator, snapshot: WorldSnapshot) -> None:
    """The world as first built, and records as a fresh simulator's (on its loop)."""
    sim.restore(snapshot)
    sim.faults.clear()
    sim.transcript.clear()  # its calls and frames too: ``sim.actions``, ``sim.frames``
    for name in sim.snapshots.names():
        sim.snapshots.forget(name)
    # A new linter, as a fresh simulator has: its send rates run on the machine's time,
    # which restoring the world does not turn back.
    sim.lint.close()
    sim.lint = Linter(sim)


class PooledWorld:
    """The kept simulator (see the module doc); NoneBot's connection to it is the
    caller's (``NoneBotSession``), recorded here while it lasts."""

    def __init__(self, options: QQSimOptions) -> None:
        self.options = options
        self.host = ThreadHost(simulator_factory(options), name="qqsim-nonebot", lazy=True)
        self.host.start()
        self.snapshot = self.host.call(self.host.sim.snapshot)
        #: NoneBot's open connection to it: (the adapter's task, its watch), when one is up.
        self.connection: tuple[Any, Any] | None = None
        self._shape: _Shape | None = None
        self.used = False

    def settled(self) -> None:
        """Note the shape of the simulator serving NoneBot (once it is connected), its
        every listener started: a test reading ``http_url`` does not retire it."""
        self.host.ensure_serving()
        self._shape = self.host.call(_shape, self.host.sim)

    def reusable(self) -> bool:
        """Whether the next test may have it (called once this test let go of it)."""
        return (self.host.alive and self._shape is not None and self.connection is not None
                and self.host.call(_shape, self.host.sim) == self._shape)

    @contextmanager
    def test(self, log_dir: Callable[[], Path] | None) -> Iterator[AsyncQQSim]:
        """The facade of one test over the kept simulator (its world renewed first)."""
        if self.used:
            self.host.call(_renew, self.host.sim, self.snapshot)
        self.used = True
        qq = AsyncQQSim(self.host, self.options, log_dir)
        try:
            yield qq
        finally:
            try:
                if self.host.alive and qq._bot_processes:
                    self.host.wait(qq._stop_bots)
            finally:
                report_unchecked(qq)
                report_lints(qq)
                if self.connection is None:  # NoneBot let go: this test retired it
                    self.host.stop()

    def stop(self) -> None:
        self.connection = None
        self.host.stop()
