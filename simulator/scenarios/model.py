"""The scenario file format, as pydantic models; the JSON Schema comes from them.

A scenario names its world (a seed file name or path, a generated world, or
an inline ``WorldSpec``), its profile, the bot under test, and its steps.
Each step is a one-key mapping (``- say: {...}``), or a bare word for a step
that takes nothing (``- clear_faults``). The step kinds and their arguments
come from the registry in ``steps/``; ``schema.py`` joins them to this base, so the
schema always lists exactly the kinds the engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)

from ..clock import parse_duration
from ..errors import ConfigError
from ..world import WorldSpec
from ..yaml_places import FileProblems


class Args(BaseModel):
    """Base of every step's arguments: unknown keys are errors, aliases such as ``from``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _duration(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_duration(value)
    return value


#: Seconds, written as a number or as text: ``30s``, ``10m``, ``1h30m``, ``2d``, ``500ms``.
Duration = Annotated[
    float,
    BeforeValidator(_duration),
    WithJsonSchema({
        "anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d)\s*)+$"},
        ],
        "description": "seconds, or a duration such as 30s, 10m, 1h30m, 2d, 500ms",
    }),
]


class Segment(Args):
    """One OneBot message segment."""

    model_config = ConfigDict(extra="forbid")
    type: str
    data: dict[str, Any] = Field(default_factory=dict)


#: A message as a CQ-code string, one segment, or a list of segments.
MessageBody = str | Segment | list[Segment]
#: A message named earlier with ``as:`` (or a message id).
MessageRef = int | str


class SeedWorld(Args):
    seed: str = Field(description="a seed name in seed_data/, or a .yaml path (relative to "
                                  "the scenario file)")


class GenerateArgs(Args):
    seed: int
    people: int = 50
    groups: int = 5
    bots: int = 1
    group_size: int = 20
    locale: str = "zh_CN"


class GeneratedWorld(Args):
    generate: GenerateArgs


def _world_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict):
        if "seed" in value:
            return "seed"
        return "generate" if "generate" in value else "inline"
    return None


WorldChoice = Annotated[
    Union[  # noqa: UP007  (Tag needs each member annotated separately)
        Annotated[str, Tag("name")],
        Annotated[SeedWorld, Tag("seed")],
        Annotated[GeneratedWorld, Tag("generate")],
        Annotated[WorldSpec, Tag("inline")],
    ],
    Discriminator(_world_tag),
]


class ScenarioBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="defaults to the file name")
    description: str = ""
    world: WorldChoice = Field("default", description="a seed name or path, {seed: ...}, "
                               "{generate: {seed: N, ...}}, or an inline world")
    profile: Literal["napcat", "gocq"] = "napcat"
    bot: int | None = Field(None, description="the bot under test (default: the world's "
                                              "first bot account)")
    clock: Literal["manual", "real"] = Field(
        "manual", description="manual: world time moves only with advance steps "
        "(reproducible); real: it also follows the machine's clock")
    timeout: Duration = Field(5.0, description="how long expectations wait by default "
                                               "(real time)")
    tags: list[str] = Field(default_factory=list)


def step_kind(step: Any) -> tuple[str, Any]:
    """The kind and the arguments of a validated step."""
    if isinstance(step, str):
        return step, None
    name = next(iter(type(step).model_fields))
    return name, getattr(step, name)


class ScenarioError(ConfigError):
    """A scenario file is invalid, or a step cannot run as written."""


class ScenarioFileError(FileProblems, ScenarioError):
    """What is wrong with a scenario file; ``str()`` lists each problem with its line."""


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
