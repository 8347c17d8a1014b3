"""Counting what a bot met: actions (and their outcomes), events, segments, faults.

Every ``Simulator`` has a ``Recorder`` (``sim.coverage``) listening to its
traffic log and its fault plan: a call or a frame costs a few dictionary
increments, nothing else. While a coverage session is open (the pytest
option ``--qqsim-coverage``, the project's action gate) every recorder also
counts into the session, so one report covers every simulator of a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..onebot.registry import REGISTRY
from ..onebot.surface import event_kind
from ..traffic import FrameRecord

if TYPE_CHECKING:
    from ..faults import FaultApplied, FaultPlan
    from ..onebot.profiles import Profile
    from ..traffic import ActionRecord, TrafficListener

#: Distinct failure texts kept per action; further ones count under ``OTHER``.
FAILURES_KEPT = 20
OTHER = "(other failures)"
FAILURE_CHARS = 100
#: Names called that are not registered actions: how many are kept apart, how long.
NAMES_KEPT = 50
NAME_CHARS = 100
OTHER_NAMES = "(other names)"
#: Names called whose counted name (``plain_name``) a recorder remembers at most.
NAMES_CACHED = 1024
_CQ_TYPE = re.compile(r"\[CQ:([A-Za-z_]+)")
_CQ_CODE = re.compile(r"\[CQ:[^\]]*\]")
_MESSAGE_KINDS: dict[tuple[object, object], str] = {
    (post, chat): f"{post}.{chat}" for post in ("message", "message_sent")
    for chat in ("group", "private")}


def _printable(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` and encodable (a lone surrogate becomes ``\\ud800``)."""
    return text[:limit].encode("utf-8", "backslashreplace").decode("utf-8").rstrip()


def _bump(counts: dict[str, int], key: str, by: int = 1) -> None:
    counts[key] = counts.get(key, 0) + by


@dataclass
class Coverage:
    """What bots met under one profile: plain counters, mergeable, JSON-ready."""

    profile: str = "napcat"
    #: Calls per action (alias suffixes such as ``_async`` stripped).
    actions: dict[str, int] = field(default_factory=dict)
    #: Per action, the failures the bot got: ``"1200 消息不存在"`` or ``"fault fail"``.
    failures: dict[str, dict[str, int]] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    segments: dict[str, int] = field(default_factory=dict)
    #: Faults that took a call or a frame, by kind.
    faults: dict[str, int] = field(default_factory=dict)
    #: Faults after which the same bot made a successful call (it carried on).
    survived: dict[str, int] = field(default_factory=dict)

    def action(self, name: str, failure: str | None) -> None:
        actions = self.actions
        count = actions.get(name)
        if count is not None and failure is None:  # on every successful call: one bump
            actions[name] = count + 1
            return
        if count is None and name not in REGISTRY:
            # A bot may call any name: keep them printable and their number bounded.
            name = _printable(name, NAME_CHARS)
            if sum(1 for known in self.actions if known not in REGISTRY) >= NAMES_KEPT:
                name = OTHER_NAMES
        _bump(self.actions, name)
        if failure is not None:
            seen = self.failures.setdefault(name, {})
            if failure not in seen and len(seen) >= FAILURES_KEPT:
                failure = OTHER
            _bump(seen, failure)

    def frame(self, event: Mapping[str, Any]) -> None:
        # On every frame sent: plain dict work only (bench/bench_coverage.py).
        post_type = event.get("post_type")
        if post_type == "message" or post_type == "message_sent":
            kind = _MESSAGE_KINDS.get((post_type, event.get("message_type"))) or event_kind(event)
            events = self.events
            events[kind] = events.get(kind, 0) + 1
            self._segments(event.get("message"))
        else:
            _bump(self.events, event_kind(event))

    def _segments(self, message: object) -> None:
        counts = self.segments
        if type(message) is list:
            for segment in message:
                kind = segment.get("type") if type(segment) is dict else None
                if type(kind) is str:
                    counts[kind] = counts.get(kind, 0) + 1
        elif isinstance(message, str):
            for kind in _CQ_TYPE.findall(message):
                _bump(counts, kind)
            if _CQ_CODE.sub("", message):
                _bump(counts, "text")

    def merge(self, other: Coverage) -> None:
        """Add ``other``'s counts to these (the same profile)."""
        for mine, theirs in ((self.actions, other.actions), (self.events, other.events),
                             (self.segments, other.segments), (self.faults, other.faults),
                             (self.survived, other.survived)):
            for key, count in theirs.items():
                _bump(mine, key, count)
        for name, failures in other.failures.items():
            for text, count in failures.items():
                seen = self.failures.setdefault(name, {})
                _bump(seen, text if text in seen or len(seen) < FAILURES_KEPT else OTHER, count)

    def to_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "actions": self.actions, "failures": self.failures,
                "events": self.events, "segments": self.segments, "faults": self.faults,
                "survived": self.survived}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Coverage:
        return cls(profile=str(data.get("profile", "napcat")),
                   actions=dict(data.get("actions", {})),
                   failures={k: dict(v) for k, v in data.get("failures", {}).items()},
                   events=dict(data.get("events", {})), segments=dict(data.get("segments", {})),
                   faults=dict(data.get("faults", {})), survived=dict(data.get("survived", {})))


#: Coverage per profile name.
CoverageSet = dict[str, Coverage]


def merge_sets(into: CoverageSet, other: Iterable[Coverage]) -> CoverageSet:
    for coverage in other:
        into.setdefault(coverage.profile, Coverage(coverage.profile)).merge(coverage)
    return into


def set_to_json(coverages: CoverageSet) -> dict[str, Any]:
    return {"qqsim_coverage": 1,
            "profiles": {name: c.to_json() for name, c in sorted(coverages.items())}}


def set_from_json(data: Mapping[str, Any]) -> CoverageSet:
    if data.get("qqsim_coverage") != 1:
        raise ValueError("not a qqsim coverage file")
    return merge_sets({}, (Coverage.from_json(c) for c in data.get("profiles", {}).values()))


# -- the session: one set for every simulator of a run ------------------------

_session: CoverageSet | None = None


def start_session() -> CoverageSet:
    """Count every recorder's traffic into one set from now on (until ``end_session``)."""
    global _session
    _session = {}
    return _session


def current_session() -> CoverageSet | None:
    return _session


def end_session() -> CoverageSet | None:
    global _session
    ended, _session = _session, None
    return ended


def plain_name(name: str, suffixes: Iterable[str]) -> str:
    """A called name as the surface lists it: ``send_msg_async`` counts as ``send_msg``."""
    if name in REGISTRY:
        return name
    for suffix in suffixes:
        if name.endswith(suffix) and name.removesuffix(suffix) in REGISTRY:
            return name.removesuffix(suffix)
    return name


class CoverageHost(Protocol):
    """What a coverage ``Recorder`` counts (``Simulator`` is one): its traffic and the
    faults applied, against its profile."""

    @property
    def profile(self) -> Profile: ...

    @property
    def faults(self) -> FaultPlan: ...

    def add_traffic_listener(self, listener: TrafficListener) -> None: ...

    def remove_traffic_listener(self, listener: TrafficListener) -> None: ...


class Recorder:
    """Counts one simulator's traffic into its own coverage and the open session's."""

    def __init__(self, sim: CoverageHost) -> None:
        self._sim = sim
        self.coverages: CoverageSet = {}
        self._targets: tuple[Profile, CoverageSet | None, list[Coverage]] | None = None
        #: Names as called -> as counted (``plain_name``), for the profile of ``_targets``.
        self._names: dict[str, str] = {}
        #: Per bot, fault kinds met since its last successful call.
        self._pending: dict[int, set[str]] = {}
        sim.add_traffic_listener(self._traffic)
        sim.faults.add_listener(self._fault)

    def detach(self) -> None:
        """Stop counting (the counts so far stay)."""
        self._sim.remove_traffic_listener(self._traffic)
        self._sim.faults.remove_listener(self._fault)

    @property
    def coverage(self) -> Coverage:
        """This simulator's coverage under its current profile."""
        name = self._sim.profile.name
        return self.coverages.setdefault(name, Coverage(name))

    def _into(self) -> list[Coverage]:
        # Cached while the profile and the session stay the same: the hot path only compares.
        targets = self._targets
        if targets is None or targets[0] is not self._sim.profile or targets[1] is not _session:
            into = [self.coverage]
            if _session is not None:
                name = self._sim.profile.name
                into.append(_session.setdefault(name, Coverage(name)))
            if targets is None or targets[0] is not self._sim.profile:
                self._names = {}  # another profile: other alias suffixes
            targets = self._targets = (self._sim.profile, _session, into)
        return targets[2]

    def _traffic(self, record: ActionRecord | FrameRecord) -> None:
        if type(record) is FrameRecord:
            for coverage in self._into():
                coverage.frame(record.event)
            return
        # On every call a bot makes, in one call: ``_into``'s test inline, and a success
        # counted at once (``Coverage.action``'s own first step).
        action: ActionRecord = record  # type: ignore[assignment]  # not a frame: an action
        targets = self._targets
        if targets is None or targets[0] is not self._sim.profile or targets[1] is not _session:
            into = self._into()  # first: it forgets the names when the profile changed
        else:
            into = targets[2]
        name = self._names.get(action.action)
        if name is None:
            name = plain_name(action.action, self._sim.profile.alias_suffixes)
            if len(self._names) < NAMES_CACHED:  # a bot inventing names cannot grow it
                self._names[action.action] = name
        if action.fault is None and action.response.get("status") == "ok":
            if self._pending:
                self._carried_on(action.bot_id)
            for coverage in into:
                counts = coverage.actions
                count = counts.get(name)
                if count is None:
                    coverage.action(name, None)
                else:
                    counts[name] = count + 1
            return
        self._failed(action, name, into)

    def _failed(self, record: ActionRecord, name: str, into: list[Coverage]) -> None:
        response = record.response
        if record.fault is not None:
            failure = f"fault {record.fault}"
        else:
            text = str(response.get("message") or response.get("wording") or "")
            failure = _printable(f"{response.get('retcode')} {text}", FAILURE_CHARS)
        for coverage in into:
            coverage.action(name, failure)

    def _fault(self, applied: FaultApplied) -> None:
        kind = str(applied.fault.kind)
        self._pending.setdefault(applied.bot, set()).add(kind)
        for coverage in self._into():
            _bump(coverage.faults, kind)

    def _carried_on(self, bot: int) -> None:
        for kind in self._pending.pop(bot, ()):
            for coverage in self._into():
                _bump(coverage.survived, kind)
