"""Every shipped scenario validates and passes against the reference bot, over a real socket.

Each scenario gets a fresh simulator and a fresh reference bot (tests/bots/reference_bot.py)
connected over forward WebSocket; together the files use every step kind there is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.scenarios.engine import ScenarioResult, run_scenario
from simulator.scenarios.loader import LoadedScenario, load_file
from simulator.scenarios.model import step_kind
from simulator.scenarios.schema import SCHEMA_PATH, schema_text
from simulator.scenarios.steps import STEPS

sys.path.insert(0, str(Path(__file__).parent / "bots"))
from reference_bot import run_bot

LIBRARY = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(LIBRARY.rglob("*.yaml"))


def config() -> SimulatorConfig:
    return SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                           control_port=None)


async def run_with_reference_bot(loaded: LoadedScenario) -> ScenarioResult:
    async with open_simulator(config()) as sim, trio.open_nursery() as nursery:
        ws = next(e for e in sim.endpoints if e.kind == "ws")
        nursery.start_soon(run_bot, ws.url + "/")
        with trio.fail_after(10):
            await sim.wait_connected(10001)
        with trio.fail_after(60):
            result = await run_scenario(sim, loaded)
        nursery.cancel_scope.cancel()
    return result


def test_the_library_is_there() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(LIBRARY)) for p in FILES])
@pytest.mark.trio
async def test_shipped_scenario_passes_against_the_reference_bot(path: Path) -> None:
    result = await run_with_reference_bot(load_file(path))
    assert result.status == "passed", result.message
    kinds = [e["kind"] for e in result.entries]
    assert kinds[0] == "scenario" and kinds[-1] == "result"
    steps = [e for e in result.entries if e["kind"] == "step"]
    assert len(steps) == len(load_file(path).steps)


def test_the_library_uses_every_step_kind() -> None:
    used = {step_kind(s)[0] for path in FILES for s in load_file(path).steps}
    assert set(STEPS) - used == set()


def test_the_library_uses_every_fault_a_websocket_bot_can_meet() -> None:
    kinds = set()
    for path in FILES:
        for step in load_file(path).steps:
            name, args = step_kind(step)
            if name == "fault":
                kinds.add(str(args.kind))
    everything = {str(k) for k in STEPS["fault"].args.model_fields["kind"].annotation}
    assert everything - kinds == {"webhook_timeout", "webhook_error"}


def test_the_published_schema_is_fresh() -> None:
    # Regenerate with: python -m simulator.scenarios.schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_every_shipped_scenario_names_the_schema_and_its_steps_are_in_it() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    in_schema = {name.removeprefix("Step_") for name in schema["$defs"]
                 if name.startswith("Step_")}
    assert in_schema == set(STEPS)
    for path in FILES:
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../schema.json"), path
