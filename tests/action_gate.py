"""The suite's action gate: every registered action is dispatched by some test.

Counted where bots' calls are recorded: every simulator the suite builds has a
coverage recorder (``simulator.coverage``), and while the whole suite runs
they all count into one session, merged across pytest-xdist workers by the
qqsim plugin. At the end of a run of the whole suite, an action no test called is
named, and fails the run if nothing else did. A run of some files or some tests
(``-k``, ``-m``, node ids) cannot call everything, so it is not checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.coverage import CoverageSet, current_session, start_session
from simulator.onebot.dispatch import REGISTRY
from simulator.onebot.registry import Registry

TESTS = Path(__file__).resolve().parent
_UNTESTED: pytest.StashKey[list[str]] = pytest.StashKey()


def whole_suite(config: pytest.Config) -> bool:
    """Whether this run collects every test of the suite (``pytest``, ``pytest tests``)."""
    if any(config.getoption(name, None)
           for name in ("keyword", "markexpr", "deselect", "lf", "collectonly")):
        return False
    where = config.invocation_params.dir
    chosen = [(where / arg.split("::")[0]).resolve() for arg in config.args]
    return bool(chosen) and all(path in (TESTS, TESTS.parent) and "::" not in arg
                                for path, arg in zip(chosen, config.args, strict=True))


def untested(coverages: CoverageSet, registry: Registry = REGISTRY) -> list[str]:
    """Registered actions no bot called under any profile."""
    called = {name for coverage in coverages.values() for name in coverage.actions}
    return [spec.name for spec in registry if spec.name not in called]


def configure(config: pytest.Config) -> None:
    if whole_suite(config) and current_session() is None:
        start_session()


def finish(session: pytest.Session, exitstatus: int) -> None:
    counted = current_session()
    if (counted is None or hasattr(session.config, "workerinput")
            or not whole_suite(session.config)):
        return
    missing = untested(counted)
    if missing:
        session.config.stash[_UNTESTED] = missing  # named even when tests failed too
        if exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    missing = config.stash.get(_UNTESTED, None)
    if missing:
        terminalreporter.write_sep("=", "action gate", red=True)
        terminalreporter.write_line(f"no test called these registered actions: {missing}")
