"""The whole scenario model and its JSON Schema: the file format's base (``model.py``)
joined with every registered step kind (``steps/``).

Regenerate ``scenarios/schema.json`` with ``python -m simulator.scenarios.schema``; a test
checks it is fresh.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, Tag, create_model

from .model import ScenarioBase
from .steps import STEPS

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "schema.json"
SCHEMA_ID = "https://qqsim.invalid/scenario.schema.json"


def _step_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return None


@cache
def scenario_model() -> type[ScenarioBase]:
    """``Scenario``: ``ScenarioBase`` plus ``steps``, a union over every registered kind."""
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
