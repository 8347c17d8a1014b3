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

Nothing machine-dependent goes in (no real time, no latency), so two runs of
the same scenario on a ``ManualClock`` give the same lines and diff cleanly.
``describe`` renders an entry as one readable line for terminals and reports.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import format_duration
from .link import describe_event
from .recording import DEFAULT_BUDGET, RecordLog
from .world import DomainEvent

if TYPE_CHECKING:
    from .faults import FaultApplied
    from .link import BotLink
    from .traffic import ActionRecord, FrameRecord

Entry = dict[str, Any]
EntryListener = Callable[[Entry], None]

#: Entries kept in memory at most (the oldest go first; also bounded in bytes).
MAX_ENTRIES = 100_000
#: Bytes the kept entries may take (``simulator.recording``: oldest evicted first,
#: long strings cut in all but the newest entries).
BUDGET = 2 * DEFAULT_BUDGET


#: Entries of calls, frames and world changes are kept as tuples led by a tag (``_kept``);
#: each reads back as a dict of this kind (``_entry``).
_TAGS = {"A": "action", "E": "event", "W": "world"}


def _kept(item: Entry | tuple[Any, ...]) -> Entry | tuple[Any, ...]:
    """What the log marshals: an entry dict as it is; ``(tag, n, time, record)`` (see
    ``Transcript._later``) as a flat tuple of the record's values (a world change's as
    ``_shaped`` values)."""
    if isinstance(item, dict):
        return item
    tag, n, time = item[0], item[1], item[2]
    record: Any = item[3]
    if tag == "A":
        return ("A", n, time, record.bot_id, record.connection, record.action, record.params,
                record.response, record.fault)
    if tag == "E":
        return ("E", n, time, record.bot_id, record.connection, record.event)
    return ("W", n, time, _shaped(record))


def _entry(plain: Entry | tuple[Any, ...]) -> Entry:
    """The entry a kept form reads as (the inverse of ``_kept``)."""
    if isinstance(plain, dict):
        return plain
    tag, n, time = plain[0], plain[1], plain[2]
    if tag == "A":
        entry: Entry = {"n": n, "time": time, "kind": _TAGS[tag], "bot": plain[3],
                        "conn": plain[4], "action": plain[5], "params": plain[6],
                        "response": plain[7]}
        if plain[8]:
            entry["fault"] = plain[8]
        return entry
    if tag == "E":
        return {"n": n, "time": time, "kind": "event", "bot": plain[3], "conn": plain[4],
                "event": plain[5]}
    shaped = plain[3]
    facts = _unshaped(shaped)
    del facts["time"]
    return {"n": n, "time": time, "kind": "world", "type": _SHAPES[shaped[0]][0],
            "audience": facts.pop("audience"), "facts": facts}


def _world_entry(n: int, time: int, event: DomainEvent) -> Entry:
    """A world change's entry, built at once (what ``_entry`` of ``_kept`` gives)."""
    facts = _fields(event)
    del facts["time"]
    return {"n": n, "time": time, "kind": "world", "type": type(event).__name__,
            "audience": facts.pop("audience"), "facts": facts}


class Transcript:
    """A bounded, append-only record of a simulator's run.

    Listeners hear each entry as it is added, complete; ``entries`` keeps them in
    compact form within ``budget`` bytes (see ``simulator.recording`` for what is
    kept exactly), read back as fresh dicts.
    """

    def __init__(self, now: Callable[[], int], maxlen: int = MAX_ENTRIES,
                 budget: int = BUDGET) -> None:
        self._now = now
        self.entries: RecordLog[Any] = RecordLog(_kept, _entry, budget=budget,
                                                 max_records=maxlen)
        self._count = 0
        self._listeners: list[EntryListener] = []

    # -- writing -----------------------------------------------------------

    def add(self, kind: str, **fields: Any) -> Entry:
        """Append one entry and tell listeners; returns it."""
        self._count += 1
        return self._add(self._count, self._now(), kind, fields)

    def _add(self, n: int, time: int, kind: str, fields: dict[str, Any]) -> Entry:
        return self._keep({"n": n, "time": time, "kind": kind, **fields})

    def _keep(self, entry: Entry) -> Entry:
        # The log hands back plain data: the entry itself, or a converted copy when it
        # held something marshal does not take (listeners hear what is kept).
        kept: Entry = self.entries.append(entry)
        for listener in list(self._listeners):
            listener(kept)
        return kept

    def _later(self, kind: str, record: Any, lazy: bool) -> None:
        """Write the entry of a call, a frame or a world change (``kind``: ``_TAGS``).

        ``lazy`` and nobody listening: the log keeps ``(kind, n, time, record)`` as it is
        and writes it when it settles (``RecordLog.defer``); it keeps its place (``n``) and
        its time. The entry is then stored as a tuple, not the dict it reads as (``_entry``):
        no dict is built and marshal writes no keys, on every call (a world change's facts
        too: ``_shaped``).
        """
        self._count += 1
        # A call's or a frame's entry has the record's time: both were made just now.
        time = self._now() if kind == "W" else record.time
        if lazy and not self._listeners:
            self.entries.defer((kind, self._count, time, record))
            return
        entry = _entry(_kept((kind, self._count, time, record))) if kind != "W" \
            else _world_entry(self._count, time, record)
        kept = self._keep(entry)
        if kind == "W" and kept["facts"] is not entry["facts"]:
            # The log converted what marshal does not take: learn the fields for next time.
            _learn(record)
            for item in vars(record).values():
                if dataclasses.is_dataclass(item):
                    _learn(item)

    def action(self, record: ActionRecord, lazy: bool = False) -> None:
        """The call's entry; ``lazy``: nothing will change the record's objects."""
        if lazy and not self._listeners:  # ``_later``'s deferral, inline: on every call
            self._count += 1
            self.entries.defer(("A", self._count, record.time, record))
            return
        self._later("A", record, lazy)

    def frame(self, record: FrameRecord, lazy: bool = False) -> None:
        if lazy and not self._listeners:  # as ``action``
            self._count += 1
            self.entries.defer(("E", self._count, record.time, record))
            return
        self._later("E", record, lazy)

    def world(self, event: DomainEvent, lazy: bool = False) -> None:
        """The change's entry; ``lazy``: nobody will change the event's objects."""
        if lazy and not self._listeners:  # as ``action``
            self._count += 1
            self.entries.defer(("W", self._count, self._now(), event))
            return
        self._later("W", event, lazy)

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
        self.entries.clear()
        self._count = 0

    # -- reading -----------------------------------------------------------

    @property
    def last(self) -> int:
        """``n`` of the latest entry (0 when empty): a mark to read from later."""
        return self._count

    def since(self, mark: int) -> list[Entry]:
        # Entry ``n`` is the log's position ``n - 1``: older blocks are skipped undecoded.
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


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass as a dict of its fields, nested dataclasses and sets converted too.

    Runs on every world change (a sent message is a ``MessageCreated`` holding a
    snapshot holding segments), so it copies the instance's ``__dict__`` and converts
    only the fields that held a dataclass, a set or an enum before (``_NESTED``, learnt
    per type). Lists and dicts are kept as they are (snapshots are frozen; their
    segments never change after the send). Anything unexpected is caught when the entry
    is recorded: the log hands ``Transcript.add`` a converted copy (``recording.plain``)
    and ``_learn`` notes the field for next time.
    """
    kind = type(value)
    nested = _NESTED.get(kind)
    if nested is None:
        nested = _learn(value)
    facts = dict(value.__dict__) if hasattr(value, "__dict__") else {
        name: getattr(value, name) for name in _field_names(kind)}
    for name in nested:
        item = facts[name]
        if type(item) not in _PLAIN_TYPES:
            facts[name] = _fields(item) if dataclasses.is_dataclass(item) else _plain(item)
    return facts


#: Per dataclass type, the fields seen holding something other than plain data.
_NESTED: dict[type, tuple[str, ...]] = {}


def _learn(value: Any) -> tuple[str, ...]:
    kind = type(value)
    seen = set(_NESTED.get(kind, ()))
    for name in _field_names(kind):
        item = getattr(value, name)
        if type(item) not in _PLAIN_TYPES and type(item) not in (list, dict):
            seen.add(name)
    _NESTED[kind] = nested = tuple(sorted(seen))
    _SHAPE_OF.pop(kind, None)  # its shape converts other fields now
    return nested


#: The shapes of world entries' dataclasses (``_shaped``): per index, the type's name, its
#: ``__dict__`` keys in order, and the positions converted (its ``_NESTED`` fields then).
#: Only grows (kept entries name their shape by index), by one per distinct shape.
_SHAPES: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = []
_SHAPE_INDEX: dict[tuple[str, tuple[str, ...], tuple[int, ...]], int] = {}
#: Per type, the shape its instances had last: (index, keys, positions converted, whether
#: an instance's keys must be compared). A frozen dataclass's instance has its fields'
#: keys in their order (its ``__init__`` sets them; nothing adds or removes one), so one
#: with as many keys has these; any other type's keys are compared (~1.5k instructions).
_SHAPE_OF: dict[type, tuple[int, tuple[str, ...], tuple[int, ...], bool]] = {}


def _shaped(value: Any) -> tuple[Any, ...]:
    """A domain event (or a dataclass in one) as ``(shape, *values)``: what ``_fields``
    gives, without its keys (``_unshaped`` puts them back).

    Kept for every world change: a tuple of values costs marshal less than the dict it
    reads as (a sent message's entry: ~16k instructions instead of ~22k). Converted as
    ``_fields`` does: the fields of ``_NESTED`` only, a dataclass in one as a nested
    shaped tuple (a field value ``_plain`` converted is never a tuple, so a tuple there
    is one of these).
    """
    shape = _SHAPE_OF.get(type(value))
    state = getattr(value, "__dict__", None)
    if (shape is None or state is None or len(state) != len(shape[1])
            or (shape[3] and tuple(state) != shape[1])):
        shape, state = _shape(value)
    converted = shape[2]
    if not converted:
        return (shape[0], *state.values())
    shaped = [shape[0], *state.values()]
    for i in converted:
        item = shaped[i]
        kind = type(item)
        if kind in _PLAIN_TYPES:
            continue
        if kind is frozenset and _PLAIN_TYPES.issuperset(map(type, item)):
            shaped[i] = sorted(item)  # every event's audience: what ``_plain`` gives, sooner
        elif hasattr(kind, "__dataclass_fields__"):  # ``dataclasses.is_dataclass``, inline
            shaped[i] = _shaped(item)
        else:
            shaped[i] = _plain(item)
    return tuple(shaped)


def _shape(value: Any
           ) -> tuple[tuple[int, tuple[str, ...], tuple[int, ...], bool], dict[str, Any]]:
    """``value``'s shape (registered when new) and its fields, in ``__dict__`` order."""
    kind = type(value)
    nested = _NESTED.get(kind)
    if nested is None:
        nested = _learn(value)
    state = value.__dict__ if hasattr(value, "__dict__") else {
        name: getattr(value, name) for name in _field_names(kind)}
    names = tuple(state)
    converted = tuple(i + 1 for i, name in enumerate(names) if name in nested)
    shape = (kind.__name__, names, converted)
    index = _SHAPE_INDEX.get(shape)
    if index is None:
        index = _SHAPE_INDEX[shape] = len(_SHAPES)
        _SHAPES.append(shape)
    params = getattr(kind, "__dataclass_params__", None)
    known = (index, names, converted, not (params is not None and params.frozen))
    if hasattr(value, "__dict__"):
        _SHAPE_OF[kind] = known
    return known, state


def _unshaped(shaped: tuple[Any, ...]) -> dict[str, Any]:
    """The fields ``_shaped`` kept, as the dict ``_fields`` gives (a fresh one)."""
    _, names, converted = _SHAPES[shaped[0]]
    facts = dict(zip(names, shaped[1:], strict=True))
    for i in converted:
        item = shaped[i]
        if type(item) is tuple:
            facts[names[i - 1]] = _unshaped(item)
    return facts


def _plain(value: Any) -> Any:
    """Dataclasses and sets as JSON-friendly values (snapshots inside domain events).

    Runs on every world change (a sent message is a ``MessageCreated`` holding a
    snapshot holding segments), so the common cases are tested by exact type first.
    """
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    plain = _PLAIN_TYPES  # checked inline below: most values are plain, calls cost
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in plain else _plain(v)
                for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in plain else _plain(v) for v in value]
    if kind is frozenset:  # every world event's audience: ints, sorted as below
        return sorted([v if type(v) in plain else _plain(v) for v in value])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ((name, getattr(value, name)) for name in _field_names(kind))
        return {name: v if type(v) in plain else _plain(v) for name, v in fields}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


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
