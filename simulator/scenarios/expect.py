"""Checking what a bot did, with a clear report when it did not.

Plain Python over ``Simulator``'s public surface, shared by scenario files and
tests::

    expect = Expectations(sim, bot=10001)
    call = await expect.action(ActionPattern(action=("send_*",), text="pong"), within=5)
    await expect.never(ActionPattern(action=("set_group_kick",)), during=1)
    said = await expect.message(MessagePattern(group=100100, contains="pong"))
    await expect.state(lambda: (member_is_muted(), "20003 is not muted"), "20003 muted")

Calls and the bot's messages are read from the transcript as they happen.
Each matched call (or message) is consumed, so two ``pong`` expectations need
two pongs. ``within`` is real time: the bot under test runs on the machine's
clock. When an expectation fails, ``ExpectationFailed`` carries a report: what
was expected, the nearest thing the bot did and how it differed, and the
transcript around it. Create an ``Expectations`` after ``Simulator.reset``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from ..transcript import Entry, render_text
from .patterns import (
    ActionPattern,
    Call,
    ExpectationFailed,
    Match,
    MessagePattern,
    Said,
    Segment,
    TextPattern,
    call_segments,
    match_action,
    match_message,
    mentions,
    message_text,
    reply_target,
    same,
)

if TYPE_CHECKING:
    from .host import ScenarioHost

T = TypeVar("T")

__all__ = [
    "ActionPattern", "Call", "ExpectationFailed", "Expectations", "Match", "MessagePattern",
    "Said", "Segment", "TextPattern", "call_segments", "match_action", "match_message",
    "mentions", "message_text", "reply_target", "same",
]


# -- waiting for them -------------------------------------------------------------


StateCheck = Callable[[], tuple[bool, str]]


class Expectations:
    """The bot's calls and messages since creation, and awaitable checks over them."""

    def __init__(self, sim: ScenarioHost, *, bot: int | None = None, within: float = 5.0) -> None:
        self.sim = sim
        self.bot = bot
        self.within = within
        self.calls: list[Call] = []
        self.said: list[Said] = []
        self._used_calls: set[int] = set()
        self._used_said: set[int] = set()
        self._nevers: list[tuple[ActionPattern, int]] = []
        sim.transcript.add_listener(self._hear)

    def close(self) -> None:
        self.sim.transcript.remove_listener(self._hear)

    def _hear(self, entry: Entry) -> None:
        if entry["kind"] == "action" and (self.bot is None or entry["bot"] == self.bot):
            self.calls.append(Call.of(entry))
        elif entry["kind"] == "world" and entry["type"] == "MessageCreated":
            sender = entry["facts"]["message"]["sender_id"]
            # Any bot when none is named: a person's own message is never the bot's reply.
            if sender == self.bot or (self.bot is None
                                      and sender in self.sim.world.accounts.bot_ids()):
                self.said.append(Said.of(entry))

    # -- calls ---------------------------------------------------------------------

    def _first(self, pattern: ActionPattern, after: int = 0,
               taken: set[int] | None = None) -> Call | None:
        taken = self._used_calls if taken is None else taken
        for call in self.calls:
            if call.n > after and call.n not in taken and match_action(call, pattern).ok:
                return call
        return None

    async def action(self, pattern: ActionPattern, *, within: float | None = None) -> Call:
        """Wait until the bot makes a call matching ``pattern``; consume and return it."""
        found = await self._wait(lambda: self._first(pattern), within)
        if found is None:
            raise self._call_report(pattern, within, self.calls)
        self._used_calls.add(found.n)
        return found

    async def in_order(self, patterns: Sequence[ActionPattern], *,
                       within: float | None = None) -> list[Call]:
        """Wait for calls matching ``patterns`` one after the other (others may come between)."""

        def ordered() -> list[Call | None]:
            out: list[Call | None] = []
            after = 0
            for pattern in patterns:
                call = self._first(pattern, after)
                out.append(call)
                if call is None:
                    break
                after = call.n
            return out

        def complete() -> list[Call] | None:
            calls = ordered()
            found = [c for c in calls if c is not None]
            return found if len(found) == len(patterns) else None

        found = await self._wait(complete, within)
        if found is None:
            partial = ordered()
            index = len(partial) - 1
            previous = partial[index - 1] if index > 0 else None
            after = previous.n if previous is not None else 0
            later = [c for c in self.calls if c.n > after]
            raise self._call_report(patterns[index], within, later,
                                    lead=f"call {index + 1} of {len(patterns)} in order")
        self._used_calls.update(c.n for c in found)
        return found

    async def any_order(self, patterns: Sequence[ActionPattern], *,
                        within: float | None = None) -> list[Call]:
        """Wait for distinct calls matching every pattern, in any order."""
        found = await self._wait(lambda: self._assign(patterns), within)
        if found is None:
            unmatched = self._unassignable(patterns)
            raise self._call_report(patterns[unmatched], within, self.calls,
                                    lead=f"call {unmatched + 1} of {len(patterns)} in any order")
        self._used_calls.update(c.n for c in found)
        return found

    def _assign(self, patterns: Sequence[ActionPattern]) -> list[Call] | None:
        """A call per pattern, all distinct (augmenting paths: a greedy pick can block)."""
        owner: dict[int, int] = {}  # call n -> pattern index
        options = [[c for c in self.calls if c.n not in self._used_calls
                    and match_action(c, p).ok] for p in patterns]

        def place(index: int, seen: set[int]) -> bool:
            for call in options[index]:
                if call.n in seen:
                    continue
                seen.add(call.n)
                if call.n not in owner or place(owner[call.n], seen):
                    owner[call.n] = index
                    return True
            return False

        if not all(place(i, set()) for i in range(len(patterns))):
            return None
        by_pattern = {index: n for n, index in owner.items()}
        calls = {c.n: c for c in self.calls}
        return [calls[by_pattern[i]] for i in range(len(patterns))]

    def _unassignable(self, patterns: Sequence[ActionPattern]) -> int:
        for count in range(1, len(patterns) + 1):
            if self._assign(patterns[:count]) is None:
                return count - 1
        return 0

    async def never(self, pattern: ActionPattern, *, during: float = 0.0,
                    until_end: bool = False) -> None:
        """The bot makes no matching call for ``during`` seconds (real time) from now;
        with ``until_end``, ``check_nevers`` keeps watching to the end.
        """
        mark = self.sim.transcript.last
        if until_end:
            self._nevers.append((pattern, mark))
        if during > 0:
            await trio.sleep(during)
        self._raise_if_seen(pattern, mark)

    def check_nevers(self) -> None:
        """Re-check every ``never`` against everything the bot has done since."""
        for pattern, mark in self._nevers:
            self._raise_if_seen(pattern, mark)

    def _raise_if_seen(self, pattern: ActionPattern, mark: int) -> None:
        seen = next((c for c in self.calls if c.n > mark and match_action(c, pattern).ok), None)
        if seen is not None:
            raise _failed([f"expected never: {pattern.describe()}",
                           f"but the bot did: {seen.describe()}"],
                          ["transcript around it:", self._context(seen.n)])

    # -- messages and state --------------------------------------------------------

    async def message(self, pattern: MessagePattern, *, within: float | None = None) -> Said:
        """Wait until the bot posts a message matching ``pattern``; consume and return it."""

        def first() -> Said | None:
            return next((s for s in self.said if s.n not in self._used_said
                         and match_message(s, pattern).ok), None)

        found = await self._wait(first, within)
        if found is None:
            candidates = [s for s in self.said if s.n not in self._used_said]
            lines = [f"expected: {pattern.describe()} (within {self._within(within):g}s)"]
            nearest = _nearest(candidates, lambda s: match_message(s, pattern))
            if nearest is None:
                lines.append("but the bot posted no message")
                context = ["transcript (latest):", self._context(self.sim.transcript.last)]
            else:
                said, match = nearest
                lines += [f"nearest: {said.describe()}", *[f"  - {m}" for m in match.misses]]
                context = ["transcript around it:", self._context(said.n)]
            raise _failed(lines, context)
        self._used_said.add(found.n)
        return found

    async def state(self, check: StateCheck, description: str, *,
                    within: float | None = None) -> None:
        """Wait until ``check()`` holds; it returns (holds, what the world says instead)."""
        found = await self._wait(lambda: True if check()[0] else None, within)
        if found is None:
            actual = check()[1]
            raise _failed([f"expected the world: {description} "
                           f"(within {self._within(within):g}s)", f"but: {actual}"],
                          ["transcript (latest):", self._context(self.sim.transcript.last)])

    # -- helpers -------------------------------------------------------------------

    def _within(self, within: float | None) -> float:
        return self.within if within is None else within

    async def _wait(self, find: Callable[[], T | None], within: float | None) -> T | None:
        result = find()
        if result is not None:
            return result
        with trio.move_on_after(self._within(within)):
            await self.sim.wait_until(lambda: find() is not None)
        return find()

    def _call_report(self, pattern: ActionPattern, within: float | None,
                     candidates: Iterable[Call], lead: str = "") -> ExpectationFailed:
        pool = [c for c in candidates if c.n not in self._used_calls]
        head = f"expected{' ' + lead if lead else ''}: {pattern.describe()}"
        lines = [f"{head} (within {self._within(within):g}s)"]
        nearest = _nearest(pool, lambda c: match_action(c, pattern))
        if nearest is None:
            lines.append("but the bot made no other call" if self.calls
                         else "but the bot made no call at all")
            context = ["transcript (latest):", self._context(self.sim.transcript.last)]
        else:
            call, match = nearest
            lines += [f"nearest: {call.describe()}", *[f"  - {m}" for m in match.misses]]
            context = ["transcript around it:", self._context(call.n)]
        return _failed(lines, context)

    def _context(self, n: int) -> str:
        entries = self.sim.transcript.around(n)
        origin = entries[0]["time"] if entries else 0
        text = render_text(entries, origin)
        return "\n".join("  " + line for line in text.splitlines()) or "  (empty)"


def _failed(lines: list[str], context: list[str]) -> ExpectationFailed:
    """The failure: ``lines`` say what went wrong, ``context`` is the transcript near it."""
    return ExpectationFailed("\n".join(lines + context), summary="\n".join(lines))


def _nearest(items: Sequence[Any], compare: Callable[[Any], Match]) -> tuple[Any, Match] | None:
    """The best-scoring item (the latest on a tie)."""
    best: tuple[Any, Match] | None = None
    for item in items:
        match = compare(item)
        if best is None or match.score >= best[1].score:
            best = (item, match)
    return best
