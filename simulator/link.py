"""``BotLink``: one connection's view of the simulator, shared by every adapter.

A link knows which bot account it serves and its connection settings; it runs
actions and renders events for that bot, and logs one line per action and
per event. Adapters only move the resulting JSON over their transport.

Faults (``simulator.faults``) apply here, where every transport passes:
``handle`` (a bot's call) takes action-level faults, ``outgoing`` (an event
frame) and ``heartbeat_frame`` take wire-level ones. ``call``/``call_frames``
run an action with no fault, for in-process callers.
"""

from __future__ import annotations

import logging
import reprlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import trio

from .faults import Fault, FaultKind, FaultNotSupported, FaultPlan, failure_text
from .onebot import dispatch
from .onebot.codec import segments_to_text
from .onebot.context import ActionContext, ConnectionSettings, ContextSource
from .onebot.envelope import NO_ECHO, UsualAnswer, encode, frames, response
from .onebot.events import render_event, shared
from .onebot.events.meta import heartbeat, lifecycle_connect
from .onebot.profiles import Failure, Profile
from .world import DomainEvent

traffic = logging.getLogger("qqsim.traffic")
T = TypeVar("T")

#: Wire faults a live connection applies once it ``attach_wire``s (every WebSocket session).
SESSION_WIRE_FAULTS = frozenset({
    FaultKind.DROP_CONNECTION, FaultKind.MALFORMED_FRAME, FaultKind.DUPLICATE_EVENTS,
    FaultKind.REORDER_EVENTS, FaultKind.STOP_HEARTBEATS,
})


class Deferred(list[dict[str, Any]]):
    """Envelopes that may go to the bot only ``seconds`` of world time from now.

    A send NapCat's kernel never confirms fails after its timeout
    (``Outcome.delay``). In-process callers (``BotLink.call``) read the
    envelopes at once; transports wait with ``BotLink.handle``/``handle_later``.
    """

    def __init__(self, frames: list[dict[str, Any]], seconds: float) -> None:
        super().__init__(frames)
        self.seconds = seconds


@dataclass(frozen=True)
class Outgoing:
    """One event frame to send: the event, and the text that goes on the wire."""

    event: dict[str, Any]
    text: str


class LinkHost(ContextSource, Protocol):
    """What a ``BotLink`` needs of the simulator it serves (``Simulator`` is one): the
    world, profile and files its calls see, the faults it applies, where it records
    what it answered and sent, and the world's clock. A link never sees more of it."""

    @property
    def faults(self) -> FaultPlan: ...

    #: Bot calls being answered right now (a link counts its own in and out).
    calls_in_flight: int
    #: Set by a link while it answers a call or renders a frame (``recording``).
    lazy_records: bool

    def record_action(
        self, link: BotLink, action: str, params: Any, body: dict[str, Any], elapsed_ms: float,
        *, fault: str | None = None, short: bool = False,
    ) -> None: ...

    def record_frame(self, link: BotLink, event: dict[str, Any]) -> None: ...

    async def sleep_world(self, seconds: float) -> None: ...


class BotLink:
    def __init__(self, sim: LinkHost, self_id: int, settings: ConnectionSettings) -> None:
        self.sim = sim
        self.self_id = self_id
        self.settings = settings
        #: World time the bot connected (set again by ``Simulator.connection_opened``).
        self.connected_at = sim.world.now()
        self._context = self._new_context()
        #: Wire-level fault kinds this connection's adapter applies (see ``attach_wire``).
        self.wire_faults: frozenset[FaultKind] = frozenset()
        self._wire_scope: trio.CancelScope | None = None
        self._held: list[Outgoing] = []
        self._usual = UsualAnswer(sim.profile, settings.transport)

    def _new_context(self) -> ActionContext:
        return ActionContext(
            world=self.sim.world,
            self_id=self.self_id,
            settings=self.settings,
            profile=self.sim.profile,
            files=self.sim.storage,
        )

    @property
    def context(self) -> ActionContext:
        """What handlers see; rebuilt when ``Simulator.reset`` replaced the world or profile."""
        if self._context.world is not self.sim.world or self._context.profile is not (
            self.sim.profile
        ):
            self._context = self._new_context()
        return self._context

    @property
    def profile(self) -> Profile:
        """The profile this link answers as (its host's: ``reset`` may change it)."""
        return self.sim.profile

    @property
    def tag(self) -> str:
        return f"[{self.self_id} {self.settings.name or self.settings.transport}]"

    # -- actions -----------------------------------------------------------

    def call(self, action: object, params: object, echo: Any = NO_ECHO) -> dict[str, Any]:
        """Run one action and return the (final) envelope for this link's transport."""
        return self.call_frames(action, params, echo)[-1]

    def call_frames(self, action: object, params: object, echo: Any = NO_ECHO
                    ) -> list[dict[str, Any]]:
        """Run one action and return every envelope the bot gets for it, in order.

        One for an ordinary action; a stream action's packets come before its
        final envelope (NapCat §3.6), all with the same echo.
        """
        return self._run(action, params, echo, None)

    async def handle(self, action: object, params: object, echo: Any = NO_ECHO
                     ) -> list[dict[str, Any]]:
        """Answer a bot's call as transports do: action-level faults first, then the action.

        Returns the envelopes to send, in order; an empty list means the call
        is never answered (a ``no_reply`` fault). While it runs the call counts
        in ``Simulator.calls_in_flight`` (a quiet simulator has none).
        """
        answer = self.handle_now(action, params, echo)
        if isinstance(answer, (Fault, Deferred)):
            return await self.handle_later(answer, action, params, echo)
        return answer

    def handle_now(self, action: object, params: object, echo: Any = NO_ECHO
                   ) -> list[dict[str, Any]] | Fault | Deferred:
        """``handle`` without waiting: the envelopes, or what holds the call back.

        Every action runs synchronously; a call waits only for a delay fault
        (returned before the action runs) or a kernel timeout (``Deferred``:
        ran, answer not due yet). Either way the call stays counted in flight
        until the caller has run ``handle_later`` with it (which it must).
        """
        return self._answer(action, params, echo, self._run_taken, False)

    def answer_now(self, action: object, params: object, echo: Any = NO_ECHO, *,
                   known_storable: bool = False) -> list[str] | Fault | Deferred:
        """``handle_now`` for a transport: the envelopes as the text that goes on the wire
        (``encode``); a held call's ``Deferred`` still holds envelopes. ``known_storable``:
        every string in ``params`` is known to be storable (``params.ascii_frame``)."""
        return self._answer(action, params, echo, self._run_wire, known_storable)

    def _answer(self, action: object, params: object, echo: Any,
                run: Callable[[object, object, Any, Fault | None, bool], list[T] | Deferred],
                known_storable: bool) -> list[T] | Fault | Deferred:
        sim = self.sim
        faults = sim.faults
        # Nothing armed (the usual case): no fault to look up, no name to make plain for it.
        fault = None if not faults.armed else faults.take_action(
            self.self_id, self.settings.name, plain_action_name(action, sim.profile))
        sim.calls_in_flight += 1
        if fault is not None and fault.kind is FaultKind.DELAY:
            return fault
        held = False
        # The call's records may be kept later: the envelopes go out as text, no user
        # code holds the params, the answer or the world's events (``recording``).
        sim.lazy_records = True
        try:
            answer = run(action, params, echo, fault, known_storable)
            held = isinstance(answer, Deferred)
            return answer
        finally:
            sim.lazy_records = False
            if not held:
                sim.calls_in_flight -= 1

    async def handle_later(self, held: Fault | Deferred, action: object, params: object,
                           echo: Any) -> list[dict[str, Any]]:
        """Finish a call ``handle_now`` held back: wait, then answer."""
        try:
            if isinstance(held, Deferred):
                await self.sim.sleep_world(held.seconds)
                return list(held)
            await trio.sleep(held.seconds)
            answer = self._run(action, params, echo, held)
            if isinstance(answer, Deferred):
                await self.sim.sleep_world(answer.seconds)
            return list(answer)
        finally:
            self.sim.calls_in_flight -= 1

    def _faulted(self, action: object, params: object, echo: Any, fault: Fault
                 ) -> list[dict[str, Any]]:
        if fault.kind is FaultKind.FAIL_DELIVERED:
            return self._run(action, params, echo, fault)
        started = time.perf_counter()
        if fault.kind is FaultKind.NO_REPLY:
            self._record(str(action), params, {}, started, fault, result="no reply")
            return []
        body = self._failure(str(action), fault, echo)
        self._record(str(action), params, body, started, fault)
        return [body]

    def _run_taken(self, action: object, params: object, echo: Any, fault: Fault | None,
                   known_storable: bool = False) -> list[dict[str, Any]]:
        """Run the call under the fault that took it (if any)."""
        if fault is None:
            return self._run(action, params, echo, None, known_storable)
        return self._faulted(action, params, echo, fault)

    def _run(self, action: object, params: object, echo: Any, fault: Fault | None,
             known_storable: bool = False) -> list[dict[str, Any]]:
        started = time.perf_counter()
        context = self._context
        if context.world is not self.sim.world or context.profile is not self.sim.profile:
            context = self.context  # rebuilt after a reset (the property's own test, inline)
        outcome = dispatch.call(context, action, params, known_storable=known_storable)
        return self._answered(outcome, params, echo, fault, started)

    def _answered(self, outcome: dispatch.Outcome, params: object, echo: Any,
                  fault: Fault | None, started: float) -> list[dict[str, Any]]:
        """The envelopes of a call that ran, recorded (a ``Deferred`` when it is held)."""
        sent = frames(outcome, self.settings.transport, self.sim.profile, echo)
        if fault is not None and fault.kind is FaultKind.FAIL_DELIVERED:
            # Done in the world, yet the bot hears of a failure.
            sent = [self._failure(outcome.action, fault, echo)]
        self._record(outcome.action, params, sent[-1], started, fault, outcome.message)
        if outcome.delay:
            return Deferred(sent, outcome.delay)
        return sent

    def _run_wire(self, action: object, params: object, echo: Any, fault: Fault | None,
                  known_storable: bool) -> list[str] | Deferred:
        """``_run`` with the envelopes as text; the usual answer is written from its
        template (``UsualAnswer``), the same envelope recorded, the same text."""
        context = self._context
        profile = self.sim.profile
        if fault is not None or context.world is not self.sim.world or (
                context.profile is not profile):
            return _encoded(self._run_taken(action, params, echo, fault, known_storable))
        started = time.perf_counter()
        outcome = dispatch.call(context, action, params, known_storable=known_storable)
        usual = self._usual
        if usual.profile is not profile:
            usual = self._usual = UsualAnswer(profile, self.settings.transport)
        body = usual.answer(outcome, echo)
        if body is None:
            return _encoded(self._answered(outcome, params, echo, None, started))
        # A frame known storable is short (``ascii_frame``): no string in it is huge.
        self._record(outcome.action, params, body, started, None, outcome.message,
                     short=known_storable)
        return [usual.text(body)]

    def _failure(self, action: str, fault: Fault, echo: Any) -> dict[str, Any]:
        outcome = dispatch.Outcome(action, failure=Failure.RUNTIME, message=failure_text(fault))
        body = response(outcome, self.settings.transport, self.sim.profile, echo)
        if fault.retcode is not None:
            body["retcode"] = fault.retcode
        return body

    def _record(self, action: str, params: object, body: dict[str, Any], started: float,
                fault: Fault | None, message: str | None = None, *,
                result: str | None = None, short: bool = False) -> None:
        """Log and record one answered call; the log's ``result`` is read from ``body`` (and
        the outcome's ``message``) unless given. ``short``: ``params`` holds no huge string."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        if traffic.isEnabledFor(logging.INFO):  # spares str(params) when nobody reads the log
            note = f" [fault {fault.kind}]" if fault is not None else ""
            if result is None:
                result = _result(body, message)
            traffic.info("%s ← %s %s → %s (%.1f ms)%s", self.tag, action, _brief(params),
                         result, elapsed_ms, note)
        if fault is None:
            self.sim.record_action(self, action, params, body, elapsed_ms, short=short)
        else:
            self.sim.record_action(self, action, params, body, elapsed_ms, fault=str(fault.kind))

    # -- events ------------------------------------------------------------

    def render(self, event: DomainEvent) -> dict[str, Any] | None:
        rendered = render_event(event, self.self_id, self.settings, self.sim.profile)
        if rendered is not None:
            self._sent(rendered)
        return rendered

    def _sent(self, rendered: dict[str, Any]) -> None:
        if traffic.isEnabledFor(logging.INFO):  # describing costs more than the frame
            traffic.info("%s → %s", self.tag, describe_event(rendered))
        self.sim.record_frame(self, rendered)

    def _frame(self, event: DomainEvent) -> Outgoing | None:
        """The event's frame for this connection, rendered once for all alike (fan-out)."""
        common = shared.for_this_thread().render(event, self.self_id, self.settings,
                                                 self.sim.profile, encode)
        if common is None:
            rendered = self.render(event)
            return None if rendered is None else Outgoing(rendered, encode(rendered))
        self._sent(common[0])
        return Outgoing(*common)

    def outgoing(self, event: DomainEvent) -> list[Outgoing]:
        """The frames to send for ``event`` on this connection, after event-level faults."""
        self.sim.lazy_records = True  # the frame goes out as text (see ``handle_now``)
        try:
            frame = self._frame(event)
        finally:
            self.sim.lazy_records = False
        if frame is None:
            return []
        rendered = frame.event
        fault = self.sim.faults.take_event(self.self_id, self.settings.name)
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.DROP_CONNECTION:
            self._held.clear()
            self.drop()
            return []
        if kind is FaultKind.REORDER_EVENTS:
            self._held.append(frame)  # goes out after this connection's next event
            return []
        sent = [frame]
        if kind is FaultKind.DUPLICATE_EVENTS:
            self.sim.record_frame(self, rendered)
            sent.append(frame)
        elif kind is FaultKind.MALFORMED_FRAME:
            sent = [Outgoing(rendered, frame.text[: len(frame.text) // 2])]
        sent.extend(self._held)
        self._held.clear()
        return sent

    def lifecycle(self) -> dict[str, Any]:
        event = lifecycle_connect(self.self_id, self.sim.world.now())
        self.sim.record_frame(self, event)
        return event

    def heartbeat(self, interval_ms: int) -> dict[str, Any]:
        event = heartbeat(self.self_id, self.sim.world.now(), interval_ms,
                          online=self.sim.world.accounts.is_online(self.self_id),
                          profile=self.sim.profile)  # the status get_status gives
        self.sim.record_frame(self, event)
        return event

    def heartbeat_frame(self, interval_ms: int) -> dict[str, Any] | None:
        """The heartbeat to send now, or None while a ``stop_heartbeats`` fault holds."""
        if self.sim.faults.take_heartbeat(self.self_id, self.settings.name) is not None:
            return None
        return self.heartbeat(interval_ms)

    # -- the wire under this link ---------------------------------------------

    def attach_wire(self, scope: trio.CancelScope,
                    faults: frozenset[FaultKind] = SESSION_WIRE_FAULTS) -> None:
        """A live connection hands over its cancel scope so wire faults can drop it.

        ``faults`` are the wire-level kinds the adapter applies on this link.
        """
        self._wire_scope = scope
        self.wire_faults = self.wire_faults | faults

    def supports(self, *kinds: FaultKind) -> None:
        """An adapter without a droppable connection declares the wire faults it applies."""
        self.wire_faults = self.wire_faults | frozenset(kinds)

    def drop(self) -> None:
        """Close this connection abruptly (a ``drop_connection`` fault)."""
        if self._wire_scope is None:
            raise FaultNotSupported(f"{self.tag} has no live connection to drop")
        traffic.info("%s connection dropped by a fault", self.tag)
        self._wire_scope.cancel()


def _encoded(answer: list[dict[str, Any]]) -> list[str] | Deferred:
    """The envelopes as the text that goes on the wire; a held call's stay envelopes."""
    return answer if isinstance(answer, Deferred) else list(map(encode, answer))


def plain_action_name(action: object, profile: Profile) -> str:
    """The action name a fault matches: ``send_msg_async`` is ``send_msg``."""
    name = action if isinstance(action, str) else str(action)
    for suffix in profile.alias_suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def _result(body: dict[str, Any], message: str | None = None) -> str:
    if body.get("status") == "ok":
        return "ok"
    return f"failed {body.get('retcode')} {message if message is not None else body.get('message')}"


#: Bounded repr for log lines: a 40 MB parameter must not become a 40 MB string first.
_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 100
_BRIEF.maxdict = _BRIEF.maxlist = _BRIEF.maxtuple = 8
_BRIEF.maxlevel = 4


def _brief(params: object, limit: int = 120) -> str:
    text = params if isinstance(params, str) and len(params) <= limit else _BRIEF.repr(params)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_event(event: dict[str, Any]) -> str:
    """One readable line for an event."""
    post_type = event.get("post_type")
    if post_type in ("message", "message_sent"):
        where = (f"group {event.get('group_id')}" if event.get("message_type") == "group"
                 else "private")
        message = event.get("message")
        text = message if isinstance(message, str) else segments_to_text(message or [])
        return f"{post_type} {where} from {event.get('user_id')}: {_brief(text, 80)}"
    detail = event.get("notice_type") or event.get("request_type") or event.get(
        "meta_event_type"
    )
    sub = f"/{event['sub_type']}" if event.get("sub_type") else ""
    return f"{post_type} {detail}{sub}"
