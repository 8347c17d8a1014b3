"""The transcript: everything that happened in a run, as JSON lines.

One entry per fact, in the order things happened, each with ``n`` (its place,
1, 2, ...), ``time`` (world time, seconds) and ``kind``:

    event       a frame qqsim sent a bot connection (events in, from the bot's side)
    action      a call the bot made, its parameters and the answer (actions out)
    world       a change of the world (a domain event) with its facts
    fault       a fault taking an occasion
    clock       the world clock advanced
    connection  a bot connection opened or closed
    step        a scenario step started (with its line in the file)
    expect      an expectation's outcome
    note        anything else a scenario wants on record

Calls and frames are kept once, as the records of the call and frame logs
(``sim.actions``, ``sim.frames``), each with its entry's ``n``; the other kinds in
the transcript's own log. ``Transcript.entries`` reads the three merged by ``n``.

Nothing machine-dependent goes in (no real time, no latency), so two runs of
the same scenario on a ``ManualClock`` give the same lines and diff cleanly.
``describe`` renders an entry as one readable line for terminals and reports.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from .clock import format_duration
from .facts import fields_of, learn, shape_name, shaped, unshaped
from .link import describe_event
from .recording import DEFAULT_BUDGET, RecordLog
from .traffic import (
    ACTION_ENTRY,
    FRAME_ENTRY,
    ActionRecord,
    FrameRecord,
    action_of,
    action_plain,
    frame_of,
    frame_plain,
)
from .world import DomainEvent

if TYPE_CHECKING:
    from .faults import FaultApplied
    from .link import BotLink

Entry = dict[str, Any]
EntryListener = Callable[[Entry], None]

#: Entries of the transcript's own kinds (all but calls and frames) kept in memory at most
#: (the oldest go first; also bounded in bytes).
MAX_ENTRIES = 100_000
#: Bytes the transcript's own entries may take (``simulator.recording``: oldest evicted
#: first, long strings cut in all but the newest entries). Calls and frames are kept in
#: their own logs, within their own budgets (``Transcript``).
BUDGET = 2 * DEFAULT_BUDGET


def _kept(item: Entry | tuple[Any, ...]) -> Entry | tuple[Any, ...]:
    """What the log marshals: an entry dict as it is; ``("W", n, time, event)`` (see
    ``Transcript.world``) as ``("W", n, time, shaped(event))`` (``facts.shaped``)."""
    if isinstance(item, dict):
        return item
    return ("W", item[1], item[2], shaped(item[3]))


def _entry(plain: Entry | tuple[Any, ...]) -> Entry:
    """The entry a kept form reads as (the inverse of ``_kept``)."""
    if isinstance(plain, dict):
        return plain
    n, time, kept = plain[1], plain[2], plain[3]
    facts = unshaped(kept)
    del facts["time"]
    return {"n": n, "time": time, "kind": "world", "type": shape_name(kept),
            "audience": facts.pop("audience"), "facts": facts}


def _own_n(plain: Entry | tuple[Any, ...]) -> int:
    n: int = plain["n"] if isinstance(plain, dict) else plain[1]
    return n


def _world_entry(n: int, time: int, event: DomainEvent) -> Entry:
    """A world change's entry, built at once (what ``_entry`` of ``_kept`` gives)."""
    facts = fields_of(event)
    del facts["time"]
    return {"n": n, "time": time, "kind": "world", "type": type(event).__name__,
            "audience": facts.pop("audience"), "facts": facts}


def _action_entry(plain: tuple[Any, ...]) -> Entry:
    """A call's entry, from the call log's plain form of its record (``action_plain``)."""
    entry: Entry = {"n": plain[ACTION_ENTRY], "time": plain[6], "kind": "action",
                    "bot": plain[0], "conn": plain[1], "action": plain[2],
                    "params": plain[3], "response": plain[4]}
    if plain[8]:
        entry["fault"] = plain[8]
    return entry


def _event_entry(plain: tuple[Any, ...]) -> Entry:
    """A frame's entry, from the frame log's plain form of its record (``frame_plain``)."""
    return {"n": plain[FRAME_ENTRY], "time": plain[3], "kind": "event", "bot": plain[0],
            "conn": plain[1], "event": plain[2]}


_ACTION_N = operator.itemgetter(ACTION_ENTRY)
_FRAME_N = operator.itemgetter(FRAME_ENTRY)
_ENTRY_N = operator.itemgetter("n")


class Entries:
    """A transcript's entries, oldest first, read from the three logs that keep them.

    Calls and frames are kept once, in the call and frame logs (``sim.actions``,
    ``sim.frames``), each record carrying its entry's ``n``; every other entry is kept in
    the transcript's own log. Reading merges the three by ``n``: the same entries, in
    the same order, as one log would give. Each log evicts its oldest within its own
    budget, so older calls (or frames) may be gone while older world entries are kept,
    and the other way round. Reads like a sequence (``len``, iteration, ``[i]``,
    ``[i:j]``); ``nbytes``, ``budget`` and ``evicted`` are the own log's (the call and frame logs
    account for theirs).
    """

    def __init__(self, own: RecordLog[Any], calls: RecordLog[ActionRecord],
                 frames: RecordLog[FrameRecord]) -> None:
        self.own, self.calls, self.frames = own, calls, frames

    def settle(self) -> None:
        self.own.settle()
        self.calls.settle()
        self.frames.settle()

    def since(self, mark: int) -> Iterator[Entry]:
        """The entries after entry ``mark`` (``n`` over it), oldest first; older blocks
        are skipped undecoded."""
        own = [_entry(p) for p in self.own.plain_after(mark, _own_n)]
        calls = [_action_entry(p) for p in self.calls.plain_after(mark, _ACTION_N)]
        frames = [_event_entry(p) for p in self.frames.plain_after(mark, _FRAME_N)]
        if not calls and not frames:
            return iter(own)
        return heapq.merge(own, calls, frames, key=_ENTRY_N)

    def __iter__(self) -> Iterator[Entry]:
        return self.since(0)

    def __len__(self) -> int:
        return len(self.own) + len(self.calls) + len(self.frames)

    def __bool__(self) -> bool:
        return bool(self.own) or bool(self.calls) or bool(self.frames)

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        return list(self)[index]  # every entry decoded: for tests and reports, not loops

    @property
    def nbytes(self) -> int:
        return self.own.nbytes

    @property
    def budget(self) -> int:
        return self.own.budget

    @property
    def evicted(self) -> int:
        return self.own.evicted

    def __repr__(self) -> str:
        return f"Entries({len(self)} entries; {self.own!r}, {self.calls!r}, {self.frames!r})"


class Transcript:
    """A bounded, append-only record of a simulator's run.

    Listeners hear each entry as it is added, complete; ``entries`` reads them back as
    fresh dicts (see ``Entries`` for where each kind is kept, ``simulator.recording`` for
    what is kept exactly). ``calls`` and ``frames``: the logs that keep the records of
    calls and frames (a simulator's ``actions`` and ``frames``); the transcript makes its
    own when not given (of ``DEFAULT_BUDGET`` bytes each). ``budget`` and ``maxlen`` bound
    its other entries.
    """

    def __init__(self, now: Callable[[], int], maxlen: int = MAX_ENTRIES,
                 budget: int = BUDGET, *, calls: RecordLog[ActionRecord] | None = None,
                 frames: RecordLog[FrameRecord] | None = None) -> None:
        self._now = now
        self.calls = calls if calls is not None else RecordLog(action_plain, action_of)
        self.frames = frames if frames is not None else RecordLog(frame_plain, frame_of)
        self._own: RecordLog[Any] = RecordLog(_kept, _entry, budget=budget,
                                                max_records=maxlen)
        self.entries = Entries(self._own, self.calls, self.frames)
        self._count = 0
        self._listeners: list[EntryListener] = []

    # -- writing -----------------------------------------------------------

    def add(self, kind: str, **fields: Any) -> Entry:
        """Append one entry and tell listeners; returns it."""
        self._count += 1
        return self._keep({"n": self._count, "time": self._now(), "kind": kind, **fields})

    def _keep(self, entry: Entry) -> Entry:
        # The log hands back plain data: the entry itself, or a converted copy when it
        # held something marshal does not take (listeners hear what is kept).
        kept: Entry = self._own.append(entry)
        self._tell(kept)
        return kept

    def _tell(self, entry: Entry) -> None:
        for listener in list(self._listeners):
            listener(entry)

    def claim(self) -> int:
        """A new entry's ``n``, for the record of a call or a frame (its ``entry``), which
        ``action`` or ``frame`` then keeps."""
        self._count += 1
        return self._count

    def action(self, record: ActionRecord, lazy: bool = False) -> None:
        """Keep the call (in ``calls``), its entry ``n`` claimed (``record.entry``).

        ``lazy``: nothing will change the record's objects, so when nobody listens it is
        kept later (``RecordLog.defer``), in its place (``n``) all the same.
        """
        if lazy and not self._listeners:
            self.calls.defer(record)
            return
        kept = self.calls.append(record)
        if self._listeners:  # they hear what is kept (converted when marshal refused)
            self._tell(_action_entry(kept))

    def frame(self, record: FrameRecord, lazy: bool = False) -> None:
        """Keep the frame (in ``frames``), as ``action``."""
        if lazy and not self._listeners:
            self.frames.defer(record)
            return
        kept = self.frames.append(record)
        if self._listeners:
            self._tell(_event_entry(kept))

    def world(self, event: DomainEvent, lazy: bool = False) -> None:
        """The change's entry; ``lazy``: nobody will change the event's objects.

        ``lazy`` and nobody listening: the log keeps ``("W", n, time, event)`` as it is
        and writes it when it settles (``RecordLog.defer``); it keeps its place (``n``)
        and its time. The entry is then stored as a tuple of the event's values, not the
        dict it reads as (``facts.shaped``): no dict is built and marshal writes no keys.
        """
        self._count += 1
        if lazy and not self._listeners:
            self._own.defer(("W", self._count, self._now(), event))
            return
        entry = _world_entry(self._count, self._now(), event)
        kept = self._keep(entry)
        if kept["facts"] is not entry["facts"]:
            # The log converted what marshal does not take: learn the fields for next time.
            learn(event)
            for item in vars(event).values():
                if dataclasses.is_dataclass(item):
                    learn(item)

    def fault(self, applied: FaultApplied) -> None:
        fields: dict[str, Any] = {"fault": str(applied.fault.kind), "bot": applied.bot,
                                  "conn": applied.connection, "count": applied.count,
                                  "spec": applied.fault.describe()}
        if applied.action is not None:
            fields["action"] = applied.action
        self.add("fault", **fields)

    def clock(self, seconds: float) -> None:
        self.add("clock", advanced=seconds)

    def connection(self, link: BotLink, state: str) -> None:
        self.add("connection", bot=link.self_id, conn=link.settings.name,
                 transport=str(link.settings.transport), state=state)

    def clear(self) -> None:
        """Forget every entry, the calls and frames too (their entries' ``n`` restart)."""
        self._own.clear()
        self.calls.clear()
        self.frames.clear()
        self._count = 0

    # -- reading -----------------------------------------------------------

    @property
    def last(self) -> int:
        """``n`` of the latest entry (0 when empty): a mark to read from later."""
        return self._count

    def since(self, mark: int) -> list[Entry]:
        """The entries after entry ``mark`` (a ``last`` read earlier)."""
        return list(self.entries.since(mark))

    def around(self, n: int, before: int = 8, after: int = 4) -> list[Entry]:
        """Entries near entry ``n``: the context a failure report shows."""
        start = max(0, n - 1 - before)
        return [e for e in itertools.islice(self.entries.since(start), before + after + 1)
                if n - before <= e["n"] <= n + after]

    def add_listener(self, listener: EntryListener) -> None:
        self.entries.settle()  # a listener hears what comes after it, nothing deferred before
        self._listeners.append(listener)

    def remove_listener(self, listener: EntryListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)


def to_jsonl(entries: Iterable[Entry]) -> str:
    """JSON lines: one compact object per entry, keys in a fixed order, UTF-8 kept."""
    return "".join(
        _json(e, separators=(",", ":")) + "\n"
        for e in entries
    )


def write_jsonl(path: str | Path, entries: Iterable[Entry]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_jsonl(entries), encoding="utf-8")
    return path


def read_jsonl(path: str | Path) -> list[Entry]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def describe(entry: Entry, origin: int = 0) -> str:
    """One readable line: ``[+1m30s] kind  details``, time relative to ``origin``."""
    clock = format_duration(max(0, entry["time"] - origin)) if origin else str(entry["time"])
    describer = _DESCRIBERS.get(entry["kind"], _describe_other)
    return f"{entry['n']:>4} [+{clock}] {entry['kind']:<10} {describer(entry)}"


def render_text(entries: Iterable[Entry], origin: int = 0) -> str:
    return "\n".join(describe(e, origin) for e in entries)


def _describe_event(entry: Entry) -> str:
    return f"→ {entry['bot']} {entry['conn']}: {describe_event(entry['event'])}"


def _describe_action(entry: Entry) -> str:
    response = entry.get("response") or {}
    if not response:
        outcome = "no answer"
    elif response.get("status") == "ok":
        outcome = "ok"
    else:
        outcome = f"failed {response.get('retcode')} {_short(response.get('message'), 60)}"
    fault = f" [fault {entry['fault']}]" if entry.get("fault") else ""
    params = _short(_json(entry.get("params")), 100)
    return f"← {entry['bot']} {entry['conn']}: {entry['action']} {params} → {outcome}{fault}"


def _describe_world(entry: Entry) -> str:
    facts = entry.get("facts", {})
    message = facts.get("message")
    if isinstance(message, dict):
        where = f"group {message.get('group_id')}" if message.get("group_id") else (
            f"private {message.get('sender_id')}→{message.get('peer_id')}")
        return (f"{entry['type']} {where} from {message.get('sender_id')}: "
                f"{_short(message.get('raw_message'), 80)}")
    details = " ".join(f"{k}={_short(_json(v), 40)}"
                       for k, v in facts.items())
    return f"{entry['type']} {details}"


def _describe_fault(entry: Entry) -> str:
    target = f" on {entry['action']}" if entry.get("action") else ""
    return f"{entry['fault']}{target} ({entry['bot']} {entry['conn']}, #{entry['count']})"


def _describe_clock(entry: Entry) -> str:
    return f"advanced {format_duration(entry['advanced'])}"


def _describe_other(entry: Entry) -> str:
    skip = {"n", "time", "kind"}
    return " ".join(f"{k}={_short(v if isinstance(v, str) else _json(v), 80)}"
                    for k, v in entry.items() if k not in skip)


_DESCRIBERS: dict[str, Callable[[Entry], str]] = {
    "event": _describe_event,
    "action": _describe_action,
    "world": _describe_world,
    "fault": _describe_fault,
    "clock": _describe_clock,
}


def _short(value: object, limit: int) -> str:
    text = "" if value is None else str(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(value: object, **options: Any) -> str:
    """JSON with raw UTF-8; escaped where a lone surrogate (a bot may send one) forbids it."""
    text = json.dumps(value, ensure_ascii=False, default=_fallback, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, default=_fallback, **options)
    return text


def _fallback(value: object) -> object:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return repr(value)
