"""The step registry: ``@step`` declares a kind of scenario step (see ``steps/__init__``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..run import ScenarioRun

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
