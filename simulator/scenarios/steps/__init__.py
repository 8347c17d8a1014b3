"""The step registry: each kind of scenario step, declared once with ``@step``.

A step is an async function ``run(ctx, args)`` registered under the key a
scenario file uses (``- say: {...}``); ``args`` is validated against the
registered type before the step runs, and the same type feeds the JSON
Schema. Adding a kind touches one module: people.py (what simulated people
do), control.py (time, faults, connections), checks.py (expectations).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import ScenarioRun

StepRunner = Callable[["ScenarioRun", Any], Awaitable[None]]


@dataclass(frozen=True)
class StepKind:
    name: str
    #: The type of the step's value in the file (a pydantic model or a plain type).
    args: Any
    run: StepRunner
    #: First docstring line: the schema's description and the README's step list.
    summary: str
    #: Whether the bare word (``- clear_faults``) is a valid step.
    bare: bool = False


STEPS: dict[str, StepKind] = {}


def step(name: str, args: Any, *, bare: bool = False) -> Callable[[StepRunner], StepRunner]:
    """Register the decorated coroutine function as step kind ``name``."""

    def register(run: StepRunner) -> StepRunner:
        if name in STEPS:
            raise ValueError(f"step kind {name!r} registered twice")
        summary = (run.__doc__ or "").strip().splitlines()[0] if run.__doc__ else name
        STEPS[name] = StepKind(name, args, run, summary, bare)
        return run

    return register


def _register_all() -> None:
    import importlib

    for module in ("people", "control", "checks", "snapshots"):  # importing one registers its kinds
        importlib.import_module(f"{__name__}.{module}")


_register_all()
