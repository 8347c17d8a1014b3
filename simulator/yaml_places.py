"""YAML files with places: every problem as ``file:line:column: where: what``.

Shared by scenario files and seed files. PyYAML composes the document into
nodes, which keep their line and column; pydantic validates the data; each
validation error's location is walked back through the nodes to the line
that holds the offending key. Duplicate keys are caught while indexing, and an
unknown key gets a "did you mean" from the keys the format knows. Imports
nothing from the rest of the package but ``errors``, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: int | None
    where: str
    message: str

    def render(self, source: str) -> str:
        place = f"{source}:{self.line}:{self.column}" if self.line else source
        return f"{place}: {self.where + ': ' if self.where else ''}{self.message}"


class FileProblems(ConfigError):
    """What is wrong with a file; ``str()`` lists each problem on a line of its own."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


@dataclass
class Node:
    """Where a value is in the file, and where its keys or items are."""

    line: int
    column: int
    children: dict[Any, Node] = field(default_factory=dict)

    def at(self, path: Iterable[Any]) -> Node:
        """The deepest node along ``path`` (as far as the file goes)."""
        node = self
        for part in path:
            child = node.children.get(part)
            if child is None:
                break
            node = child
        return node


def parse(text: str, source: str, error: type[FileProblems] = FileProblems
          ) -> tuple[Any, Node]:
    """The document and its places; a YAML mistake or a repeated key raises ``error``."""
    # The pure-Python loader: libyaml's is ~10x faster but refuses a "\ud800" escape
    # outright, where qqsim names the field that holds it (``storable``).
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise error(source, [Problem(None, None, "", "the file is empty")])
        problems: list[Problem] = []
        tree = index(node, problems)
        if problems:
            raise error(source, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise error(source, [Problem(line, column, "", f"not valid YAML: "
                                     f"{exc.problem or exc}")]) from None
    finally:
        loader.dispose()
    return data, tree


def index(node: yaml.Node, problems: list[Problem]) -> Node:
    """Lines and columns of every key and item, found by the same path as the data."""
    here = Node(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = index(value_node, problems)
            child.line, child.column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in here.children:
                problems.append(Problem(child.line, child.column, str(key),
                                        "this key appears twice in the same mapping"))
            here.children[key] = child
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            here.children[position] = index(item, problems)
    return here


def known_keys(model: type[BaseModel]) -> frozenset[str]:
    """Every key a document of ``model`` may hold anywhere (for "did you mean")."""
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            properties = value.get("properties")
            if isinstance(properties, dict):
                keys.update(properties)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(model.model_json_schema(by_alias=True))
    return frozenset(keys)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    import difflib  # only a mistake needs it: not held by every server (issue 10)

    close = difflib.get_close_matches(word, [k for k in known if k != word], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validation_problems(error: ValidationError, tree: Node,
                        known: Iterable[str] = ()) -> list[Problem]:
    """One problem per mistake pydantic found, at its place in the file. A model
    validator may name the place itself: ``ctx["path"]``, from where it ran."""
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for item in error.errors():
        loc = tuple(item["loc"]) + tuple((item.get("ctx") or {}).get("path", ()))
        node, path = locate(tree, loc)
        message = _message(item, loc, known)
        if (node.line, path + message) in seen:
            continue  # a union reports the same mistake once per member
        seen.add((node.line, path + message))
        problems.append(Problem(node.line, node.column, path, message))
    return problems


def locate(tree: Node, loc: tuple[Any, ...]) -> tuple[Node, str]:
    """The deepest node on ``loc`` (union tags and type names are skipped), and a path."""
    node, shown = tree, []
    for position, part in enumerate(loc):
        child = node.children.get(part)
        if child is not None:
            node = child
            shown.append(f"[{part}]" if isinstance(part, int) else f".{part}")
        elif position == len(loc) - 1 and isinstance(part, str) and "[" not in part \
                and (not shown or shown[-1] != f".{part}"):
            shown.append(f".{part}")  # a missing or unknown key
    return node, "".join(shown).lstrip(".")


def _message(item: Any, loc: tuple[Any, ...], known: Iterable[str]) -> str:
    kind = item["type"]
    last = loc[-1] if loc else ""
    if kind == "missing":
        return f"{last!r} is required"
    if kind == "extra_forbidden":
        return f"unknown key {last!r}{did_you_mean(str(last), known)}"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")
