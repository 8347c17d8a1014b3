"""Expectations for tests: the scenario steps, built in Python and checked later.

``qq.expect.action("send_msg", group=100100, text="pong")`` builds an
expectation; nothing is checked until ``.check()`` (sync tests) or ``await``
(async tests). Each method is a scenario step, with that step's arguments by
the same names, validated by the same models (``scenarios/steps/checks.py``),
matched and reported by the same code:

    expect.action(*action, ...)   expect:            a call the bot makes
    expect.in_order(*calls, ...)  expect_in_order:   calls in this order
    expect.any_order(*calls, ...) expect_any_order:  calls in any order
    expect.never(*action, ...)    expect_never:      no such call within ``within``
    expect.message(...)           expect_message:    a message the bot posts
    expect.state(...)             expect_state:      a condition on the world

``within`` is the window of every one of them, in seconds or as a duration
(``"500ms"``). What a scenario names with ``as:`` is what ``check()`` returns;
``reply_to``, ``recalled`` and ``request`` take ids (a message id, a request's
flag), since a test has no names. The one argument beyond the steps is
``bot`` on call patterns: a test may serve several bots, a scenario tests one.
``tests/test_expect_language.py`` checks these signatures against
``scenarios/schema.json``. An expectation that is built but never checked is
reported when the simulator closes (``UncheckedExpectation``, a warning),
because a test that forgot its ``check()`` or ``await`` asserts nothing.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..scenarios.expect import (
    ActionPattern,
    Call,
    ExpectationFailed,
    Expectations,
    MessagePattern,
    Said,
)
from ..scenarios.steps.checks import (
    CallArgs,
    ExpectArgs,
    MessageArgs,
    NeverArgs,
    OrderedArgs,
    StateArgs,
    state_check,
)
from .waits import with_transcript

if TYPE_CHECKING:
    from ..app import Simulator

T = TypeVar("T")
Check = Callable[[Expectations], Awaitable[Any]]
_HERE = str(Path(__file__).parent)


class UncheckedExpectation(UserWarning):
    """An expectation was built but never checked: the test asserted nothing with it."""


Mentions = int | str | Iterable[int | str] | None
Window = float | str | None


class _TestRefs:
    """A test's stand-in for a scenario run: ids instead of names, any bot or one."""

    def __init__(self, sim: Simulator | None, bot: int | None) -> None:
        self._sim = sim
        self.bot = bot

    @property
    def sim(self) -> Simulator:
        assert self._sim is not None, "only state checks read the world"
        return self._sim

    def message_id(self, ref: int | str) -> int:
        if isinstance(ref, int):
            return ref
        raise TypeError(f"give a message id, not {ref!r} (names given with as: exist only "
                        "in scenario files; check() returns what an expectation matched)")

    def request_state(self, name: str) -> str:
        """A request by its flag: pending, approved, rejected or expired."""
        requests = self.sim.world.requests
        request = requests.find(name)
        if request is None:
            return "unknown (no request has this flag)"
        return "expired" if requests.is_expired(request) else request.state

    def substitute(self, value: Any) -> Any:
        return value


def _args(model: type[BaseModel], step: str, **given: Any) -> Any:
    """``given`` (None: not given) validated as step ``step``'s arguments; a mistake is a
    TypeError naming the argument, as a wrong keyword would be."""
    values = {k: list(v) if k in ("at", "action") and _many(v) else v
              for k, v in given.items() if v is not None}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "arguments"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise TypeError(f"expect ({step}): {where}: {message}") from None


def _many(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping)


def action_pattern(*action: str, params: Mapping[str, Any] | None = None,
                   group: int | None = None, user: int | None = None, text: str | None = None,
                   contains: str | None = None, regex: str | None = None, at: Mentions = None,
                   reply_to: int | None = None, ok: bool | None = None,
                   bot: int | None = None) -> ActionPattern:
    """A call the bot should make, as an ``expect`` step (or an item of
    ``expect_in_order``) describes it."""
    args = _args(CallArgs, "expect", action=action or None, params=params, group=group,
                 user=user, text=text, contains=contains, regex=regex, at=at,
                 reply_to=reply_to, ok=ok)
    pattern: ActionPattern = args.pattern(_TestRefs(None, bot))
    return pattern


def message_pattern(*, group: int | None = None, to: int | None = None,
                    text: str | None = None, contains: str | None = None,
                    regex: str | None = None, at: Mentions = None,
                    reply_to: int | None = None) -> MessagePattern:
    """A message the bot should post, as an ``expect_message`` step describes it."""
    args = _args(MessageArgs, "expect_message", group=group, to=to, text=text,
                 contains=contains, regex=regex, at=at, reply_to=reply_to)
    return MessagePattern(group=args.group, to=args.to,
                          message=args.text_pattern(_TestRefs(None, None)))


def _call_patterns(calls: tuple[Mapping[str, Any] | ActionPattern, ...],
                   step: str) -> list[ActionPattern]:
    """``expect_in_order`` / ``expect_any_order`` items: step-style dicts or patterns."""
    if not calls:
        raise TypeError(f"expect ({step}): give at least one call")
    refs = _TestRefs(None, None)
    out = []
    for index, call in enumerate(calls):
        if isinstance(call, ActionPattern):
            out.append(call)
            continue
        if not isinstance(call, Mapping):
            raise TypeError(f"expect ({step}): call {index + 1} is a dict of an expect "
                            f"step's arguments or an action_pattern(), not {call!r}")
        bot = call.get("bot")
        args = _args(CallArgs, step, **{k: v for k, v in call.items() if k != "bot"})
        out.append(args.pattern(_TestRefs(None, bot)) if bot is not None else args.pattern(refs))
    return out


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

    def action(self, *action: str, params: Mapping[str, Any] | None = None,
               group: int | None = None, user: int | None = None, text: str | None = None,
               contains: str | None = None, regex: str | None = None, at: Mentions = None,
               reply_to: int | None = None, ok: bool | None = None, bot: int | None = None,
               within: Window = None) -> E:
        """``expect``: the bot makes a call like this (consumed: two expectations need
        two calls); checking returns the ``Call``."""
        args = _args(ExpectArgs, "expect", action=action or None, params=params, group=group,
                     user=user, text=text, contains=contains, regex=regex, at=at,
                     reply_to=reply_to, ok=ok, within=within)
        pattern = args.pattern(_TestRefs(None, bot))

        async def check(expect: Expectations) -> Call:
            return await expect.action(pattern, within=args.within)

        return self._build(f"action {pattern.describe()}", check)

    def in_order(self, *calls: Mapping[str, Any] | ActionPattern,
                 within: Window = None) -> E:
        """``expect_in_order``: calls like these one after another (others may come
        between). Each call is a dict of an ``expect`` step's arguments (or an
        ``action_pattern()``); checking returns the ``Call`` list."""
        patterns = _call_patterns(calls, "expect_in_order")
        window = _args(OrderedArgs, "expect_in_order", calls=[{}], within=within).within

        async def check(expect: Expectations) -> list[Call]:
            return await expect.in_order(patterns, within=window)

        return self._build("in order: " + "; ".join(p.describe() for p in patterns), check)

    def any_order(self, *calls: Mapping[str, Any] | ActionPattern,
                  within: Window = None) -> E:
        """``expect_any_order``: distinct calls like every one of these, in any order."""
        patterns = _call_patterns(calls, "expect_any_order")
        window = _args(OrderedArgs, "expect_any_order", calls=[{}], within=within).within

        async def check(expect: Expectations) -> list[Call]:
            return await expect.any_order(patterns, within=window)

        return self._build("any order: " + "; ".join(p.describe() for p in patterns), check)

    def never(self, *action: str, params: Mapping[str, Any] | None = None,
              group: int | None = None, user: int | None = None, text: str | None = None,
              contains: str | None = None, regex: str | None = None, at: Mentions = None,
              reply_to: int | None = None, ok: bool | None = None, bot: int | None = None,
              within: Window = None, until_end: bool | None = None) -> E:
        """``expect_never``: no such call from the build until ``within`` seconds after
        the check (default 0.5). With ``until_end`` the check waits for nothing: build
        it early, check it last, and it covers the whole test in between."""
        args = _args(NeverArgs, "expect_never", action=action or None, params=params,
                     group=group, user=user, text=text, contains=contains, regex=regex, at=at,
                     reply_to=reply_to, ok=ok, within=within, until_end=until_end)
        pattern = args.pattern(_TestRefs(None, bot))
        window = 0.0 if args.until_end else args.within
        mark = self._book.sim.transcript.last

        async def check(expect: Expectations) -> None:
            await expect.never(pattern, during=window)
            expect._raise_if_seen(pattern, mark)  # also what came between build and check

        return self._build(f"never {pattern.describe()}", check)

    def message(self, *, group: int | None = None, to: int | None = None,
                text: str | None = None, contains: str | None = None,
                regex: str | None = None, at: Mentions = None, reply_to: int | None = None,
                within: Window = None) -> E:
        """``expect_message``: the bot posts a message like this in the world (by any
        action); checking returns the ``Said``."""
        args = _args(MessageArgs, "expect_message", group=group, to=to, text=text,
                     contains=contains, regex=regex, at=at, reply_to=reply_to, within=within)
        pattern = MessagePattern(group=args.group, to=args.to,
                                 message=args.text_pattern(_TestRefs(None, None)))

        async def check(expect: Expectations) -> Said:
            return await expect.message(pattern, within=args.within)

        return self._build(pattern.describe(), check)

    def state(self, *, muted: Mapping[str, int] | None = None,
              not_muted: Mapping[str, int] | None = None, whole_muted: int | None = None,
              not_whole_muted: int | None = None, member: Mapping[str, int] | None = None,
              not_member: Mapping[str, int] | None = None,
              admin: Mapping[str, int] | None = None,
              not_admin: Mapping[str, int] | None = None,
              card: Mapping[str, Any] | None = None, title: Mapping[str, Any] | None = None,
              friends: tuple[int, int] | None = None,
              not_friends: tuple[int, int] | None = None,
              request: Mapping[str, str] | None = None, recalled: int | None = None,
              not_recalled: int | None = None, group_name: Mapping[str, Any] | None = None,
              within: Window = None) -> E:
        """``expect_state``: the world comes to hold exactly one condition, e.g.
        ``muted={"group": 100100, "user": 20003}`` or ``friends=(10001, 20004)``;
        ``request={"request": flag, "state": "approved"}`` names a request by its flag."""
        args = _args(StateArgs, "expect_state", muted=muted, not_muted=not_muted,
                     whole_muted=whole_muted, not_whole_muted=not_whole_muted, member=member,
                     not_member=not_member, admin=admin, not_admin=not_admin, card=card,
                     title=title, friends=friends, not_friends=not_friends, request=request,
                     recalled=recalled, not_recalled=not_recalled, group_name=group_name,
                     within=within)
        check_state, description = state_check(_TestRefs(self._book.sim, None), args)

        async def check(expect: Expectations) -> None:
            await expect.state(check_state, description, within=args.within)

        return self._build(f"the world: {description}", check)
