"""Lints in reports: ``qqsim test``'s lines and summary, JUnit, from transcript entries.

The linter writes each finding into the transcript as a ``lint`` entry, so a
scenario result's entries already hold its lints; these helpers only read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

Entry = dict[str, Any]


def lint_entries(entries: Iterable[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.get("kind") == "lint"]


def lint_line(entry: Entry) -> str:
    """``lint group-send-rate: 6 messages to group 100100 within 5s (send_group_msg)``."""
    return f"lint {entry['rule']}: {entry['message']} ({entry['action']})"


def summary(results: Sequence[Sequence[Entry]]) -> str:
    """``lints: 3 (group-send-rate 2, retry-loop 1)``, or "" when there were none."""
    counts = Counter(entry["rule"] for entries in results for entry in lint_entries(entries))
    if not counts:
        return ""
    detail = ", ".join(f"{rule} {count}" for rule, count in counts.most_common())
    return f"lints: {sum(counts.values())} ({detail}); silence with --lint-ignore RULE"
