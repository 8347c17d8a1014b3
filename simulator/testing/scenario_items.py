"""Scenario files as pytest tests: every ``*.qqsim.yaml`` under a test directory.

Loaded by the qqsim pytest plugin. Each such file is collected as one test
named after its scenario (``-k`` matches the name, the file and the
scenario's ``tags``), run with the ``qqsim`` fixture on the scenario's world
and profile, so pytest-xdist spreads them and ``--junit-xml`` reports them
like any other test. A file that is not a valid scenario is a collection
error listing each problem with its line.

The bot under test comes from the ``qqsim_bot`` fixture. By default it starts
the command given by ``--qqsim-bot-cmd`` (or the ``qqsim_bot_cmd`` ini
setting), run from the rootdir with ``qqsim.start_bot``; override the fixture
in a ``conftest.py`` to start it another way (an in-process bot, a reverse
WebSocket...). A failing scenario reports what was expected, the nearest miss
and the transcript, once, without a Python traceback.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import (  # pytest's failure form: its short summary uses reprcrash
    ReprEntryNative,
    ReprExceptionInfo,
    ReprFileLocation,
    ReprTraceback,
)

from .plugin import MARKER

#: What a scenario file for pytest is called.
SUFFIXES = (".qqsim.yaml", ".qqsim.yml")
INI_BOT_CMD = "qqsim_bot_cmd"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qqsim")
    group.addoption("--qqsim-bot-cmd", dest="qqsim_bot_cmd", default=None, metavar="CMD",
                    help="the bot that scenario files (*.qqsim.yaml) test: a command "
                         "started for each of them with QQSIM_WS_URL etc. set")
    parser.addini(INI_BOT_CMD, "the bot command for scenario files (see --qqsim-bot-cmd)",
                  default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIXES):
        collector: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
        return collector
    return None


@pytest.fixture
def qqsim_bot(qqsim: Any, request: pytest.FixtureRequest) -> Any:
    """The bot a scenario file tests, connected to ``qqsim``: the ``--qqsim-bot-cmd``
    command by default. Override it in a conftest to start your bot another way."""
    command = request.config.getoption("qqsim_bot_cmd") or request.config.getini(INI_BOT_CMD)
    if not command:
        pytest.fail("no bot for scenario files: pass --qqsim-bot-cmd CMD, set qqsim_bot_cmd "
                    "in the pytest ini, or override the qqsim_bot fixture in a conftest.py",
                    pytrace=False)
    return qqsim.start_bot(shlex.split(command), cwd=request.config.rootpath)


class ScenarioFile(pytest.File):
    """A ``*.qqsim.yaml`` file: one scenario, so one test."""

    def collect(self) -> Iterator[pytest.Item]:
        # Lazy for start-up cost: pytest loads this module in every session; the scenario
        # engine loads once a scenario file is collected.
        from ..scenarios.loader import ScenarioError, load_file

        try:
            loaded = load_file(self.path)
        except ScenarioError as exc:  # shown as is: file:line:column: problem
            raise self.CollectError(str(exc)) from None
        item = ScenarioItem.from_parent(self, name=loaded.name, callobj=_play)
        item.extra_keyword_matches.update(loaded.scenario.tags)
        item.stash[_LOADED] = loaded
        yield item


_LOADED: pytest.StashKey[Any] = pytest.StashKey()


def _play(qqsim: Any, qqsim_bot: Any, request: pytest.FixtureRequest) -> None:
    """The body of every scenario test: play the file against the connected bot."""
    __tracebackhide__ = True
    loaded = request.node.stash[_LOADED]
    qqsim.run_scenario(loaded.path, bot=qqsim.bot)


class ScenarioItem(pytest.Function):
    """One scenario run as a test; its world and profile become the fixture's options."""

    def setup(self) -> None:
        from ..scenarios.engine import world_spec  # lazy for start-up cost, as above

        loaded = self.stash[_LOADED]
        options: dict[str, Any] = {"spec": world_spec(loaded),
                                   "profile": loaded.scenario.profile}
        if loaded.scenario.bot is not None:
            options["bots"] = [loaded.scenario.bot]
        self.add_marker(getattr(pytest.mark, MARKER)(**options))
        super().setup()

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"scenario {self.name}"

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        from .facade import ScenarioFailed  # lazy for start-up cost, as above

        if isinstance(excinfo.value, ScenarioFailed):
            # The report says it all; a traceback would not help. Its headline is the
            # "crash" line, so the short summary (shown whole on CI) stays one line and
            # the transcript is printed once.
            return _scenario_report(str(excinfo.value), self.path,
                                    excinfo.value.result.headline())
        return super().repr_failure(excinfo)


def _scenario_report(text: str, path: Path, headline: str) -> ReprExceptionInfo:
    """A failed scenario's report as pytest's own failure form (xdist sends it as is)."""
    entry = ReprEntryNative([line + "\n" for line in text.splitlines()])
    return ReprExceptionInfo(reprtraceback=ReprTraceback([entry], None, "native"),
                             reprcrash=ReprFileLocation(str(path), 1, headline))
