"""Reading scenario files: YAML in, a validated ``Scenario`` out, or errors with line numbers.

PyYAML composes the document into nodes, which keep their line and column;
pydantic validates the data; each validation error's location is walked
back through the nodes to the line that holds the offending key. Unknown
step kinds and duplicate keys are caught first, with a "did you mean".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from ..storable import NotUtf8, decode_utf8, dotted, find_unstorable
from .model import ScenarioBase, scenario_model


class ScenarioError(ConfigError):
    """A scenario file is invalid, or a step cannot run as written."""


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: int | None
    where: str
    message: str

    def render(self, source: str) -> str:
        place = f"{source}:{self.line}:{self.column}" if self.line else source
        return f"{place}: {self.where + ': ' if self.where else ''}{self.message}"


class ScenarioFileError(ScenarioError):
    """What is wrong with a scenario file; ``str()`` lists each problem with its line."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario, where it came from, and the line of each step."""

    scenario: ScenarioBase
    source: str
    path: Path | None
    step_lines: list[int | None]

    @property
    def name(self) -> str:
        if self.scenario.name:
            return self.scenario.name
        return self.path.stem if self.path else "scenario"

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def steps(self) -> list[Any]:
        return list(getattr(self.scenario, "steps"))  # noqa: B009  (added by create_model)


@dataclass
class _Node:
    line: int
    column: int
    children: dict[Any, _Node] = field(default_factory=dict)


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
        raise ScenarioFileError(source, _validation_problems(exc, tree)) from None
    steps = tree.children.get("steps")
    lines = [steps.children[i].line if steps and i in steps.children else None
             for i in range(len(data["steps"]))]
    return LoadedScenario(scenario, source, path, lines)


def _parse(text: str, source: str) -> tuple[Any, _Node]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioFileError(source, [Problem(None, None, "", "the file is empty")])
        problems: list[Problem] = []
        tree = _index(node, problems)
        if problems:
            raise ScenarioFileError(source, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ScenarioFileError(source, [Problem(line, column, "", f"not valid YAML: "
                                                 f"{exc.problem or exc}")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioFileError(source, [Problem(1, 1, "", "a scenario is a mapping "
                                                 "(name:, world:, steps: ...)")])
    return data, tree


def _index(node: yaml.Node, problems: list[Problem]) -> _Node:
    """Lines and columns of every key and item, found by the same path as the data."""
    here = _Node(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = _index(value_node, problems)
            child.line, child.column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in here.children:
                problems.append(Problem(child.line, child.column, str(key),
                                        "this key appears twice in the same mapping"))
            here.children[key] = child
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here.children[index] = _index(item, problems)
    return here


def _unstorable_problems(data: dict[str, Any], tree: _Node) -> list[Problem]:
    """A string the world could not store (YAML's ``"\\ud800"`` escape makes a lone
    surrogate): refused at load, or the run would fail when the step writes it."""
    found = find_unstorable(data)
    if found is None:
        return []
    node = tree
    for part in found.path:
        node = node.children.get(part, node)
    return [Problem(node.line, node.column, dotted(found.place), found.problem)]


def _shape_problems(data: dict[str, Any], tree: _Node) -> list[Problem]:
    """Steps that are not a known kind: caught before validation, for a clearer message."""
    from .steps import STEPS

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


def _validation_problems(error: ValidationError, tree: _Node) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for item in error.errors():
        node, path = _locate(tree, item["loc"])
        message = _message(item)
        if (node.line, path + message) in seen:
            continue  # a union reports the same mistake once per member
        seen.add((node.line, path + message))
        problems.append(Problem(node.line, node.column, path, message))
    return problems


def _locate(tree: _Node, loc: tuple[Any, ...]) -> tuple[_Node, str]:
    """The deepest node on ``loc`` (union tags and type names are skipped), and a path."""
    node, shown = tree, []
    for index, part in enumerate(loc):
        child = node.children.get(part)
        if child is not None:
            node = child
            shown.append(f"[{part}]" if isinstance(part, int) else f".{part}")
        elif index == len(loc) - 1 and isinstance(part, str) and "[" not in part \
                and (not shown or shown[-1] != f".{part}"):
            shown.append(f".{part}")  # a missing or unknown key
    return node, "".join(shown).lstrip(".")


def _message(item: Any) -> str:
    kind, loc = item["type"], item["loc"]
    last = loc[-1] if loc else ""
    if kind == "missing":
        return f"{last!r} is required"
    if kind == "extra_forbidden":
        return f"unknown key {last!r}"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")
