"""Faults: QQ's failures on demand, for a bot's calls and on the wire.

A ``FaultPlan`` (``sim.faults``) holds armed ``Fault``s. Each fault has a kind
from a closed set and a selector saying which occasions it takes:

* the next occasion (the default), or the next ``times`` occasions;
* each occasion with a seeded ``probability`` (the same seed gives the same
  sequence of hits, run after run);
* every occasion inside a window of *world* time (``start``/``end``), so a
  window opens and closes as the world clock moves, advanced or not.

Selectors combine: a fault with a window and ``times: 2`` takes the first two
occasions inside the window. An occasion depends on the level:

* action level (a bot's call, where it enters ``BotLink.handle``): ``fail``
  (answered with a chosen retcode and text, nothing done), ``delay`` (answered
  after ``seconds`` of real time, the bot's own timeouts being real), ``no_reply``
  (never answered, nothing done), ``fail_delivered`` (done, then answered as a
  failure: QQ's "risk control" case where the message still arrives), and
  ``rate_limit`` (at most ``limit`` calls per ``per`` seconds of world time; the
  rest fail);
* event level (an event frame about to go to a connection): ``drop_connection``
  (the connection closes; the frame is lost), ``malformed_frame`` (the frame goes
  out cut in half), ``duplicate_events`` (it goes out twice), ``reorder_events``
  (it is held back and goes out right after the connection's next event);
* heartbeat level: ``stop_heartbeats`` (the heartbeat is not sent);
* webhook level (an HTTP POST of an event): ``webhook_timeout`` (the post is
  abandoned as if the receiver never answered; the bot never gets the event)
  and ``webhook_error`` (the receiver's answer is taken as HTTP ``status``, 5xx
  by default: the event was delivered but any quick operation is dropped).

Adapters apply the wire levels; one that cannot apply a fault makes
``FaultPlan.add`` raise ``FaultNotSupported`` rather than ignore it.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .catalogue.napcat import render
from .errors import SimulatorError, Why


class FaultNotSupported(SimulatorError):
    """A fault was asked of a connection (or adapter) that cannot apply it."""


class FaultKind(StrEnum):
    FAIL = "fail"
    DELAY = "delay"
    NO_REPLY = "no_reply"
    FAIL_DELIVERED = "fail_delivered"
    RATE_LIMIT = "rate_limit"
    DROP_CONNECTION = "drop_connection"
    MALFORMED_FRAME = "malformed_frame"
    DUPLICATE_EVENTS = "duplicate_events"
    REORDER_EVENTS = "reorder_events"
    STOP_HEARTBEATS = "stop_heartbeats"
    WEBHOOK_TIMEOUT = "webhook_timeout"
    WEBHOOK_ERROR = "webhook_error"


class Level(StrEnum):
    ACTION = "action"
    EVENT = "event"
    HEARTBEAT = "heartbeat"
    WEBHOOK = "webhook"


LEVEL: dict[FaultKind, Level] = {
    FaultKind.FAIL: Level.ACTION,
    FaultKind.DELAY: Level.ACTION,
    FaultKind.NO_REPLY: Level.ACTION,
    FaultKind.FAIL_DELIVERED: Level.ACTION,
    FaultKind.RATE_LIMIT: Level.ACTION,
    FaultKind.DROP_CONNECTION: Level.EVENT,
    FaultKind.MALFORMED_FRAME: Level.EVENT,
    FaultKind.DUPLICATE_EVENTS: Level.EVENT,
    FaultKind.REORDER_EVENTS: Level.EVENT,
    FaultKind.STOP_HEARTBEATS: Level.HEARTBEAT,
    FaultKind.WEBHOOK_TIMEOUT: Level.WEBHOOK,
    FaultKind.WEBHOOK_ERROR: Level.WEBHOOK,
}

#: Event-level faults any adapter that sends event frames through ``BotLink.outgoing`` applies.
FRAME_FAULTS = frozenset({FaultKind.MALFORMED_FRAME, FaultKind.DUPLICATE_EVENTS,
                          FaultKind.REORDER_EVENTS})
#: What a webhook (HTTP POST) adapter applies: frame faults, its own, and heartbeats.
WEBHOOK_FAULTS = FRAME_FAULTS | {FaultKind.WEBHOOK_TIMEOUT, FaultKind.WEBHOOK_ERROR,
                                 FaultKind.STOP_HEARTBEATS}

#: NapCat's text for a kernel call that never came back (napcat.md §3.3).
TIMEOUT_TEXT = render(Why.KERNEL_TIMEOUT, {})
#: NapCat's text when the kernel sent a message but its confirmation did not arrive in time:
#: the bot is told the send failed although the message is in the chat.
SEND_TIMEOUT_TEXT = render(Why.SEND_TIMEOUT, {})


@dataclass(frozen=True)
class Fault:
    """One fault and its selector. Times (``start``/``end``) are world time in seconds.

    ``action`` (action level only) is an action name or glob (``send_*``), or
    several; aliases such as ``send_msg_async`` match their plain name.
    ``bot`` and ``connection`` (an adapter's ``name``) narrow where it applies.
    """

    kind: FaultKind
    action: str | tuple[str, ...] | None = None
    bot: int | None = None
    connection: str | None = None
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    start: float | None = None
    end: float | None = None
    retcode: int | None = None
    message: str | None = None
    seconds: float = 0.0
    limit: int = 0
    per: float = 0.0
    status: int = 503
    label: str = ""
    id: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if isinstance(self.action, list):
            object.__setattr__(self, "action", tuple(self.action))
        problem = self._problem()
        if problem:
            raise ValueError(f"{self.kind}: {problem}")

    def _problem(self) -> str:
        if self.action is not None and self.level is not Level.ACTION:
            return "only action-level faults name an action"
        if self.times is not None and self.times < 1:
            return "times must be at least 1"
        if self.probability is not None and not 0 <= self.probability <= 1:
            return "probability must be between 0 and 1"
        if self.start is not None and self.end is not None and self.end <= self.start:
            return "the window ends before it starts"
        if self.kind is FaultKind.RATE_LIMIT and (self.limit < 0 or self.per <= 0):
            return "give limit (calls, 0 or more) and per (seconds, more than 0)"
        if self.kind is FaultKind.DELAY and self.seconds <= 0:
            return "give seconds (more than 0)"
        if self.kind is FaultKind.WEBHOOK_ERROR and not 100 <= self.status <= 599:
            return "status must be an HTTP status code"
        return ""

    @property
    def level(self) -> Level:
        return LEVEL[self.kind]

    @property
    def actions(self) -> tuple[str, ...]:
        if self.action is None:
            return ()
        return (self.action,) if isinstance(self.action, str) else self.action

    def matches_action(self, name: str) -> bool:
        return not self.actions or any(fnmatch.fnmatchcase(name, p) for p in self.actions)

    def describe(self) -> str:
        """One readable line, as transcripts and reports print it."""
        parts = [self.label or str(self.kind)]
        if self.actions:
            parts.append("|".join(self.actions))
        for key in ("bot", "connection", "times", "probability", "retcode", "limit"):
            value = getattr(self, key)
            if value not in (None, 0, ""):
                parts.append(f"{key}={value}")
        if self.kind is FaultKind.RATE_LIMIT:
            parts.append(f"per={self.per:g}s")
        if self.kind is FaultKind.DELAY:
            parts.append(f"seconds={self.seconds:g}")
        if self.end is not None:
            parts.append(f"until={self.end:.0f}")
        return " ".join(parts)


@dataclass(frozen=True)
class FaultApplied:
    """A fault took an occasion: what, where, when (world time)."""

    fault: Fault
    bot: int
    connection: str
    action: str | None
    time: float
    count: int


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None
    rng: random.Random
    calls: deque[float] = field(default_factory=deque)
    taken: int = 0


#: Checks that some adapter can apply a fault; raises ``FaultNotSupported`` if not.
Validator = Callable[[Fault], None]
AppliedListener = Callable[[FaultApplied], None]

#: How many applied faults ``FaultPlan.applied`` keeps, and how much of each action name.
APPLIED_KEPT = 1000
APPLIED_ACTION_CHARS = 100


class FaultPlan:
    """The armed faults of one simulator, consulted wherever a fault can apply."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._armed: list[_Armed] = []
        #: Whether any fault is armed: a call's hot path reads this before anything else
        #: (kept by ``_arm_list``, the one place ``_armed`` changes length).
        self.armed = False
        self._ids = itertools.count(1)
        #: The latest occasions faults took. Bounded in bytes as well as in count: each
        #: entry is a few hundred bytes (the Fault is shared with ``_armed``, the action
        #: name cut to ``APPLIED_ACTION_CHARS``), so at most ~0.5 MB.
        self.applied: deque[FaultApplied] = deque(maxlen=APPLIED_KEPT)
        self.validator: Validator | None = None
        self._listeners: list[AppliedListener] = []

    # -- arming ------------------------------------------------------------

    def add(self, fault: Fault) -> Fault:
        """Arm ``fault``; with no selector at all it takes only the next occasion."""
        if fault.times is None and fault.probability is None and fault.end is None \
                and fault.kind is not FaultKind.RATE_LIMIT:
            fault = replace(fault, times=1)
        if self.validator is not None:
            self.validator(fault)
        fault = replace(fault, id=next(self._ids))
        self._arm_list([*self._armed, _Armed(fault, fault.times, random.Random(fault.seed))])
        return fault

    def remove(self, fault: Fault) -> None:
        self._arm_list([a for a in self._armed if a.fault.id != fault.id])

    def clear(self) -> None:
        self._arm_list([])

    def _arm_list(self, armed: list[_Armed]) -> None:
        self._armed = armed
        self.armed = bool(armed)

    @property
    def active(self) -> list[Fault]:
        """Faults still armed (not used up, window not over)."""
        self._expire()
        return [a.fault for a in self._armed]

    def add_listener(self, listener: AppliedListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: AppliedListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # -- consulting --------------------------------------------------------

    def take_action(self, bot: int, connection: str, action: str) -> Fault | None:
        """The fault that takes this call, if any (at most one per call)."""
        return self._take(Level.ACTION, bot, connection, action)

    def take_event(self, bot: int, connection: str) -> Fault | None:
        """The fault that takes this event frame, if any."""
        return self._take(Level.EVENT, bot, connection, None)

    def take_heartbeat(self, bot: int, connection: str) -> Fault | None:
        return self._take(Level.HEARTBEAT, bot, connection, None)

    def take_webhook(self, bot: int, connection: str) -> Fault | None:
        return self._take(Level.WEBHOOK, bot, connection, None)

    def pending(self, level: Level, bot: int, connection: str) -> list[Fault]:
        """Armed faults of ``level`` that could apply to this bot and connection."""
        self._expire()
        return [a.fault for a in self._armed
                if a.fault.level is level and _targets(a.fault, bot, connection)]

    def _take(self, level: Level, bot: int, connection: str, action: str | None) -> Fault | None:
        if not self._armed:
            return None  # every call and frame asks: nothing armed costs no clock reading
        now = self._now()
        self._expire(now)
        for armed in self._armed:
            fault = armed.fault
            if fault.level is not level or not _targets(fault, bot, connection):
                continue
            if action is not None and not fault.matches_action(action):
                continue
            if fault.start is not None and now < fault.start:
                continue
            if not self._fires(armed, now):
                continue
            armed.taken += 1
            if armed.remaining is not None:
                armed.remaining -= 1
            if action is not None and len(action) > APPLIED_ACTION_CHARS:
                action = action[:APPLIED_ACTION_CHARS]  # a name a bot sent: any length
            applied = FaultApplied(fault, bot, connection, action, now, armed.taken)
            self.applied.append(applied)
            for listener in list(self._listeners):
                listener(applied)
            self._expire(now)
            return fault
        return None

    @staticmethod
    def _fires(armed: _Armed, now: float) -> bool:
        fault = armed.fault
        if fault.kind is FaultKind.RATE_LIMIT:
            while armed.calls and armed.calls[0] <= now - fault.per:
                armed.calls.popleft()
            if len(armed.calls) < fault.limit:
                armed.calls.append(now)  # allowed: it counts toward the limit
                return False
            return True
        # Roll only for occasions that otherwise match, so a seed gives the same hits.
        return fault.probability is None or armed.rng.random() < fault.probability

    def _expire(self, now: float | None = None) -> None:
        now = self._now() if now is None else now
        self._arm_list([
            a for a in self._armed
            if (a.remaining is None or a.remaining > 0)
            and (a.fault.end is None or now < a.fault.end)
        ])

    # -- conveniences (the same faults, as one call each) --------------------

    def _window(self, during: float | None, after: float) -> dict[str, Any]:
        if during is None and not after:
            return {}
        start = self._now() + after
        return {"start": start, "end": None if during is None else start + during}

    def _arm(self, kind: FaultKind, *, during: float | None = None, after: float = 0,
             **fields: Any) -> Fault:
        return self.add(Fault(kind, **fields, **self._window(during, after)))

    def fail(self, action: str | Iterable[str] | None = None, *, retcode: int | None = None,
             message: str | None = None, **selector: Any) -> Fault:
        """The matching call fails with ``retcode`` (default: the runtime-failure code)."""
        return self._arm(FaultKind.FAIL, action=_names(action), retcode=retcode,
                         message=message, **selector)

    def delay(self, action: str | Iterable[str] | None = None, *, seconds: float,
              **selector: Any) -> Fault:
        """The matching call is answered ``seconds`` (real time) late."""
        return self._arm(FaultKind.DELAY, action=_names(action), seconds=seconds, **selector)

    def no_reply(self, action: str | Iterable[str] | None = None, **selector: Any) -> Fault:
        """The matching call is never answered (and not carried out)."""
        return self._arm(FaultKind.NO_REPLY, action=_names(action), **selector)

    def fail_delivered(self, action: str | Iterable[str] | None = "send_*", *,
                       retcode: int | None = None, message: str | None = None,
                       **selector: Any) -> Fault:
        """Risk control: the call is carried out but answered as a failure."""
        return self._arm(FaultKind.FAIL_DELIVERED, action=_names(action), retcode=retcode,
                         message=message, **selector)

    def rate_limit(self, action: str | Iterable[str] | None = None, *, limit: int, per: float,
                   retcode: int | None = None, message: str | None = None,
                   **selector: Any) -> Fault:
        """At most ``limit`` matching calls per ``per`` seconds of world time; the rest fail."""
        return self._arm(FaultKind.RATE_LIMIT, action=_names(action), limit=limit, per=per,
                         retcode=retcode, message=message, **selector)

    def drop_connection(self, **selector: Any) -> Fault:
        """The connection closes when its next event is due (that event is lost)."""
        return self._arm(FaultKind.DROP_CONNECTION, **selector)

    def malformed_frame(self, **selector: Any) -> Fault:
        return self._arm(FaultKind.MALFORMED_FRAME, **selector)

    def duplicate_events(self, **selector: Any) -> Fault:
        return self._arm(FaultKind.DUPLICATE_EVENTS, **selector)

    def reorder_events(self, **selector: Any) -> Fault:
        return self._arm(FaultKind.REORDER_EVENTS, **selector)

    def stop_heartbeats(self, **selector: Any) -> Fault:
        return self._arm(FaultKind.STOP_HEARTBEATS, **selector)

    def webhook_timeout(self, **selector: Any) -> Fault:
        return self._arm(FaultKind.WEBHOOK_TIMEOUT, **selector)

    def webhook_error(self, *, status: int = 503, **selector: Any) -> Fault:
        return self._arm(FaultKind.WEBHOOK_ERROR, status=status, **selector)


def _targets(fault: Fault, bot: int, connection: str) -> bool:
    return (fault.bot is None or fault.bot == bot) and (
        fault.connection is None or fault.connection == connection
    )


def _names(action: str | Iterable[str] | None) -> str | tuple[str, ...] | None:
    if action is None or isinstance(action, str):
        return action
    return tuple(action)


def failure_text(fault: Fault) -> str:
    """What the bot reads in ``message``/``wording`` when ``fault`` fails its call."""
    if fault.message is not None:
        return fault.message
    if fault.kind is FaultKind.FAIL_DELIVERED:
        return SEND_TIMEOUT_TEXT
    if fault.kind is FaultKind.RATE_LIMIT:
        return render(Why.RATE_LIMITED, {"limit": fault.limit, "per": fault.per})
    return TIMEOUT_TEXT
