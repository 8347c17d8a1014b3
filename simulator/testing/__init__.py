"""Testing a bot against qqsim: one fresh, isolated simulated QQ per test.

With pytest, ask for the ``qqsim`` fixture (installed with qqsim; see
``plugin``). Without pytest, ``open_qqsim`` (sync code), ``open_async_qqsim``
(asyncio or anyio) and ``open_trio_qqsim`` (inside trio) give the same
objects.

    options.py       QQSimOptions: world, profile, bots, transports, clock
    host.py          where the simulator runs: its own trio thread, or the test's loop
    facade.py        QQSim / AsyncQQSim: act, read, wait, start bots, run scenarios
    expectations.py  the scenario steps' expectations in Python, built then checked
    waits.py         bounded waits, quiet, transcript tails for failures
    process.py       the bot under test as a separate process
    nonebot.py       NoneBot2 in-process: started once per session, connected per test
    session.py       open_qqsim / open_async_qqsim / open_trio_qqsim
    plugin.py        the pytest wiring (fixture, marker, report sections)
    scenario_items.py  *.qqsim.yaml scenario files collected as pytest tests

Names are imported on first use, so loading the pytest plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from ..scenarios.expect import ActionPattern, Call, ExpectationFailed, MessagePattern, Said
    from .clocks import TrioClock
    from .expectations import (
        AsyncExpectation,
        Expectation,
        UncheckedExpectation,
        action_pattern,
        message_pattern,
    )
    from .facade import AsyncQQSim, QQSim, ScenarioFailed
    from .options import QQSimOptions
    from .process import BotFailed, BotProcess
    from .session import open_async_qqsim, open_qqsim, open_trio_qqsim
    from .waits import WaitTimeout

__all__ = [
    "ActionPattern",
    "AsyncExpectation",
    "AsyncQQSim",
    "BotFailed",
    "BotProcess",
    "Call",
    "Expectation",
    "ExpectationFailed",
    "MessagePattern",
    "QQSim",
    "QQSimOptions",
    "Said",
    "ScenarioFailed",
    "TrioClock",
    "UncheckedExpectation",
    "WaitTimeout",
    "action_pattern",
    "message_pattern",
    "open_async_qqsim",
    "open_qqsim",
    "open_trio_qqsim",
]

_HOME = {
    "ActionPattern": "..scenarios.expect",
    "Call": "..scenarios.expect",
    "ExpectationFailed": "..scenarios.expect",
    "MessagePattern": "..scenarios.expect",
    "Said": "..scenarios.expect",
    "TrioClock": ".clocks",
    "AsyncExpectation": ".expectations",
    "Expectation": ".expectations",
    "UncheckedExpectation": ".expectations",
    "action_pattern": ".expectations",
    "message_pattern": ".expectations",
    "AsyncQQSim": ".facade",
    "QQSim": ".facade",
    "ScenarioFailed": ".facade",
    "QQSimOptions": ".options",
    "BotFailed": ".process",
    "BotProcess": ".process",
    "open_async_qqsim": ".session",
    "open_qqsim": ".session",
    "open_trio_qqsim": ".session",
    "WaitTimeout": ".waits",
}


__getattr__ = lazy_exports(__name__, _HOME, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
