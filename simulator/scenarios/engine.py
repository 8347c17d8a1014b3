"""Running one scenario against a running ``Simulator``, on trio.

``prepare`` rebuilds the simulator's world for the scenario (its world,
profile and clock); ``run_scenario`` then plays the steps in order, each one
recorded in the transcript with its line, and stops at the first failure.
The result says passed, failed (an expectation did not hold) or error (a
step could not run: QQ refused an injection, a name was unknown...).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import Clock, ManualClock, SystemClock
from ..errors import SimulatorError
from ..transcript import Entry
from ..world import WorldSpec, generate_spec, load_spec
from .expect import ExpectationFailed
from .loader import LoadedScenario, ScenarioError
from .model import GeneratedWorld, SeedWorld, step_kind
from .run import ScenarioRun
from .steps import STEPS

if TYPE_CHECKING:
    from .host import ScenarioHost

log = logging.getLogger("qqsim.scenario")


@dataclass
class ScenarioResult:
    name: str
    source: str
    status: str  # "passed" | "failed" | "error"
    seconds: float
    message: str = ""
    step: int | None = None  # 1-based index of the step that stopped the run
    line: int | None = None
    kind: str | None = None
    entries: list[Entry] = field(default_factory=list)
    #: What the bot under test printed while the scenario ran (when qqsim started it).
    bot_output: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def headline(self) -> str:
        where = f" at step {self.step} ({self.kind}, line {self.line})" if self.step else ""
        return f"{self.status.upper()} {self.name}{where} [{self.seconds:.2f}s]"


def world_spec(loaded: LoadedScenario) -> WorldSpec:
    """The world a scenario names, built as ``qqsim run`` would build it."""
    world = loaded.scenario.world
    if isinstance(world, WorldSpec):
        return world
    if isinstance(world, GeneratedWorld):
        return generate_spec(**world.generate.model_dump())
    name = world.seed if isinstance(world, SeedWorld) else world
    relative = loaded.base_dir / name
    return load_spec(str(relative) if relative.suffix in (".yaml", ".yml") and relative.exists()
                     else name)


def scenario_clock(loaded: LoadedScenario, previous: Clock | None = None) -> Clock:
    """The world clock for a scenario: manual (from 2026-01-01), or the machine's.

    After an earlier world (``previous``), a manual clock starts a second after where
    that one stood, so world time never runs backwards for a bot that stays
    connected from one scenario to the next (message ids do repeat: every world
    is built afresh, as after a NapCat restart).
    """
    if loaded.scenario.clock == "real":
        return SystemClock()
    start = ManualClock().now()
    if previous is not None:
        start = max(start, int(previous.now()) + 1)
    return ManualClock(start)


def prepare(sim: ScenarioHost, loaded: LoadedScenario, bot: int | None = None) -> int:
    """Give ``sim`` a fresh world for the scenario; return the bot under test.

    ``bot`` is the bot the caller serves (the runner's connected bot): the
    scenario must not name another one.
    """
    wanted = loaded.scenario.bot
    if bot is not None and wanted is not None and wanted != bot:
        raise ScenarioError(f"the scenario tests bot {wanted}, but bot {bot} is connected")
    sim.reset(world_spec(loaded), profile=loaded.scenario.profile,
              clock=scenario_clock(loaded, sim.world.clock))
    chosen = bot or wanted or sim.default_bot()
    account = sim.world.accounts.find(chosen)
    if account is None or not account.is_bot:
        raise ScenarioError(f"{chosen} is not a bot account in this scenario's world")
    return chosen


async def run_scenario(sim: ScenarioHost, loaded: LoadedScenario, *, bot: int | None = None,
                       reset: bool = True) -> ScenarioResult:
    """Play ``loaded`` on ``sim`` (a fresh world unless ``reset=False``) and report."""
    started = time.perf_counter()
    result = ScenarioResult(loaded.name, loaded.source, "passed", 0.0)
    try:
        bot_id = prepare(sim, loaded, bot) if reset else (bot or loaded.scenario.bot
                                                          or sim.default_bot())
    except SimulatorError as exc:
        result.status, result.message = "error", str(exc)
        result.seconds = time.perf_counter() - started
        return result
    run = ScenarioRun(sim, loaded, bot_id)
    sim.transcript.add("scenario", name=loaded.name, source=_source(loaded), bot=bot_id,
                       profile=loaded.scenario.profile)
    try:
        await _play(run, result)
        if result.passed:
            run.expect.check_nevers()
    except ExpectationFailed as failure:  # the whole transcript goes with the result
        result.status, result.message = "failed", failure.summary
    finally:
        run.expect.close()
        sim.transcript.add("result", status=result.status, step=result.step)
        result.entries = list(sim.transcript.entries)
        result.seconds = time.perf_counter() - started
    return result


async def _play(run: ScenarioRun, result: ScenarioResult) -> None:
    for index, (item, line) in enumerate(zip(run.loaded.steps, run.loaded.step_lines,
                                             strict=True), start=1):
        kind, args = step_kind(item)
        result.step, result.line, result.kind = index, line, kind
        run.sim.transcript.add("step", index=index, step=kind, line=line)
        try:
            await STEPS[kind].run(run, args)
        except ExpectationFailed:
            raise
        except SimulatorError as exc:  # QQ refused, a name is unknown, a fault unsupported
            result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
            return
        except Exception as exc:  # a bug, in qqsim or a step: report it, keep the run going
            log.exception("step %d (%s) crashed", index, kind)
            result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
            return
    result.step = result.line = result.kind = None


def _source(loaded: LoadedScenario) -> str:
    if loaded.path is None:
        return loaded.source
    try:
        return str(loaded.path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(loaded.path)
