"""The files a scenario posted to the control API may name: only those qqsim serves.

A scenario's ``world:`` may name a seed file. Run from the CLI or the pytest
plugin that is any path on the user's own machine; over the network it is
confined to the bundled seeds, the scenario directory and the storage directory
(``--storage``), so a request cannot make qqsim read another YAML file and show
its values in an error. The seed is loaded here, when the run is posted, and
handed to the engine inline: the engine never opens a path for a posted run.
Errors name the file as the scenario did (never an absolute path) and hold no
value read from it.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from ..scenarios.loader import LoadedScenario
from ..scenarios.model import SeedWorld
from ..world import WorldSpec, load_spec
from ..world.seed import BUNDLED_SEEDS, bundled_seeds
from ..yaml_places import FileProblems, Problem
from .common import MalformedRequest

SEED_SUFFIXES = (".yaml", ".yml")
# pydantic error types whose message is a validator's own text, which may quote the file.
_FREE_TEXT = frozenset({"value_error", "assertion_error"})
_SHOWN_PROBLEMS = 3

__all__ = ["confine_world", "served_roots"]


def served_roots(scenario_dir: Path, storage_root: Path) -> list[Path]:
    """The directories a posted scenario may read seed files from, resolved."""
    roots = [scenario_dir, storage_root]
    bundled = resources.files(BUNDLED_SEEDS)
    if isinstance(bundled, Path):  # not when the package is imported from a zip
        roots.insert(0, bundled)
    return [root.resolve() for root in roots]


def confine_world(loaded: LoadedScenario, roots: list[Path]) -> LoadedScenario:
    """``loaded`` with a named seed file replaced by its world, read only from ``roots``."""
    world = loaded.scenario.world
    if isinstance(world, SeedWorld):
        name = world.seed
    elif isinstance(world, str):
        name = world
    else:
        return loaded  # inline or generated: no file to read
    bases = [loaded.path.parent.resolve()] if loaded.path else []
    spec = _served_spec(name, [*bases, *roots], roots)
    return replace(loaded, scenario=loaded.scenario.model_copy(update={"world": spec}))


def _shown(name: str) -> str:
    """``name`` as an error may show it: as the scenario wrote it, unless it climbs out
    (absolute, or with ``..``: a path of the machine), then only the file's name."""
    path = Path(name)
    return path.name if path.is_absolute() or ".." in path.parts else name


def _served_spec(name: str, bases: list[Path], roots: list[Path]) -> WorldSpec:
    if Path(name).suffix not in SEED_SUFFIXES:
        if name in bundled_seeds():  # a bare name is only ever a bundled seed's
            return _load(name, name)
        raise MalformedRequest(f"world {_shown(name)!r}: no such bundled seed "
                               f"(there are: {', '.join(bundled_seeds())})")
    for base in bases:
        candidate = (base / name).resolve()  # follows .. and symlinks before the check
        if any(candidate.is_relative_to(root) for root in roots) and candidate.is_file():
            return _load(str(candidate), _shown(name))
    # One answer whether the file is missing or outside: no probing of the machine.
    raise MalformedRequest(f"world {_shown(name)!r}: not a seed file qqsim serves (a bundled "
                           "seed, or a .yaml file in the scenario directory or --storage)")


def _load(name_or_path: str, shown: str) -> WorldSpec:
    try:
        return load_spec(name_or_path)
    except FileProblems as exc:  # its text holds the absolute path; each place is kept
        raise MalformedRequest(f"world {shown!r}: {_places(exc.problems)}") from None
    except ConfigError as exc:  # its text holds the absolute path and the values read
        raise MalformedRequest(f"world {shown!r}: {_reason(exc.__cause__)}") from None
    except OSError:
        raise MalformedRequest(f"world {shown!r}: the file cannot be read") from None


def _places(problems: list[Problem]) -> str:
    """Where a seed file is invalid (line and field), without what the file says there."""
    shown = [f"line {p.line}: {p.where}" if p.line else p.where or "the file"
             for p in problems[:_SHOWN_PROBLEMS]]
    more = len(problems) - _SHOWN_PROBLEMS
    return "not a valid seed file: " + "; ".join(shown) + (f"; and {more} more" if more > 0
                                                           else "")


def _reason(cause: BaseException | None) -> str:
    """Why a seed file is invalid, by place and kind only: no value from the file."""
    if isinstance(cause, ValidationError):
        problems = [_problem(item) for item in
                    cause.errors(include_url=False, include_input=False, include_context=False)]
        more = len(problems) - _SHOWN_PROBLEMS
        shown = "; ".join(problems[:_SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        return f"not a valid seed file: {shown}"
    if isinstance(cause, yaml.MarkedYAMLError) and cause.problem_mark is not None:
        return f"not valid YAML (line {cause.problem_mark.line + 1})"
    return "not a valid seed file"


def _problem(item: Any) -> str:
    where = ".".join(str(part) for part in item["loc"]) or "the file"
    what = "invalid value" if item["type"] in _FREE_TEXT else item["msg"]
    return f"{where}: {what}"
