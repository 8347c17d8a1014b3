"""Documentation derived from the registry: the action table in docs and ``qqsim actions``."""

from __future__ import annotations

from .profiles import NAPCAT
from .registry import REGISTRY


def action_table() -> list[dict[str, str]]:
    """One row per action: name, origin, backing, routed by NapCat, summary."""
    return [
        {
            "name": spec.name,
            "origin": spec.origin.value,
            "backing": spec.backing.value,
            "napcat": "no" if spec.name in NAPCAT.unrouted else "yes",
            "summary": spec.summary,
        }
        for spec in REGISTRY
    ]


def markdown_table(rows: list[dict[str, str]]) -> str:
    lines = [
        "| action | origin | backing | NapCat routes it | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{r['name']}` | {r['origin']} | {r['backing']} | {r['napcat']} | {r['summary']} |"
        for r in rows
    ]
    return "\n".join(lines)
