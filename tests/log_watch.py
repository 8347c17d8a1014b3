"""Wait for a log line instead of polling ``caplog``: the line itself wakes the test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import trio


class LogWatch(logging.Handler):
    """Collects the messages of one logger (and its children) and wakes whoever waits."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._token = trio.lowlevel.current_trio_token()
        self._changed = trio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if self._in_our_loop():
            self._wake()
        else:  # a worker thread (or another loop) logged: wake the test's loop from there
            self._token.run_sync_soon(self._wake)

    def _in_our_loop(self) -> bool:
        try:
            return trio.lowlevel.current_trio_token() is self._token
        except RuntimeError:
            return False

    def _wake(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    async def wait_for(self, text: str) -> str:
        """The first line containing ``text``, once one was logged (bound it with fail_after)."""
        while (found := next((line for line in self.lines if text in line), None)) is None:
            await self._changed.wait()
        return found


@contextmanager
def watching(logger: str = "qqsim", level: int | None = None) -> Iterator[LogWatch]:
    """A ``LogWatch`` on ``logger`` for the block (``level`` also sets the logger's level)."""
    watch = LogWatch()
    target = logging.getLogger(logger)
    old_level = target.level
    if level is not None:
        target.setLevel(level)
    target.addHandler(watch)
    try:
        yield watch
    finally:
        target.removeHandler(watch)
        target.setLevel(old_level)
