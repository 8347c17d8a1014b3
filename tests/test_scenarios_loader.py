"""Scenario files: what is accepted, and how a bad file is reported (with its lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenarios.engine import scenario_clock, world_spec
from simulator.scenarios.loader import ScenarioFileError, load_file, load_text
from simulator.scenarios.model import step_kind


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioFileError) as caught:
        load_text(text, "s.yaml")
    return str(caught.value).splitlines()


def test_a_valid_file_with_defaults() -> None:
    loaded = load_text("steps:\n  - say: {from: 20003, group: 100100, text: hi}\n"
                       "  - advance: 1h30m\n  - clear_faults\n", "x.yaml")
    scenario = loaded.scenario
    assert (scenario.world, scenario.profile, scenario.clock, scenario.timeout) == (
        "default", "napcat", "manual", 5.0)
    assert loaded.name == "scenario" and loaded.step_lines == [2, 3, 4]
    kinds = [step_kind(s) for s in loaded.steps]
    assert kinds[0][0] == "say" and kinds[0][1].sender == 20003
    assert kinds[1] == ("advance", 5400.0)
    assert kinds[2] == ("clear_faults", None)


def test_errors_name_the_line_column_and_path() -> None:
    text = """name: bad
steps:
  - say:
      group: 100100
      text: ping
      colour: red
  - sya: {from: 1}
"""
    assert problems(text) == [
        "s.yaml:7:5: steps[1]: unknown step 'sya' (did you mean 'say'?)",
    ]
    text = text.replace("sya", "advance").replace("{from: 1}", "10 minutes")
    assert problems(text) == [
        "s.yaml:3:5: steps[0].say.from: 'from' is required",
        "s.yaml:6:7: steps[0].say.colour: unknown key 'colour'",
        "s.yaml:7:5: steps[1].advance: not a duration: '10 minutes' "
        "(write e.g. 30s, 10m, 1h30m, 2d, 500ms)",
    ]


def test_yaml_syntax_duplicate_keys_and_shapes() -> None:
    assert problems("steps: [ {say: }")[0].startswith("s.yaml:1:")
    assert problems("name: a\nname: b\nsteps: [advance: 1s]\n") == [
        "s.yaml:2:1: name: this key appears twice in the same mapping"]
    assert problems("- 1\n- 2\n") == [
        "s.yaml:1:1: a scenario is a mapping (name:, world:, steps: ...)"]
    assert problems("name: x\n") == ["s.yaml:1:1: steps: give the steps as a list (- say: ...)"]
    assert problems("steps:\n  - {say: {}, advance: 1s}\n  - say\n") == [
        "s.yaml:2:5: steps[0]: a step is one `kind: arguments` pair (or a bare kind)",
        "s.yaml:3:5: steps[1]: step 'say' needs arguments (say: ...)",
    ]


def test_step_level_rules_are_reported_at_the_step() -> None:
    found = problems("steps:\n  - say: {from: 1, group: 2, to: 3, text: x}\n"
                     "  - expect_state: {muted: {group: 1, user: 2}, member: {group: 1, "
                     "user: 2}}\n  - fault: {kind: delay}\n")
    assert found == [
        "s.yaml:2:5: steps[0].say: give exactly one of group or to",
        "s.yaml:3:5: steps[1].expect_state: give exactly one condition (got ['muted', "
        "'member'])",
        "s.yaml:4:5: steps[2].fault: delay: give seconds (more than 0)",
    ]
    assert problems("steps: [fault: {kind: explode}]")[0].startswith(
        "s.yaml:1:17: steps[0].fault.kind: Input should be 'fail', 'delay',")


def test_worlds_by_name_path_generator_and_inline(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(
        "accounts: [{user_id: 1, nickname: b, bot: true}, {user_id: 2, nickname: p}]\n",
        encoding="utf-8")
    (tmp_path / "s.yaml").write_text("world: mini.yaml\nsteps: [advance: 1s]\n",
                                     encoding="utf-8")
    assert [a.user_id for a in world_spec(load_file(tmp_path / "s.yaml")).accounts] == [1, 2]
    generated = load_text("world: {generate: {seed: 4, people: 3, groups: 1}}\n"
                          "steps: [advance: 1s]\n")
    spec = world_spec(generated)
    assert spec.name == "generated-4" and len(spec.accounts) == 4
    inline = load_text("world: {accounts: [{user_id: 7, nickname: q, bot: true}]}\n"
                       "steps: [advance: 1s]\n")
    assert world_spec(inline).accounts[0].user_id == 7
    assert problems("world: {accounts: [{user_id: 7}]}\nsteps: [advance: 1s]\n") == [
        "s.yaml:1:20: world.accounts[0].nickname: 'nickname' is required"]


def test_manual_clocks_never_run_backwards_between_scenarios() -> None:
    loaded = load_text("steps: [advance: 1s]\n")
    first = scenario_clock(loaded)
    first.advance(86400)  # type: ignore[attr-defined]
    second = scenario_clock(loaded, first)
    assert second.now() == first.now() + 1
    assert load_text("clock: real\nsteps: [advance: 1s]\n").scenario.clock == "real"
