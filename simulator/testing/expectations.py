"""Expectations for tests: the scenario engine's matching and reports, built then checked.

``qq.expect.action("send_msg", group=100100, text="pong")`` builds an
expectation; nothing is checked until ``.check()`` (sync tests) or ``await``
(async tests). Matching, consumption and the nearest-miss report are
``scenarios.expect``'s, the very code behind a scenario file's ``expect``
steps; a failure adds the transcript of the test. An expectation that is
built but never checked is reported when the simulator closes
(``UncheckedExpectation``, a warning), because a test that forgot its
``check()`` or ``await`` asserts nothing.

Arguments are the scenario format's: action names or globs, ``group``/``user``
(shorthands for ``params.group_id``/``params.user_id``), ``params`` (a subset
that must match, ``100100`` equal to ``"100100"``), ``text``/``contains``/
``regex`` on the message text, ``at`` and ``reply_to``, ``ok``, ``bot``, and
``within`` (seconds; default: the options' ``within``).
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..scenarios.expect import (
    ActionPattern,
    Call,
    ExpectationFailed,
    Expectations,
    MessagePattern,
    Said,
    StateCheck,
    TextPattern,
)
from .waits import with_transcript

if TYPE_CHECKING:
    from ..app import Simulator

T = TypeVar("T")
Check = Callable[[Expectations], Awaitable[Any]]
_HERE = str(Path(__file__).parent)


class UncheckedExpectation(UserWarning):
    """An expectation was built but never checked: the test asserted nothing with it."""


def text_pattern(text: str | None = None, contains: str | None = None, regex: str | None = None,
                 at: int | str | Iterable[int | str] | None = None,
                 reply_to: int | None = None) -> TextPattern:
    mentioned = [] if at is None else [at] if isinstance(at, int | str) else list(at)
    return TextPattern(text=text, contains=contains, regex=regex,
                       at=tuple(str(qq) for qq in mentioned), reply_to=reply_to)


def action_pattern(*actions: str, group: int | None = None, user: int | None = None,
                   params: Mapping[str, Any] | None = None, text: str | None = None,
                   contains: str | None = None, regex: str | None = None,
                   at: int | str | Iterable[int | str] | None = None,
                   reply_to: int | None = None, ok: bool | None = None,
                   bot: int | None = None) -> ActionPattern:
    """A call the bot should make, as a scenario's ``expect`` step describes it."""
    wanted = dict(params or {})
    if group is not None:
        wanted["group_id"] = group
    if user is not None:
        wanted["user_id"] = user
    return ActionPattern(action=tuple(actions), params=wanted,
                         message=text_pattern(text, contains, regex, at, reply_to), ok=ok,
                         bot=bot)


def message_pattern(*, group: int | None = None, to: int | None = None, text: str | None = None,
                    contains: str | None = None, regex: str | None = None,
                    at: int | str | Iterable[int | str] | None = None,
                    reply_to: int | None = None) -> MessagePattern:
    """A message the bot should post, as a scenario's ``expect_message`` step describes it."""
    return MessagePattern(group=group, to=to,
                          message=text_pattern(text, contains, regex, at, reply_to))


def _where_built() -> str:
    """The first caller outside this package: where the test built the expectation."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_HERE):
            return f"{frame.filename}:{frame.lineno}"
    return "?"


class Built:
    """An expectation waiting to be checked."""

    def __init__(self, book: Book, description: str, check: Check) -> None:
        self.description = description
        self.where = _where_built()
        self.checked = False
        self._book = book
        self._check = check
        book.built.append(self)

    def __repr__(self) -> str:
        state = "checked" if self.checked else "not checked yet"
        return f"<expect {self.description} ({state}, built at {self.where})>"

    async def _run(self, expectations: Expectations) -> Any:
        self.checked = True
        try:
            return await self._check(expectations)
        except ExpectationFailed as failed:
            # A fresh error: its traceback is the test's, not the simulator thread's.
            error = ExpectationFailed(with_transcript(failed.report, self._book.sim))
            error.shows_transcript = True  # type: ignore[attr-defined]  # for the plugin
            raise error from None


class Expectation(Built):
    """Sync tests: ``.check()`` waits for it and returns what matched (or raises)."""

    def check(self) -> Any:
        __tracebackhide__ = True
        return self._book.run_blocking(self._run)


class AsyncExpectation(Built):
    """Async tests: ``await`` it (or ``await .check()``) for what matched (or raises)."""

    async def check(self) -> Any:
        __tracebackhide__ = True
        return await self._book.run_async(self._run)

    def __await__(self) -> Generator[Any, None, Any]:
        return self.check().__await__()


E = TypeVar("E", bound=Built)


class Book:
    """Everything one simulator's expectations share: the host, and what was built."""

    def __init__(self, sim: Simulator, within: float,
                 run_blocking: Callable[[Callable[[Expectations], Awaitable[Any]]], Any],
                 run_async: Callable[[Callable[[Expectations], Awaitable[Any]]],
                                     Awaitable[Any]]) -> None:
        self.sim = sim
        self.within = within
        self.built: list[Built] = []
        self.run_blocking = run_blocking
        self.run_async = run_async

    def unchecked(self) -> list[Built]:
        return [b for b in self.built if not b.checked]


class Expect(Generic[E]):
    """``qq.expect``: builds expectations (checked later, by ``check()`` or ``await``)."""

    def __init__(self, book: Book, kind: type[E]) -> None:
        self._book = book
        self._kind = kind

    def _build(self, description: str, check: Check) -> E:
        return self._kind(self._book, description, check)

    def action(self, *actions: str, within: float | None = None, **match: Any) -> E:
        """The bot makes a call like this (consumed: two expectations need two calls);
        checking returns the ``Call``."""
        pattern = action_pattern(*actions, **match)

        async def check(expect: Expectations) -> Call:
            return await expect.action(pattern, within=within)

        return self._build(f"action {pattern.describe()}", check)

    def in_order(self, *patterns: ActionPattern, within: float | None = None) -> E:
        """Calls matching ``patterns`` one after another (others may come between)."""

        async def check(expect: Expectations) -> list[Call]:
            return await expect.in_order(patterns, within=within)

        return self._build("in order: " + "; ".join(p.describe() for p in patterns), check)

    def any_order(self, *patterns: ActionPattern, within: float | None = None) -> E:
        """Distinct calls matching every pattern, in any order."""

        async def check(expect: Expectations) -> list[Call]:
            return await expect.any_order(patterns, within=within)

        return self._build("any order: " + "; ".join(p.describe() for p in patterns), check)

    def never(self, *actions: str, during: float = 0.5, **match: Any) -> E:
        """No such call for ``during`` seconds from the check (and none since the build)."""
        pattern = action_pattern(*actions, **match)
        mark = self._book.sim.transcript.last

        async def check(expect: Expectations) -> None:
            await expect.never(pattern, during=during)
            expect._raise_if_seen(pattern, mark)  # also what came between build and check

        return self._build(f"never {pattern.describe()}", check)

    def message(self, *, within: float | None = None, **match: Any) -> E:
        """The bot posts a message like this in the world (by any action); checking
        returns the ``Said``."""
        pattern = message_pattern(**match)

        async def check(expect: Expectations) -> Said:
            return await expect.message(pattern, within=within)

        return self._build(pattern.describe(), check)

    def state(self, check_state: StateCheck, description: str, *,
              within: float | None = None) -> E:
        """The world comes to hold ``description``: ``check_state()`` returns
        (holds, what the world says instead), run on the simulator's thread."""

        async def check(expect: Expectations) -> None:
            await expect.state(check_state, description, within=within)

        return self._build(f"the world: {description}", check)
