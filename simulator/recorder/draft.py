"""A recorded scenario before it is saved: steps that can still be edited, and references.

Ids that change from one run to the next (message ids, request flags, file
ids, fault ids) are never written as numbers. A step that *makes* such a thing
(a person's message, the bot's reply, a request, an upload, a fault) is
remembered by what it made; a later step that uses it holds a ``Ref``. On
saving, every step that is referred to gets ``as: stepN`` (N: its place in the
file) and each ``Ref`` becomes that name: ``reply_to: step3`` is "the message
step 3 produced", ``params: {message_id: $step5}`` "the id of the bot's reply
matched at step 5". A thing made before recording began stays a literal id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

#: How an expectation matches the bot's message text (the scenario keys of the same name).
TextMode = Literal["text", "contains", "regex"]
TEXT_MODES: tuple[TextMode, ...] = ("text", "contains", "regex")


@dataclass(frozen=True)
class Ref:
    """Something a recorded step made: ``kind`` (message, request, file, fault) and its id.

    ``dollar``: written ``$name`` (inside ``params``, where the engine substitutes the
    id) instead of the bare name (``reply_to:``, ``message:``, ``clear_faults:``).
    """

    kind: str
    key: Any
    dollar: bool = False


@dataclass
class DraftStep:
    """One step: its kind and arguments (which may hold ``Ref``), and what it made."""

    id: int
    kind: str
    args: Any
    #: ``(kind, key)`` of things this step made, for later steps to refer to.
    makes: list[tuple[str, Any]] = field(default_factory=list)
    #: For expectations of the bot's messages: how the text is matched, and the text.
    text_mode: TextMode | None = None
    text: str | None = None
    #: For the console: a one-line summary.
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "summary": self.summary,
                "text_mode": self.text_mode, "text": self.text,
                "args": _shown(self.args)}


def edit_text(step: DraftStep, mode: str | None, text: str | None) -> None:
    """Change how an expectation matches the text; ``ValueError`` if it cannot."""
    if step.text_mode is None:
        raise ValueError(f"step {step.id} ({step.kind}) does not match a message text")
    if mode is not None:
        if mode not in TEXT_MODES:
            raise ValueError(f"text_mode must be one of {', '.join(TEXT_MODES)}")
        if mode == "regex" and step.text_mode != "regex" and text is None:
            text = re.escape(step.text or "")
        step.text_mode = mode  # narrowed to TextMode by the check above
    if text is not None:
        if step.text_mode == "regex":
            try:
                re.compile(text)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        step.text = text


def render(steps: list[DraftStep], header: dict[str, Any]) -> dict[str, Any]:
    """The scenario as data: the header, then the steps with names for every reference."""
    makers: dict[tuple[str, Any], int] = {}
    for position, step in enumerate(steps, start=1):
        for made in step.makes:
            makers.setdefault(made, position)
    used: set[int] = set()

    def resolve(value: Any) -> Any:
        if isinstance(value, Ref):
            position = makers.get((value.kind, value.key))
            if position is None:
                return value.key  # made before recording began
            used.add(position)
            return f"${_name(position)}" if value.dollar else _name(position)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    bodies = [resolve(_with_text(step)) for step in steps]
    rendered: list[Any] = []
    for position, (step, body) in enumerate(zip(steps, bodies, strict=True), start=1):
        if position in used and isinstance(body, dict):
            body = {**body, "as": _name(position)}
        rendered.append(step.kind if body is None else {step.kind: body})
    return {**header, "steps": rendered}


def to_yaml(scenario: dict[str, Any]) -> str:
    """YAML text for a scenario, saying where it came from."""
    body = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False, width=100)
    return ("# Recorded with qqsim (qqsim run --record, or the console's Record switch);\n"
            "# the format: scenarios/README.md, its JSON Schema: scenarios/schema.json.\n"
            + body)


def _name(position: int) -> str:
    return f"step{position}"


def _with_text(step: DraftStep) -> Any:
    if step.text_mode is None or not isinstance(step.args, dict):
        return step.args
    args = {k: v for k, v in step.args.items() if k not in TEXT_MODES}
    if step.text:
        args[step.text_mode] = step.text
    return args


def _shown(value: Any) -> Any:
    """Arguments for the console: references as ``<kind id>``."""
    if isinstance(value, Ref):
        return f"<{value.kind} {value.key}>"
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value
