"""``wait_quiet`` decides from what is in flight: a bot it is told to watch holds it for as
long as that bot says it is busy, with no idle window; a bot it cannot see into gets one."""

from __future__ import annotations

import threading

import pytest

from simulator.link import BotLink
from simulator.testing import WaitTimeout, open_qqsim


class Watch:
    """A bot's state as the NoneBot helper reports it, set here by hand."""

    def __init__(self) -> None:
        self.pending: str | None = "NoneBot is handling 1 events"

    def busy(self) -> str | None:
        return self.pending

    def covers(self, link: BotLink) -> bool:
        return True


def test_a_busy_watched_bot_holds_wait_quiet_and_its_nudge_ends_it() -> None:
    with open_qqsim(transports=()) as qq:
        watch = Watch()
        nudge = qq.watch(watch)
        assert not qq.is_quiet()
        with pytest.raises(WaitTimeout, match=r"still in flight: NoneBot is handling 1 events"):
            qq.wait_quiet(timeout=0.3)

        def done() -> None:  # the bot's loop, in its own thread
            watch.pending = None
            nudge()

        later = threading.Timer(0.2, done)
        later.start()
        try:
            qq.wait_quiet(timeout=5)
        finally:
            later.cancel()
        assert watch.pending is None and qq.is_quiet()
        qq.unwatch(watch)
        assert qq.is_quiet()
