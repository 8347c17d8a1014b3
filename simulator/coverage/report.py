"""Coverage against the surface of a profile: a terminal summary, JSON and an HTML page.

The page is one self-contained file (inline CSS, no script, no build step),
like the console.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..faults import FaultKind
from ..onebot.profiles import PROFILES
from ..onebot.surface import Surface, surface_of
from .record import Coverage, CoverageSet, set_to_json

FAULT_KINDS = tuple(str(kind) for kind in FaultKind)
#: (key in ``Coverage``, heading) of each part of the surface, in report order.
PARTS = (("actions", "actions called"), ("events", "event kinds received"),
         ("segments", "segment types received"), ("faults", "faults met"))


@dataclass(frozen=True)
class Part:
    """One part of the surface: what exists, and how often each was met (0: never)."""

    name: str
    heading: str
    counts: Mapping[str, int]
    #: Met but not on the surface (an action the profile does not route, say).
    extra: Mapping[str, int]

    @property
    def covered(self) -> int:
        return sum(1 for count in self.counts.values() if count)

    @property
    def total(self) -> int:
        return len(self.counts)

    @property
    def missing(self) -> list[str]:
        return [name for name, count in self.counts.items() if not count]

    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


class Report:
    """One profile's coverage measured against its surface."""

    def __init__(self, coverage: Coverage) -> None:
        self.coverage = coverage
        profile = PROFILES.get(coverage.profile)
        self.surface: Surface | None = surface_of(profile) if profile is not None else None
        self.parts = tuple(self._part(key, heading) for key, heading in PARTS)

    def _names(self, key: str) -> tuple[str, ...]:
        if key == "faults":
            return FAULT_KINDS
        return () if self.surface is None else tuple(getattr(self.surface, key))

    def _part(self, key: str, heading: str) -> Part:
        met: dict[str, int] = getattr(self.coverage, key)
        names = self._names(key)
        counts = {name: met.get(name, 0) for name in names}
        extra = {name: count for name, count in sorted(met.items()) if name not in counts}
        return Part(key, heading, counts, extra)

    def part(self, name: str) -> Part:
        return next(part for part in self.parts if part.name == name)

    def summary(self) -> str:
        shown = ", ".join(f"{part.name} {part.covered}/{part.total}" for part in self.parts)
        return f"qqsim coverage ({self.coverage.profile}): {shown}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"profile": self.coverage.profile}
        for part in self.parts:
            out[part.name] = {"covered": part.covered, "total": part.total,
                              "met": {k: v for k, v in part.counts.items() if v},
                              "missing": part.missing, "extra": dict(part.extra)}
        out["failures"] = self.coverage.failures
        out["survived"] = self.coverage.survived
        return out

    def text(self, *, verbose: bool = False) -> str:
        """The terminal summary: a line per part, what was met, what was never met."""
        lines = [self.summary()]
        for part in self.parts:
            lines.append(f"  {part.heading}: {part.covered}/{part.total} "
                         f"({part.percent():.0f}%)")
            met = [f"{name} ×{count}" for name, count in part.counts.items() if count]
            met += [f"{name} ×{count} (not on the surface)" for name, count in part.extra.items()]
            if met:
                lines.append("    met: " + ", ".join(met))
            if part.missing and (verbose or part.name != "actions"):
                lines.append("    never: " + ", ".join(part.missing))
        failures = [f"{action}: {text} ×{count}"
                    for action, texts in sorted(self.coverage.failures.items())
                    for text, count in sorted(texts.items())]
        if failures:
            lines.append("  failure paths met: " + "; ".join(failures))
        return "\n".join(lines)


def reports(coverages: CoverageSet) -> list[Report]:
    return [Report(coverages[name]) for name in sorted(coverages)]


def text_report(coverages: CoverageSet, *, verbose: bool = False) -> str:
    if not coverages:
        return "qqsim coverage: no simulator saw any traffic"
    return "\n".join(report.text(verbose=verbose) for report in reports(coverages))


def json_report(coverages: CoverageSet) -> dict[str, Any]:
    """The raw counts (mergeable, ``set_from_json`` reads them) and the measured report."""
    return {**set_to_json(coverages),
            "report": {r.coverage.profile: r.to_json() for r in reports(coverages)}}


_STYLE = """
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:1.6em}
.bar{display:inline-block;width:160px;height:10px;background:#eee;vertical-align:middle}
.bar i{display:block;height:100%;background:#3a7}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:2px 10px;text-align:left}
tr.no td{color:#a33}tr.extra td{color:#777}td.n{text-align:right}
"""


def _part_html(part: Part, failures: Mapping[str, Mapping[str, int]]) -> str:
    rows = []
    met = sorted(((n, c) for n, c in part.counts.items() if c), key=lambda item: -item[1])
    never = [(name, 0) for name in part.missing]
    for name, count in [*met, *part.extra.items(), *never]:  # what was met first
        css = "extra" if name in part.extra else ("" if count else "no")
        notes = "; ".join(f"{text} ×{n}" for text, n in sorted(failures.get(name, {}).items()))
        rows.append(f'<tr class="{css}"><td>{html.escape(name)}</td><td class="n">{count}</td>'
                    f"<td>{html.escape(notes)}</td></tr>")
    bar = f'<span class="bar"><i style="width:{part.percent():.1f}%"></i></span>'
    return (f"<h2>{html.escape(part.heading)}: {part.covered}/{part.total} {bar}</h2>"
            f"<table><tr><th>name</th><th>count</th><th>failures met</th></tr>"
            f"{''.join(rows)}</table>")


def html_report(coverages: CoverageSet) -> str:
    """A plain page: one section per profile, one table per part, never-met rows in red."""
    body = []
    for report in reports(coverages):
        body.append(f"<h1>{html.escape(report.summary())}</h1>")
        for part in report.parts:
            failures = report.coverage.failures if part.name == "actions" else {}
            body.append(_part_html(part, failures))
    if not body:
        body.append("<h1>qqsim coverage: no simulator saw any traffic</h1>")
    return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>qqsim coverage</title>'
            f"<style>{_STYLE}</style><body>{''.join(body)}</body></html>\n")


def write_reports(coverages: CoverageSet, directory: Path) -> list[Path]:
    """``qqsim-coverage.json`` and ``qqsim-coverage.html`` in ``directory`` (made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    as_json = directory / "qqsim-coverage.json"
    as_json.write_text(json.dumps(json_report(coverages), ensure_ascii=False, indent=1),
                       encoding="utf-8")
    page = directory / "qqsim-coverage.html"
    page.write_text(html_report(coverages), encoding="utf-8")
    return [as_json, page]
