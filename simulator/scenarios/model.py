"""The scenario file format, as pydantic models; the JSON Schema comes from them.

A scenario names its world (a seed file name or path, a generated world, or
an inline ``WorldSpec``), its profile, the bot under test, and its steps.
Each step is a one-key mapping (``- say: {...}``), or a bare word for a step
that takes nothing (``- clear_faults``). The step kinds and their arguments
come from the registry in ``steps/``, so the schema always lists exactly the
kinds the engine runs. Regenerate ``scenarios/schema.json`` with
``python -m simulator.scenarios.model``; a test checks it is fresh.
"""

from __future__ import annotations

import json
from functools import cache
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
    create_model,
)

from ..clock import parse_duration
from ..world import WorldSpec

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "schema.json"
SCHEMA_ID = "https://qqsim.invalid/scenario.schema.json"


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


def _step_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return None


@cache
def scenario_model() -> type[ScenarioBase]:
    """``Scenario``: ``ScenarioBase`` plus ``steps``, a union over every registered kind."""
    from .steps import STEPS

    members: list[Any] = []
    for kind in STEPS.values():
        wrapper = create_model(
            f"Step_{kind.name}", __config__=ConfigDict(extra="forbid"),
            __doc__=kind.summary, **{kind.name: (kind.args, ...)},  # type: ignore[call-overload]
        )
        member: Any = wrapper
        if kind.bare:
            member = Union[Literal[kind.name], wrapper]  # noqa: UP007
        members.append(Annotated[member, Tag(kind.name)])
    step_type = Annotated[Union[tuple(members)], Discriminator(_step_tag)]  # type: ignore[valid-type]  # noqa: UP007
    model: type[ScenarioBase] = create_model(
        "Scenario", __base__=ScenarioBase,
        steps=(list[step_type], Field(min_length=1)),  # type: ignore[valid-type]
    )
    return model


def step_kind(step: Any) -> tuple[str, Any]:
    """The kind and the arguments of a validated step."""
    if isinstance(step, str):
        return step, None
    name = next(iter(type(step).model_fields))
    return name, getattr(step, name)


def json_schema() -> dict[str, Any]:
    schema = scenario_model().model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "qqsim scenario",
        "description": "A qqsim scenario: a world, a bot under test, and steps that inject "
                       "events and faults, move time, and check what the bot did.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
