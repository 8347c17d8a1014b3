"""Watching a simulator's bot calls for behaviour real QQ punishes (the rules: ``rules.py``).

``Linter(sim)`` listens to ``Simulator.add_traffic_listener``: it hears each
call after it was answered and recorded, synchronously, and checks it against
every rule not silenced. What it finds is kept in ``found`` (the newest
``MAX_KEPT``), counted in ``counts``, told to listeners and written to the
transcript as a ``lint`` entry, so scenario results, ``qqsim test``'s summary
and JUnit file and the console's inspector all show it beside the call.

Cost on the hot path: event frames are dismissed by one type test; a
successful send costs two deque appends and one pass over its segments; the
checks that read the world (a quoted message's author, a message_id's age,
today's @全体成员 count) run only for calls that quote, name a message_id or
mention everyone, and the failure rules only for failed calls.

Rates are measured on the event loop's clock (``trio.current_time``): it is the
machine's time in a normal run, which is what QQ judges, and a test's
``MockClock`` under pytest-trio. World time would not do: a manual world clock
stands still while a bot floods a group.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import trio

from ..errors import ConfigError, UnknownAction
from ..link import plain_action_name
from ..onebot.codec import to_segments
from ..onebot.context import ActionContext
from ..onebot.dispatch import resolve
from ..onebot.profiles import PROFILES, Profile
from ..traffic import ActionRecord, FrameRecord, TrafficListener
from . import rules as R
from .sends import PRIVATE, SENDS, BotSends, ChatSends, private_by_params, where

if TYPE_CHECKING:
    from ..transcript import Transcript
    from ..world import World

log = logging.getLogger("qqsim.lint")

#: Lints kept in memory (the oldest go first); ``counts`` and ``total`` count them all.
MAX_KEPT = 1000
#: Chats whose send times are kept at most; past it the quiet ones are forgotten.
MAX_CHATS = 4096
#: ``QQSIM_LINT_IGNORE=rule,rule``: rules silenced in every simulator of the process.
IGNORE_ENV = "QQSIM_LINT_IGNORE"

#: A send to a group or person numbered past this names no chat (QQ numbers stay below).
_TARGET_LIMIT = 1 << 40
# The rules' limits read on every send, as globals of this module.
_MAX_TEXT = R.MAX_TEXT
_GROUP_BURST, _GROUP_WINDOW = R.GROUP_BURST, R.GROUP_WINDOW
_TOTAL_BURST, _TOTAL_WINDOW = R.TOTAL_BURST, R.TOTAL_WINDOW
LintListener = Callable[["Lint"], None]


@dataclass(frozen=True)
class Lint:
    """One finding: which rule, about which call (``seq``: its place in the traffic log)."""

    n: int
    rule: str
    message: str
    bot: int
    action: str
    seq: int
    time: int

    def to_json(self) -> dict[str, Any]:
        rule = R.RULES[self.rule]
        return {**asdict(self), "summary": rule.summary, "source": rule.source}

    def warning(self) -> R.QQLintWarning:
        """The pytest warning for it, of the rule's own class."""
        return R.RULES[self.rule].warning(
            f"[qqsim lint {self.rule}] {self.message} (bot {self.bot}, {self.action}); "
            f"silence with QQSIM_LINT_IGNORE={self.rule} or "
            f"-W ignore::{R.RULES[self.rule].warning.__module__.rsplit('.', 1)[0]}."
            f"{R.RULES[self.rule].warning.__name__}")


def unknown_rules(names: Iterable[str]) -> list[str]:
    return sorted(set(names) - set(R.RULES))


def parse_ignore(text: str) -> set[str]:
    """``"a, b"`` as a set of rule ids; ``ConfigError`` naming any that does not exist."""
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = unknown_rules(names)
    if unknown:
        raise ConfigError(f"unknown lint rules {', '.join(unknown)} (know: "
                         f"{', '.join(R.RULES)})")
    return names


class LintHost(Protocol):
    """What a ``Linter`` watches (``Simulator`` is one): its traffic, the world and profile
    the calls met, and the transcript its findings go to."""

    @property
    def world(self) -> World: ...

    @property
    def profile(self) -> Profile: ...

    @property
    def transcript(self) -> Transcript: ...

    def add_traffic_listener(self, listener: TrafficListener) -> None: ...

    def remove_traffic_listener(self, listener: TrafficListener) -> None: ...


class Linter:
    """The lint of one simulator: observe calls, keep findings, tell listeners."""

    def __init__(self, sim: LintHost, ignore: Iterable[str] = ()) -> None:
        self.sim = sim
        self.ignored: set[str] = set(ignore) | parse_ignore(os.environ.get(IGNORE_ENV, ""))
        self.found: deque[Lint] = deque(maxlen=MAX_KEPT)
        self.counts: Counter[str] = Counter()
        self.total = 0
        self._listeners: list[LintListener] = []
        self._routed: dict[tuple[str, str], bool] = {}
        self._world: World | None = None
        self._reset(sim.world)
        sim.add_traffic_listener(self.observe)

    # -- the public surface --------------------------------------------------

    def silence(self, *rules: str) -> None:
        """Stop checking these rules (ids from ``RULES``)."""
        unknown = unknown_rules(rules)
        if unknown:
            raise ConfigError(f"unknown lint rules: {', '.join(unknown)}")
        self.ignored.update(rules)

    def since(self, n: int) -> list[Lint]:
        """Lints numbered after ``n`` that are still kept."""
        return [lint for lint in self.found if lint.n > n]

    def add_listener(self, listener: LintListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: LintListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def close(self) -> None:
        self.sim.remove_traffic_listener(self.observe)

    # -- observing -------------------------------------------------------------

    def _reset(self, world: World) -> None:
        """A new world (a scenario's reset): rates and ids start again."""
        self._world = world
        #: Action names as called -> plain names (``send_msg_async``: ``send_msg``); a reset
        #: may bring another profile, with other suffixes.
        self._names: dict[str, str] = {}
        # A send's state is one object per bot and one per chat, found by two look-ups
        # keyed by plain numbers: a send allocates nothing once its chat is known.
        self._bots: dict[int, BotSends] = {}
        self._chats = 0  # chats held in all the bots' ``groups`` and ``people``
        self._send_failures: dict[tuple[int, int, bool], deque[float]] = {}
        self._failed: dict[tuple[int, str], tuple[Any, float]] = {}
        # Ids of messages stored before this process opened the world (a --db restart).
        self._first_row = _max_row(world) + 1 if world.restored else 0

    def observe(self, record: ActionRecord | FrameRecord) -> None:
        if type(record) is not ActionRecord:
            return
        try:  # one call per record: the checks below are inline
            world = self.sim.world
            if world is not self._world:
                self._reset(world)
            name = self._names.get(record.action)
            if name is None:
                name = plain_action_name(record.action, self.sim.profile)
                if len(self._names) < MAX_CHATS:  # a bot inventing names cannot grow it
                    self._names[record.action] = name
            params = record.params if type(record.params) is dict else {}
            response = record.response
            failed = bool(response) and response.get("status") != "ok"
            if name in SENDS:
                try:
                    now = trio.current_time()  # ``_now``, without its call
                except RuntimeError:
                    now = time.monotonic()
                if self._failed:
                    self._check_repeat(record, name, params, now)
                self._check_send(record, name, params, failed, now)
            elif failed or self._failed:  # read the clock only when a rule needs it
                now = _now()
                if self._failed:
                    self._check_repeat(record, name, params, now)
            else:
                now = 0.0
            if "message_id" in params:
                self._check_stale(record, params["message_id"])
            if failed:
                self._failed_call(record, name, params, now)
        except Exception:  # a lint must never break the call it watches
            log.exception("the linter failed on %.80r; that call is not linted",
                          record.action)

    def _failed_call(self, record: ActionRecord, name: str, params: dict[str, Any],
                     now: float) -> None:
        if len(self._failed) > MAX_CHATS:  # a bot inventing action names
            self._failed.clear()
        self._failed[(record.bot_id, name)] = (params, now)
        profile = self.sim.profile
        if not self._is_routed(record.action, profile):
            others = [p for p in PROFILES.values()
                      if p is not profile and self._is_routed(record.action, p)]
            hint = f" ({', '.join(p.name for p in others)} routes it)" if others else ""
            self._report("unrouted-action", record,
                         f"{profile.name} does not route {record.action!r}{hint}")

    def _report(self, rule: str, record: ActionRecord, message: str) -> None:
        if rule in self.ignored:
            return
        self.total += 1
        # A bot may send any string, a lone surrogate too: keep lints encodable as UTF-8
        # (pytest's warnings cross process boundaries under xdist, the console is JSON).
        message, action = _encodable(message), _encodable(str(record.action))
        lint = Lint(self.total, rule, message, record.bot_id, action, record.seq, record.time)
        self.found.append(lint)
        self.counts[rule] += 1
        log.warning("lint %s: %s (bot %s, %s)", rule, message, record.bot_id, action)
        self.sim.transcript.add("lint", rule=rule, message=message, bot=record.bot_id,
                                action=action, seq=record.seq)
        for listener in list(self._listeners):
            listener(lint)

    # -- the rules -------------------------------------------------------------------

    def _check_send(self, record: ActionRecord, name: str, params: dict[str, Any],
                    failed: bool, now: float) -> None:
        private = PRIVATE[name]
        if private is None:  # send_msg, send_forward_msg: the parameters say
            private = private_by_params(params)
        target = None if private is None else params.get("user_id" if private else "group_id")
        if type(target) is not int:
            target = _int(target)
        message = params.get("message")
        if type(message) is str and "[CQ:" not in message:
            # The common case: plain text, nothing to parse or allocate.
            text, mentions_all, quoted = message, False, None
        else:
            text, mentions_all, quoted = _read_message(message)
        if len(text) > _MAX_TEXT:
            self._report("message-too-long", record,
                         f"{len(text)} characters of text (QQ accepts about {R.MAX_TEXT})")
        if quoted is not None:
            self._check_quote(record, quoted)
        if not target or target >= _TARGET_LIMIT or private is None:
            return  # no valid chat: nothing was sent
        if failed:
            self._check_retry_loop(record, (record.bot_id, target, private), now)
            return
        bot = self._bots.get(record.bot_id)
        if bot is None:
            bot = self._bots[record.bot_id] = BotSends()
        chat = (bot.people if private else bot.groups).get(target)
        if chat is None:
            chat = self._new_chat(bot.people if private else bot.groups, target, private, now)
        # The rates, inline (reported once per flood). Each deque holds the newest BURST+1
        # send times: the window holds more than BURST sends exactly when the oldest of
        # them is still inside it (no counting, no pops).
        times = chat.times
        times.append(now)
        if len(times) > _GROUP_BURST and times[0] > now - _GROUP_WINDOW:
            if not chat.flooded:
                self._group_flooded(record, chat)
        elif chat.flooded:
            chat.flooded = False
        every = bot.times
        every.append(now)
        if len(every) > _TOTAL_BURST and every[0] > now - _TOTAL_WINDOW:
            if not bot.flooded:
                self._total_flooded(record, bot)
        elif bot.flooded:
            bot.flooded = False
        if mentions_all and not private:
            self._check_at_all(record, target)
        # The self-reply echo rule, inline (one call less on every send).
        text = text.strip()
        said = chat.text
        chat.text = text
        if said is not None and len(said) >= 4 and said in text and text != said:
            self._check_echo(record, said, chat.when, now)
        chat.when = now

    def _new_chat(self, chats: dict[int, ChatSends], target: int, private: bool,
                  now: float) -> ChatSends:
        if self._chats > MAX_CHATS:
            self._forget_quiet_chats(now)
        self._chats += 1
        chat = chats[target] = ChatSends(target, private)
        return chat

    def _group_flooded(self, record: ActionRecord, chat: ChatSends) -> None:
        chat.flooded = True
        self._report("group-send-rate", record,
                     f"{len(chat.times)} messages to {where(chat.private, chat.target)} "
                     f"within {R.GROUP_WINDOW:g}s (at most {R.GROUP_BURST})")

    def _total_flooded(self, record: ActionRecord, bot: BotSends) -> None:
        bot.flooded = True
        self._report("total-send-rate", record,
                     f"{len(bot.times)} messages within {R.TOTAL_WINDOW:g}s "
                     f"(at most {R.TOTAL_BURST})")

    def _forget_quiet_chats(self, now: float) -> None:
        held = 0
        for bot in self._bots.values():
            for chats in (bot.groups, bot.people):
                for target, chat in list(chats.items()):
                    if not chat.times or chat.times[-1] <= now - R.GROUP_WINDOW:
                        del chats[target]
                held += len(chats)
        self._chats = held

    def _check_at_all(self, record: ActionRecord, group_id: int) -> None:
        world = self.sim.world
        member = world.groups.find_member(group_id, record.bot_id)
        if member is not None and not member.is_admin:
            self._report("at-all-quota", record,
                         f"@全体成员 in group {group_id}, where the bot is not an admin")
            return
        # The world's own quota rule (what get_group_at_all_remain answers), the send counted.
        used = world.group_extras.at_all_used(group_id, record.bot_id)
        if used.exceeded:
            from ..world.group_extras import AT_ALL_PER_GROUP  # lazy: start-up, as the service

            self._report("at-all-quota", record,
                         f"@全体成员 number {used.by_group} today in group {group_id} "
                         f"(QQ allows {AT_ALL_PER_GROUP} a day)")

    def _check_quote(self, record: ActionRecord, quoted: Any) -> None:
        found = self._stored(quoted)
        if found is None:
            return
        message_id, row, sender = found
        self._check_age(record, message_id, row)
        if sender == record.bot_id:
            self._report("self-reply", record,
                         f"the bot quotes its own message {message_id}")

    def _check_echo(self, record: ActionRecord, said: str, when: float, now: float) -> None:
        """A reply that holds what the bot itself said just before (``you said: you said:``):
        ``said`` (4 characters or more) is within the new text and not all of it."""
        if now - when <= R.ECHO_WINDOW:
            self._report("self-reply", record,
                         f"the bot's message repeats its own previous one ({_short(said)!r}) "
                         f"within {R.ECHO_WINDOW:g}s: does it answer its own messages?")

    def _check_retry_loop(self, record: ActionRecord, chat: tuple[int, int, bool],
                          now: float) -> None:
        times = self._send_failures.get(chat)
        if times is None:
            if len(self._send_failures) > MAX_CHATS:
                self._send_failures.clear()
            times = self._send_failures[chat] = deque(maxlen=R.RETRY_LOOP_COUNT + 1)
        if _count_within(times, now, R.RETRY_WINDOW) == R.RETRY_LOOP_COUNT:
            self._report("retry-loop", record,
                         f"{R.RETRY_LOOP_COUNT} failed sends to {where(chat[2], chat[1])} within "
                         f"{R.RETRY_WINDOW:g}s: back off (a failed send may have been "
                         "delivered)")

    def _check_repeat(self, record: ActionRecord, name: str, params: dict[str, Any],
                      now: float) -> None:
        key = (record.bot_id, name)
        failed = self._failed.pop(key, None)
        if failed is None:
            return
        before, when = failed
        if now - when <= R.REPEAT_WINDOW and before == params:
            self._report("repeat-after-failure", record,
                         f"{name} called again with the same parameters "
                         f"{(now - when) * 1000:.0f} ms after it failed")

    def _stored(self, value: Any) -> tuple[int, int, int] | None:
        """A message id's (id, row, sender) as stored; one indexed look-up, no snapshot."""
        message_id = _int(value)
        if message_id is None:
            return None
        found = self.sim.world.core.conn.execute(
            "SELECT id, sender_id FROM message WHERE message_id = ?", (message_id,)).fetchone()
        return None if found is None else (message_id, int(found[0]), int(found[1]))

    def _check_stale(self, record: ActionRecord, value: Any) -> None:
        found = self._stored(value)
        if found is not None:
            self._check_age(record, found[0], found[1])

    def _check_age(self, record: ActionRecord, message_id: int, row: int) -> None:
        world = self.sim.world
        if row < self._first_row:
            self._report("stale-message-id", record,
                         f"message_id {message_id} is from before qqsim restarted: NapCat "
                         "forgets ids on restart")
        elif _latest_row(world) - row >= R.NAPCAT_ID_CACHE:
            self._report("stale-message-id", record,
                         f"message_id {message_id} is older than the newest "
                         f"{R.NAPCAT_ID_CACHE} messages NapCat remembers")

    def _is_routed(self, action: str, profile: Profile) -> bool:
        key = (profile.name, action)
        routed = self._routed.get(key)
        if routed is None:
            try:
                resolve(action, cast(ActionContext, _ProfileOnly(profile)))
                routed = True
            except UnknownAction:
                routed = False
            if len(self._routed) < MAX_CHATS:  # a bot inventing names cannot grow it
                self._routed[key] = routed
        return routed


@dataclass(frozen=True)
class _ProfileOnly:
    """What ``dispatch.resolve`` reads of an action context: its profile."""

    profile: Profile


def _now() -> float:
    try:
        return trio.current_time()
    except RuntimeError:  # outside trio: a simulator driven by hand (rare, so raising is fine)
        return time.monotonic()


def _count_within(times: deque[float], now: float, window: float) -> int:
    times.append(now)
    while times and times[0] <= now - window:
        times.popleft()
    return len(times)


def _read_message(message: Any) -> tuple[str, bool, Any]:
    """A message's text, whether it mentions everyone, and the id it quotes."""
    texts: list[str] = []
    mentions_all, quoted = False, None
    for segment in _segments(message):
        kind, data = segment.get("type"), segment.get("data") or {}
        if kind == "text":
            texts.append(str(data.get("text", "")))
        elif kind == "at" and str(data.get("qq")) == "all":
            mentions_all = True
        elif kind == "reply":
            quoted = data.get("id")
    return "".join(texts), mentions_all, quoted


def _segments(message: Any) -> list[dict[str, Any]]:
    if type(message) is list:
        return [s for s in message if type(s) is dict]  # only for messages with segments
    if type(message) is dict:
        return [message]
    if isinstance(message, str):
        if "[CQ:" not in message:
            return [{"type": "text", "data": {"text": message}}]
        try:
            return [dict(s) for s in to_segments(message)]
        except Exception:  # a malformed CQ string: the action refused it already
            return []
    return []


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _latest_row(world: World) -> int:
    # The store's own cached counter (sending keeps it), not a MAX() query per quoted send.
    return world.messages._next_row_id() - 1


def _max_row(world: World) -> int:
    found = world.core.conn.execute("SELECT MAX(id) FROM message").fetchone()[0]
    return int(found or 0)


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
