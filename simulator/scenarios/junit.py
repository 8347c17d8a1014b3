"""JUnit XML for scenario results, the format CI systems read.

One ``<testsuite name="qqsim">`` with a ``<testcase>`` per scenario: a failed
expectation is a ``<failure>``, a scenario that could not run (invalid file,
QQ refused an injected step) an ``<error>``; the readable transcript goes in
``<system-out>``, and the lints the bot earned (``simulator.lint``) in ``<properties>``
and ``<system-err>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..lint.report import lint_entries, lint_line
from ..transcript import render_text
from .bot_output import render_tail
from .engine import ScenarioResult


def junit_xml(results: Sequence[ScenarioResult], suite: str = "qqsim") -> str:
    total = sum(r.seconds for r in results)
    counts = {
        "tests": str(len(results)),
        "failures": str(sum(r.status == "failed" for r in results)),
        "errors": str(sum(r.status == "error" for r in results)),
        "skipped": "0",
        "time": f"{total:.3f}",
    }
    root = ET.Element("testsuites", {"name": suite, **counts})
    testsuite = ET.SubElement(root, "testsuite", {
        "name": suite, **counts, "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    for result in results:
        case = ET.SubElement(testsuite, "testcase", {
            "classname": _classname(result.source), "name": result.name,
            "file": result.source, "time": f"{result.seconds:.3f}",
        })
        if result.status in ("failed", "error"):
            tag = "failure" if result.status == "failed" else "error"
            first = result.message.splitlines()[0] if result.message else result.status
            where = f" (step {result.step}, {result.kind}, line {result.line})" \
                if result.step else ""
            element = ET.SubElement(case, tag, {"message": first + where,
                                                "type": f"qqsim.{tag}"})
            element.text = result.message + (  # the bot's side: its traceback, if any
                f"\nbot output:\n{render_tail(result.bot_output)}" if result.bot_output else "")
        if result.entries:
            origin = result.entries[0]["time"]
            ET.SubElement(case, "system-out").text = render_text(result.entries, origin)
        _add_lints(case, lint_entries(result.entries))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _add_lints(case: ET.Element, lints: list[dict[str, Any]]) -> None:
    """Each lint as a ``qqsim.lint`` property (CI tools list them) and a line of
    ``<system-err>``; a lint never fails the case."""
    if not lints:
        return
    properties = ET.Element("properties")
    case.insert(0, properties)  # first, where pytest's own JUnit puts them
    for entry in lints:
        ET.SubElement(properties, "property", {"name": f"qqsim.lint.{entry['rule']}",
                                               "value": lint_line(entry)})
    ET.SubElement(case, "system-err").text = "\n".join(lint_line(e) for e in lints)


def write_junit(path: str | Path, results: Sequence[ScenarioResult]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(results), encoding="utf-8")
    return path


def _classname(source: str) -> str:
    parent = Path(source).parent
    parts = [p for p in parent.parts if p not in (".", "/")]
    return ".".join(["scenarios", *parts[-2:]]) if parts else "scenarios"
