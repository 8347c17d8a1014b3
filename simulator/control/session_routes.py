"""Routes for the simulation itself: scenarios, faults and the world's clock.

    GET    /api/clock                      {"now": world time}
    POST   /api/clock/advance              {"seconds"}: move the world's clock forward
    GET    /api/faults                     armed faults, and the kinds there are
    POST   /api/faults                     {"kind", ...selector and parameters}: arm one
    DELETE /api/faults/<id>                disarm one;  DELETE /api/faults: disarm all
    GET    /api/scenarios                  scenario files under ./scenarios, and the runs
    POST   /api/scenarios/run              {"path"} (under ./scenarios) or {"text", "name"}
    GET    /api/scenarios/runs/<id>        a run: status, steps played, result

A scenario runs in the background on this simulator (``scenarios.engine``): it
resets the world to the scenario's own, so one runs at a time (409 otherwise);
the console watches it through the live stream and the run's transcript.
Scenario files are read only from the ``scenarios`` directory of the current
working directory, or sent as text: a request never names a path elsewhere. A
seed file named by a scenario's ``world:`` is read only from the directories
qqsim serves (``served.py``), and errors name files as the request did.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio
from quart import Response
from quart_trio import QuartTrio

from ..errors import ConfigError
from ..faults import LEVEL, Fault, FaultKind, FaultNotSupported
from ..scenarios.engine import ScenarioResult, run_scenario
from ..scenarios.loader import (
    LoadedScenario,
    ScenarioError,
    ScenarioFileError,
    load_file,
    load_text,
)
from .common import MalformedRequest, Unavailable, integer, json_object, reply, text
from .served import confine_world, served_roots

if TYPE_CHECKING:
    from ..simulation import Simulator

# Fields of ``Fault`` a request may set (``id`` is the plan's to give).
FAULT_FIELDS = frozenset({"kind", "action", "bot", "connection", "times", "probability", "seed",
                          "start", "end", "retcode", "message", "seconds", "limit", "per",
                          "status", "label"})


class Busy(Exception):
    """Something is already running (answered as 409)."""


def fault_json(fault: Fault) -> dict[str, Any]:
    return {**asdict(fault), "level": str(fault.level), "describe": fault.describe()}


def make_fault(sim: Simulator, body: dict[str, Any]) -> Fault:
    unknown = sorted(set(body) - FAULT_FIELDS - {"for_seconds"})
    if unknown:
        raise MalformedRequest(f"unknown fault fields: {', '.join(unknown)}")
    fields = {key: value for key, value in body.items() if key in FAULT_FIELDS}
    if "for_seconds" in body:  # a window from now on the world clock
        now = sim.world.clock.now()
        fields["start"], fields["end"] = now, now + integer(body, "for_seconds")
    try:
        return Fault(**fields)
    except (TypeError, ValueError) as exc:
        raise MalformedRequest(str(exc)) from None


@dataclass
class Run:
    """One scenario run started from the console."""

    id: int
    name: str
    source: str
    started: float
    status: str = "running"  # then the result's: passed, failed or error
    result: ScenarioResult | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, sim: Simulator) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "name": self.name, "source": self.source,
                                "status": self.status}
        if self.result is None:
            entries = [e for e in sim.transcript.entries if e.get("kind") == "step"]
            body["steps"] = entries
            body["seconds"] = time.perf_counter() - self.started
        else:
            body["steps"] = self.steps
            body["seconds"] = self.result.seconds
            body["message"] = self.result.message
            body["headline"] = self.result.headline()
            body["failed_step"] = self.result.step
            body["line"] = self.result.line
        return body


class Runs:
    """Scenario runs: at most one at a time, each in this service's nursery."""

    def __init__(self, sim: Simulator, directory: Path | None = None) -> None:
        self.sim = sim
        self.directory = (directory or Path.cwd() / "scenarios").resolve()
        self.runs: list[Run] = []
        self._ids = itertools.count(1)
        self._nursery: trio.Nursery | None = None

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
                    ) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            await trio.sleep_forever()

    def files(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        found = [*self.directory.rglob("*.yaml"), *self.directory.rglob("*.yml")]
        return sorted(str(path.relative_to(self.directory)) for path in found)

    def load(self, body: dict[str, Any]) -> LoadedScenario:
        if "text" in body:
            loaded = load_text(text(body, "text"), text(body, "name", "uploaded.yaml"))
        else:
            loaded = self._listed(text(body, "path"))
        return confine_world(loaded, served_roots(self.directory, self.sim.storage.root))

    def _listed(self, wanted: str) -> LoadedScenario:
        """A file of the scenario directory, its errors naming it relative to there."""
        if wanted not in self.files():
            raise MalformedRequest("no scenario file by that name in the scenario directory "
                                   "(GET /api/scenarios lists them)")
        try:
            loaded = load_file(self.directory / wanted)
        except ScenarioFileError as exc:
            raise ScenarioFileError(wanted, exc.problems) from None
        except ScenarioError:
            raise MalformedRequest(f"scenario {wanted!r} cannot be read") from None
        return replace(loaded, source=wanted)

    def start(self, loaded: LoadedScenario) -> Run:
        if self._nursery is None:
            raise Unavailable("scenario runs need the control server running")
        if any(run.status == "running" for run in self.runs):
            raise Busy("a scenario is already running; wait for it to finish")
        run = Run(next(self._ids), loaded.name, loaded.source, time.perf_counter())
        self.runs.append(run)
        self._nursery.start_soon(self._play, run, loaded)
        return run

    async def _play(self, run: Run, loaded: LoadedScenario) -> None:
        result = await run_scenario(self.sim, loaded)
        # Runs are listed for the server's life: keep their steps, not a copy of the
        # whole transcript each (the simulator's transcript is the bounded record).
        run.steps = [e for e in result.entries if e.get("kind") == "step"]
        result.entries = []
        run.result, run.status = result, result.status

    def get(self, run_id: int) -> Run:
        found = next((run for run in self.runs if run.id == run_id), None)
        if found is None:
            raise MalformedRequest(f"no run {run_id}")
        return found


def add_routes(app: QuartTrio, sim: Simulator, runs: Runs) -> None:
    @app.errorhandler(Busy)
    async def busy(error: Busy) -> Response:
        return reply({"error": str(error)}, 409)

    @app.errorhandler(ConfigError)  # a bad scenario file (with its line numbers), ...
    async def bad_config(error: ConfigError) -> Response:
        return reply({"error": str(error)}, 400)

    @app.get("/api/clock")
    async def clock() -> Response:
        return reply({"now": sim.world.now()})

    @app.post("/api/clock/advance")
    async def advance() -> Response:
        seconds = integer(await json_object(), "seconds")
        if seconds < 0:
            raise MalformedRequest("the clock only moves forward")
        try:
            sim.advance(seconds)
        except ConfigError as exc:
            raise Unavailable(str(exc)) from None
        return reply({"now": sim.world.now()})

    @app.get("/api/faults")
    async def faults() -> Response:
        return reply({"active": [fault_json(f) for f in sim.faults.active],
                      "kinds": [{"kind": str(k), "level": str(LEVEL[k])} for k in FaultKind]})

    @app.post("/api/faults")
    async def arm() -> Response:
        fault = make_fault(sim, await json_object())
        try:
            armed = sim.faults.add(fault)
        except FaultNotSupported as exc:
            raise MalformedRequest(str(exc)) from None
        return reply(fault_json(armed))

    @app.delete("/api/faults/<int:fault_id>")
    async def disarm(fault_id: int) -> Response:
        found = next((f for f in sim.faults.active if f.id == fault_id), None)
        if found is None:
            return reply({"error": f"no armed fault {fault_id}"}, 404)
        sim.faults.remove(found)
        return reply({"removed": fault_id})

    @app.delete("/api/faults")
    async def disarm_all() -> Response:
        sim.faults.clear()
        return reply({"removed": "all"})

    @app.get("/api/scenarios")
    async def scenarios() -> Response:
        # The directory by its name only: the control API never shows a machine's paths.
        return reply({"directory": runs.directory.name, "files": runs.files(),
                      "runs": [run.to_json(sim) for run in runs.runs]})

    @app.post("/api/scenarios/run")
    async def start() -> Response:
        run = runs.start(runs.load(await json_object()))
        return reply(run.to_json(sim))

    @app.get("/api/scenarios/runs/<int:run_id>")
    async def run_state(run_id: int) -> Response:
        return reply(runs.get(run_id).to_json(sim))
