"""Reading scenario files: YAML in, a validated ``Scenario`` out, or errors with line numbers.

PyYAML composes the document into nodes, which keep their line and column;
pydantic validates the data; each validation error's location is walked
back through the nodes to the line that holds the offending key. Unknown
step kinds and duplicate keys are caught first, with a "did you mean".
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..storable import NotUtf8, decode_utf8, dotted, find_unstorable
from ..yaml_places import Node, Problem, known_keys, parse, validation_problems
from .model import LoadedScenario, ScenarioError, ScenarioFileError
from .schema import scenario_model
from .steps import STEPS

__all__ = ["LoadedScenario", "Problem", "ScenarioError", "ScenarioFileError", "load_file",
           "load_text"]


def load_file(path: str | Path) -> LoadedScenario:
    path = Path(path)
    try:
        text = decode_utf8(path.read_bytes())
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc}") from exc
    except NotUtf8 as exc:
        raise ScenarioFileError(str(path), [Problem(exc.line, exc.column, "", str(exc))]) from None
    return load_text(text, str(path), path=path)


def load_text(text: str, source: str = "<scenario>", *, path: Path | None = None
              ) -> LoadedScenario:
    data, tree = _parse(text, source)
    problems = _unstorable_problems(data, tree) or _shape_problems(data, tree)
    if problems:
        raise ScenarioFileError(source, problems)
    try:
        scenario = scenario_model().model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, tree, _known())
        raise ScenarioFileError(source, [_renamed(p) for p in problems]) from None
    steps = tree.children.get("steps")
    lines = [steps.children[i].line if steps and i in steps.children else None
             for i in range(len(data["steps"]))]
    return LoadedScenario(scenario, source, path, lines)


def _parse(text: str, source: str) -> tuple[Any, Node]:
    data, tree = parse(text, source, ScenarioFileError)
    if not isinstance(data, dict):
        raise ScenarioFileError(source, [Problem(1, 1, "", "a scenario is a mapping "
                                                 "(name:, world:, steps: ...)")])
    return data, tree


#: Keys that were renamed: (step, old key) -> the key now.
RENAMED = {("expect_never", "for"): "within"}


def _renamed(problem: Problem) -> Problem:
    """An unknown key that a step used to take says what it is called now."""
    parts = problem.where.split(".")
    if len(parts) < 2 or not problem.message.startswith("unknown key"):
        return problem
    new = RENAMED.get((parts[-2], parts[-1]))
    if new is None:
        return problem
    return Problem(problem.line, problem.column, problem.where,
                   f"unknown key {parts[-1]!r} (the window of every expect step is {new!r})")


@cache
def _known() -> frozenset[str]:
    return known_keys(scenario_model())


def _unstorable_problems(data: dict[str, Any], tree: Node) -> list[Problem]:
    """A string the world could not store (YAML's ``"\\ud800"`` escape makes a lone
    surrogate): refused at load, or the run would fail when the step writes it."""
    found = find_unstorable(data)
    if found is None:
        return []
    node = tree
    for part in found.path:
        node = node.children.get(part, node)
    return [Problem(node.line, node.column, dotted(found.place), found.problem)]


def _shape_problems(data: dict[str, Any], tree: Node) -> list[Problem]:
    """Steps that are not a known kind: caught before validation, for a clearer message."""
    steps = data.get("steps")
    steps_node = tree.children.get("steps", tree)
    if not isinstance(steps, list):
        where = steps_node if "steps" in tree.children else tree
        return [Problem(where.line, where.column, "steps",
                        "give the steps as a list (- say: ...)")]
    problems = []
    for index, item in enumerate(steps):
        node = steps_node.children.get(index, steps_node)
        name = item if isinstance(item, str) else (
            next(iter(item)) if isinstance(item, dict) and len(item) == 1 else None)
        if name is None:
            problems.append(Problem(node.line, node.column, f"steps[{index}]",
                                    "a step is one `kind: arguments` pair (or a bare kind)"))
        elif name not in STEPS:
            close = difflib.get_close_matches(str(name), list(STEPS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(node.line, node.column, f"steps[{index}]",
                                    f"unknown step {name!r}{hint}"))
        elif isinstance(item, str) and not STEPS[name].bare:
            problems.append(Problem(node.line, node.column, f"steps[{index}]",
                                    f"step {name!r} needs arguments ({name}: ...)"))
    return problems
