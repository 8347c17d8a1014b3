"""The pytest plugin (registered as ``qqsim`` through the ``pytest11`` entry point).

It only wires: the ``qqsim`` fixture, the ``qqsim`` marker, the
``qqsim_options`` override point, and a transcript section on failed
reports. Behaviour lives in ``simulator.testing``, usable without pytest.

Which simulator a test gets depends on the test:

* a plain ``def`` test gets a ``QQSim``: the simulator runs in a thread of
  its own and waits block;
* an ``async def`` test not marked ``trio`` (pytest-asyncio, anyio on either
  backend, any other runner) gets an ``AsyncQQSim`` on the same kind of
  thread: waits are awaited and never block the test's loop;
* a test marked ``trio`` (pytest-trio, or ``trio_mode``) gets an
  ``AsyncQQSim`` whose simulator runs in the test's own trio loop, under its
  clock (``autojump_clock`` makes timeouts instant; ``clock="trio"`` makes
  world time follow it too).

Options, later ones winning: the ``qqsim_options`` fixture (override it in a
conftest), ``@pytest.mark.qqsim(...)`` on the module (``pytestmark``), the
class, the test, then ``@pytest.mark.parametrize("qqsim", [{...}],
indirect=True)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .facade import _QQSimBase
    from .options import QQSimOptions

MARKER = "qqsim"
#: Scenario files (``*.qqsim.yaml``) as tests: their collector, options and bot fixture;
#: ``--qqsim-coverage`` and its reports.
pytest_plugins = ["simulator.testing.scenario_items", "simulator.testing.coverage_plugin"]
_FACADE: pytest.StashKey[_QQSimBase] = pytest.StashKey()
_PENDING: pytest.StashKey[tuple[QQSimOptions, Callable[[], Path]]] = pytest.StashKey()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "qqsim(**options): the world, profile and connections of the qqsim fixture: seed=, "
        "generate={'seed': 7, 'people': 30}, spec=, profile=, bots=, transports=('ws', "
        "'http', 'sse'), onebot=, token=, heartbeat_ms=, clock='manual'|'real'|'trio', "
        "control=, within= (simulator.testing.QQSimOptions)",
    )


@pytest.fixture
def qqsim_options() -> QQSimOptions | Mapping[str, Any]:
    """Defaults for every ``qqsim`` fixture in scope; override it in a conftest."""
    return {}


@pytest.fixture
def qqsim(request: pytest.FixtureRequest, qqsim_options: QQSimOptions | Mapping[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh simulated QQ for this test, on ephemeral 127.0.0.1 ports, torn down after it.

    ``QQSim`` in a sync test, ``AsyncQQSim`` in an async one (see the module doc).
    """
    options = _options(request, qqsim_options)

    def log_dir() -> Path:
        return tmp_path_factory.mktemp("qqsim-bots")

    try:
        if _runs_on_trio(request.node):
            request.node.stash[_PENDING] = (options, log_dir)
            yield request.getfixturevalue("_qqsim_trio")  # set up in the test's trio loop
            return
        pool = _nonebot_pool(request, options)
        if pool is not None:
            with pool.test(log_dir) as qq:
                request.node.stash[_FACADE] = qq
                yield qq
            return
        # Lazy for start-up cost: every pytest session loads this plugin, qqsim on use.
        from .session import open_async_qqsim, open_qqsim

        opener = open_async_qqsim if _is_async(request.node) else open_qqsim
        with opener(options, log_dir=log_dir) as qq:
            request.node.stash[_FACADE] = qq
            yield qq
    finally:
        if _FACADE in request.node.stash:  # the report is written: let the world go
            del request.node.stash[_FACADE]


def _options(request: pytest.FixtureRequest,
             base: QQSimOptions | Mapping[str, Any]) -> QQSimOptions:
    from .options import QQSimOptions, layered  # lazy for start-up cost, as above

    layers: list[Mapping[str, Any]] = []
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # farthest first
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.qqsim takes keywords only, got {marker.args}")
        layers.append(marker.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, Mapping):
            raise pytest.UsageError("parametrize qqsim (indirect=True) with dicts of options")
        layers.append(param)
    start = base if isinstance(base, QQSimOptions) else QQSimOptions().merged(base)
    return layered(layers, start)


def _nonebot_pool(request: pytest.FixtureRequest, options: QQSimOptions) -> Any:
    """The simulator NoneBot2 in-process tests share, its world renewed for each
    (``simulator.testing.pool``); None when this test gets its own."""
    if "qqsim_nonebot" not in request.fixturenames or not _is_async(request.node):
        return None
    from .nonebot import _loop_scope_problem  # lazy for start-up cost, as above

    if _loop_scope_problem(request.node):  # qqsim_nonebot fails the test, saying why
        return None
    return request.getfixturevalue("qqsim_nonebot_session").pool_for(options)


def _runs_on_trio(item: pytest.Item) -> bool:
    return item.get_closest_marker("trio") is not None


def _is_async(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return inspect.iscoroutinefunction(function)


try:
    from pytest_trio import trio_fixture  # type: ignore[import-untyped]
except ImportError:  # without pytest-trio there are no trio tests to serve
    pass
else:

    @trio_fixture  # type: ignore[untyped-decorator]
    async def _qqsim_trio(request: pytest.FixtureRequest) -> Any:
        from .session import open_trio_qqsim  # lazy for start-up cost, as above

        options, log_dir = request.node.stash[_PENDING]
        async with open_trio_qqsim(options, log_dir=log_dir) as qq:
            request.node.stash[_FACADE] = qq
            yield qq


try:
    import pytest_asyncio  # noqa: F401
except ImportError:  # NoneBot2 in-process needs pytest-asyncio's session loop
    pass
else:
    from .nonebot import _fixtures

    # NoneBot2 in-process (``simulator.testing.nonebot``); nonebot is imported only when
    # a test asks for them.
    qqsim_nonebot_setup, qqsim_nonebot_session, qqsim_nonebot = _fixtures()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that used the fixture shows what happened, as a report section."""
    report = yield
    qq = item.stash.get(_FACADE, None)
    if qq is not None and report.failed and not _tells_transcript(call):
        report.sections.append(("qqsim transcript", qq.transcript_text()))
    if qq is not None and report.failed and not _tells(call, "shows_bot_output"):
        report.sections.extend(_bot_outputs(qq))
    return report


def _bot_outputs(qq: _QQSimBase) -> list[tuple[str, str]]:
    """The end of each bot process's output (its traceback whole): the bot's side."""
    sections = []
    for bot in getattr(qq, "_bot_processes", ()):  # those the test started, still held
        state = "running" if bot.returncode is None else f"exited with status {bot.returncode}"
        sections.append((f"qqsim bot {bot.bot} output ({' '.join(bot.command)}; {state})",
                         bot.output_tail()))
    return sections


def _tells(call: pytest.CallInfo[None], flag: str) -> bool:
    return call.excinfo is not None and bool(getattr(call.excinfo.value, flag, False))


def _tells_transcript(call: pytest.CallInfo[None]) -> bool:
    """Whether the failure's own message already shows the transcript."""
    if call.excinfo is None:
        return False
    return bool(getattr(call.excinfo.value, "shows_transcript", False))
