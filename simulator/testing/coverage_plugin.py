"""``pytest --qqsim-coverage``: what the suite's bots met of the OneBot surface.

Every simulator made while pytest runs counts into one coverage session
(``simulator.coverage``). Under pytest-xdist each worker hands its counts to
the controller when it finishes (``workeroutput``), which merges them; the
terminal summary, and with ``--qqsim-coverage-dir`` the JSON and HTML
reports, come from the merged counts. A conftest may also open the session
itself (``simulator.coverage.start_session``) and read it at the end: the
counts travel from the workers whenever a session is open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..coverage import (
    current_session,
    merge_sets,
    set_from_json,
    set_to_json,
    start_session,
    text_report,
    write_reports,
)

WORKER_KEY = "qqsim_coverage"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qqsim")
    group.addoption("--qqsim-coverage", action="store_true",
                    help="report which OneBot actions, events, segments and faults the bots "
                         "under test met, against the profile's whole surface")
    group.addoption("--qqsim-coverage-dir", metavar="DIR",
                    help="also write qqsim-coverage.json and qqsim-coverage.html into DIR "
                         "(implies --qqsim-coverage)")


def _wanted(config: pytest.Config) -> bool:
    return bool(config.getoption("qqsim_coverage") or config.getoption("qqsim_coverage_dir"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if _wanted(config) and current_session() is None:
        start_session()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker sends what it counted to the controller."""
    output: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    counted = current_session()
    if output is not None and counted is not None:
        output[WORKER_KEY] = set_to_json(counted)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller merges a finished worker's counts (pytest-xdist)."""
    sent = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    counted = current_session()
    if sent is not None and counted is not None:
        merge_sets(counted, set_from_json(sent).values())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    counted = current_session()
    if not _wanted(config) or counted is None or hasattr(config, "workerinput"):
        return
    terminalreporter.write_sep("-", "qqsim coverage")
    terminalreporter.write_line(text_report(counted))
    directory = config.getoption("qqsim_coverage_dir")
    if directory:
        for path in write_reports(counted, Path(directory)):
            terminalreporter.write_line(f"written: {path}")
