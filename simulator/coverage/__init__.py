"""Coverage of the OneBot surface: what a bot called, received and survived.

``Recorder`` (one per simulator, ``sim.coverage``) counts; ``Report`` measures
the counts against the surface of a profile (``simulator.onebot.surface``)
and prints them as text, JSON or an HTML page.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from .record import (
    Coverage,
    CoverageSet,
    Recorder,
    current_session,
    end_session,
    merge_sets,
    set_from_json,
    set_to_json,
    start_session,
)

if TYPE_CHECKING:
    from .report import Report, html_report, json_report, text_report, write_reports

__all__ = [
    "Coverage", "CoverageSet", "Recorder", "Report", "current_session", "end_session",
    "html_report", "json_report", "merge_sets", "set_from_json", "set_to_json",
    "start_session", "text_report", "write_reports",
]

# Every simulator records (``Recorder``); reports are written only when asked for, so
# they, their HTML and the surface load on first use (an idle server's memory, issue 10).
__getattr__ = lazy_exports(__name__, dict.fromkeys(
    ("Report", "html_report", "json_report", "text_report", "write_reports"), ".report"),
    globals())
