"""Byte-bounded logs for what qqsim records: bot calls, event frames, the transcript.

A long-running simulator records every call and frame for the console and for
transcripts. Kept as live dicts that costs kilobytes per message and grows
with message size, so ``RecordLog`` keeps records in a compact form and
within a byte budget instead:

* Each record is serialised with ``marshal`` when it is appended (exact for
  the plain data records hold: dicts, lists, tuples, str, bytes, numbers;
  anything else is first turned into plain data, unknown objects into their
  ``repr``). Its size is therefore known when it arrives.
* Records go into an open block. When the open block is full
  (``BLOCK_RECORDS`` records or ``BLOCK_BYTES`` bytes) it is *sealed*: the
  block before it is compacted (in records larger than ``COMPACT_ABOVE``
  bytes, strings longer than ``MAX_STRING`` characters and lists longer than
  ``MAX_ITEMS`` items are cut, with a marker saying how much was left out) and
  zlib-compressed as one unit.
* Overflow policy: when the accounted bytes exceed the budget the oldest
  sealed block is evicted (``evicted`` counts the records lost), so the
  accounted bytes never exceed the budget after an append.

Exactness rule: the records of the two newest blocks are not compacted, so
the newest ``BLOCK_RECORDS`` records (or, when they are large, the newest
``BLOCK_BYTES`` of them, and always the newest record) read back exactly as
they were appended, unless the budget cannot hold them (then all but the
newest are compacted first, and the newest too when it alone is over).
Older records may have long strings cut. Nothing matches
on retained records to decide a scenario's outcome: expectations hear the
live entries as they are recorded (``Transcript.add_listener``); the world's
SQLite history keeps every message in full.

Reading returns fresh objects decoded from the compact form (equal to what
was appended, not the same objects).

Deferred records: a bot's call over a transport records its call, its
transcript entries and its frames while the bot waits for the answer.
``defer``/``defer_call`` keep a record (or the call that will append it) as it
is, and the pending ones are appended, in order, all at once: when
``PENDING_MAX`` wait, before any plain ``append``, and before anything reads the
log. What is read is therefore the same as if each had been appended at once;
only records whose objects nobody changes afterwards may be deferred (the
simulator defers those of transports' calls only).
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import itertools
import marshal
import zlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

R = TypeVar("R")

#: Default byte budget of one log (the simulator keeps three: actions, frames, transcript).
#: 2 MiB keeps ~15-25k typical records compacted (~80-150 bytes each).
DEFAULT_BUDGET = 2 * 1024 * 1024
#: A block is sealed (and the one before it compacted) at this many records...
BLOCK_RECORDS = 64
#: ...or at this many serialised bytes, whichever comes first.
BLOCK_BYTES = 64 * 1024
#: Records serialised larger than this are compacted when sealed: their strings
#: longer than ``MAX_STRING`` characters are cut...
COMPACT_ABOVE = 2048
MAX_STRING = 512
#: ...and so are their lists and tuples longer than this.
MAX_ITEMS = 100
#: A call's parameters with a string (or bytes) longer than this are recorded cut, before
#: anything marshals them (``without_huge_strings``): a 45 MB parameter was marshalled
#: whole for the call log and again for the transcript, ~75 ms on the event loop. Message
#: text is capped at 1 MiB characters, so a message qqsim accepts is recorded whole.
HUGE_STRING = 1024 * 1024
#: ``without_huge_strings`` looks at this many values at most: its cost stays bounded on
#: a call with thousands of items (lists that long are cut when their block is sealed).
HUGE_WALK_MAX = 2048
#: What a record costs besides its serialised bytes while its block is open
#: (the ``bytes`` object and its slot), and what a sealed block costs besides
#: its compressed bytes.
RECORD_OVERHEAD = 48
BLOCK_OVERHEAD = 96
#: marshal format 4 (the default): a small record costs the same to write as in
#: format 2 (~0.8 µs), a large one half (its repeated keys are written once: a
#: 3000-member list is 1.6 ms and 530 KB instead of 3.2 ms and 1 MB).
MARSHAL_VERSION = 4
#: zlib level for sealed blocks: 1 is fast and already shrinks JSON-like records ~8x.
COMPRESSION = 1
#: Deferred records waiting at most (see the module's docstring): few enough that what they
#: hold alive stays small; appended in a row, their serialising code stays warm (a send
#: over a WebSocket measured ~5% faster in round trips, bench/bench_ws_send.py's set-up).
PENDING_MAX = 32


@dataclasses.dataclass
class _Block:
    """Sealed records from position ``start``: ``count`` of them, compacted and compressed."""

    start: int
    count: int
    data: bytes

    @property
    def cost(self) -> int:
        return len(self.data) + BLOCK_OVERHEAD

    def records(self) -> list[bytes]:
        items: list[bytes] = marshal.loads(zlib.decompress(self.data))
        return items


class RecordLog(Generic[R]):
    """An append-only log of records bounded in bytes; the oldest go first.

    ``to_plain`` turns a record into plain data and ``from_plain`` back. It
    reads like a sequence: ``len``, iteration (oldest first), ``log[-1]``,
    ``log[i:j]``. ``position`` numbers records 0, 1, ... since the last
    ``clear``, so ``since(position)`` skips what is older without decoding it.
    """

    def __init__(self, to_plain: Callable[[R], Any], from_plain: Callable[[Any], R], *,
                 budget: int = DEFAULT_BUDGET, max_records: int | None = None) -> None:
        self._to_plain = to_plain
        self._from_plain = from_plain
        self.budget = budget
        self.max_records = max_records
        self._evicted = 0
        #: Deferred records: (None, record) or (a call that appends, its arguments).
        self._pending: list[tuple[Callable[..., object] | None, Any]] = []
        self.clear()

    # -- writing -------------------------------------------------------------

    def append(self, record: R) -> Any:
        """Keep ``record``; returns its plain form as kept (the same object when it was
        plain already, else a converted copy: see ``plain``)."""
        if self._pending:
            self.settle()
        return self._append(record)

    def defer(self, record: R) -> None:
        """Keep ``record`` later (before the log is next read): nothing may change it."""
        self._pending.append((None, record))
        if len(self._pending) >= PENDING_MAX:
            self.settle()

    def defer_call(self, append: Callable[..., object], *args: Any) -> None:
        """Run ``append(*args)`` later, in its place among deferred records; it appends."""
        self._pending.append((append, args))
        if len(self._pending) >= PENDING_MAX:
            self.settle()

    def settle(self) -> None:
        """Append every deferred record now, in order."""
        while self._pending:
            pending, self._pending = self._pending, []
            records: list[R] = []  # a run of deferred records, appended in one loop
            for call, item in pending:
                if call is None:
                    records.append(item)
                else:
                    if records:
                        self._append_all(records)
                        records = []
                    call(*item)
            if records:
                self._append_all(records)

    def _append(self, record: R) -> Any:
        return self._append_all((record,))

    def _append_all(self, records: list[R] | tuple[R, ...]) -> Any:
        """Append ``records`` in order; returns the plain form of the last one."""
        # On every bot call and frame, so kept flat: one marshal per record and, once per
        # block, one compress (properties and helpers inlined; a settle's records in one
        # loop, not one call each).
        to_plain, dumps = self._to_plain, marshal.dumps
        plain_record: Any = None
        for record in records:
            plain_record = to_plain(record)
            try:
                item = dumps(plain_record, MARSHAL_VERSION)
            except ValueError:  # an object marshal does not take: keep its plain form
                plain_record = plain(plain_record)
                item = dumps(plain_record, MARSHAL_VERSION)
            if len(self._current) >= BLOCK_RECORDS or self._current_size >= BLOCK_BYTES:
                self._seal()
            self._current.append(item)
            self._current_size += len(item) + RECORD_OVERHEAD
            if len(item) > COMPACT_ABOVE:
                # Cut now, from the live record (a walk of at most MAX_ITEMS per list),
                # rather than decode the whole record again when its block is sealed: a
                # 3000-member list costs ~5 ms to decode. Held until then, so it counts too.
                cut = dumps(shortened(plain_record), MARSHAL_VERSION)
                self._compacted[id(item)] = cut
                self._current_size += len(cut)
            self._appended += 1
            if (self._sealed_cost + self._previous_size + self._current_size > self.budget
                    or (self.max_records is not None
                        and self._appended - self._first > self.max_records)):
                self._enforce()
        return plain_record

    def clear(self) -> None:
        self._pending = []
        #: Compacted forms of the large records not sealed yet, by ``id`` of their bytes.
        self._compacted: dict[int, bytes] = {}
        self._sealed: list[_Block] = []
        self._sealed_cost = 0
        # The newest full block (kept exact until the next seal) and the block taking records.
        self._previous: list[bytes] = []
        self._previous_size = 0
        self._current: list[bytes] = []
        self._current_size = 0
        self._appended = 0
        self._first = 0  # position of the oldest record kept

    def _seal(self) -> None:
        """Compact and compress the previous block; the current one becomes previous."""
        self._store(self._previous, self._appended - len(self._current) - len(self._previous))
        self._previous, self._previous_size = self._current, self._current_size
        self._current, self._current_size = [], 0

    def _compact(self, item: bytes) -> bytes:
        cut = self._compacted.pop(id(item), None)
        return cut if cut is not None else _compact(item)

    def _store(self, items: list[bytes], start: int) -> None:
        if items:
            data = zlib.compress(marshal.dumps([self._compact(item) for item in items],
                                               MARSHAL_VERSION), COMPRESSION)
            block = _Block(start, len(items), data)
            self._sealed.append(block)
            self._sealed_cost += block.cost

    def _enforce(self) -> None:
        """Evict the oldest records until the log fits its budget (and its record cap).

        Order: the oldest sealed block; else compact the previous block; else compact
        all but the newest record; last, the newest record alone, compacted, or
        dropped when even that is over the budget.
        """
        while (self.max_records is not None and self._appended - self._first > self.max_records
               and self._sealed):
            self._drop_block()
        while self._kept_bytes() > self.budget:
            if self._sealed:
                self._drop_block()
            elif self._previous:
                self._store(self._previous, self._appended - len(self._current)
                            - len(self._previous))
                self._previous, self._previous_size = [], 0
            elif len(self._current) > 1:
                start = self._appended - len(self._current)
                newest = self._current.pop()
                self._store(self._current, start)
                self._current, self._current_size = [newest], len(newest) + RECORD_OVERHEAD
            else:
                self._shrink_newest()
                return

    def _drop_block(self) -> None:
        block = self._sealed.pop(0)
        self._sealed_cost -= block.cost
        self._first = block.start + block.count
        self._evicted += block.count

    def _shrink_newest(self) -> None:
        """The newest record alone is over the budget: keep it compacted, or not at all."""
        item = self._compact(self._current[0])
        self._current, self._current_size = [item], len(item) + RECORD_OVERHEAD
        if self._kept_bytes() > self.budget:
            self._current, self._current_size = [], 0
            self._first += 1
            self._evicted += 1

    # -- reading -------------------------------------------------------------

    @property
    def evicted(self) -> int:
        """Records evicted to stay within the budget (or the record cap)."""
        self.settle()
        return self._evicted

    @property
    def nbytes(self) -> int:
        """Bytes accounted to what is kept (serialised and compressed forms)."""
        self.settle()
        return self._kept_bytes()

    def _kept_bytes(self) -> int:
        return self._sealed_cost + self._previous_size + self._current_size

    @property
    def position(self) -> int:
        """How many records were appended since the last ``clear`` (kept or not)."""
        self.settle()
        return self._appended

    @property
    def first_position(self) -> int:
        """Position of the oldest record still kept."""
        self.settle()
        return self._first

    def __len__(self) -> int:
        self.settle()
        return self._appended - self._first

    def __bool__(self) -> bool:
        self.settle()
        return self._appended > self._first

    def __iter__(self) -> Iterator[R]:
        return self.since(0)

    def since(self, position: int) -> Iterator[R]:
        """Records at ``position`` and after, oldest first; older blocks are not decoded."""
        return iter(self._items_since(position))

    def _items_since(self, position: int) -> list[R]:
        # Copies first, then decodes: safe against appends while the caller iterates.
        self.settle()
        sealed = self._sealed[max(0, bisect.bisect_right(
            self._sealed, position, key=lambda b: b.start) - 1):]
        unsealed = [*self._previous, *self._current]
        unsealed_start = self._appended - len(unsealed)
        out: list[R] = []
        for block in sealed:
            if block.start + block.count > position:
                out += self._decode(block.records()[max(0, position - block.start):])
        out += self._decode(unsealed[max(0, position - unsealed_start):])
        return out

    def _decode(self, items: list[bytes]) -> list[R]:
        return [self._from_plain(marshal.loads(item)) for item in items]

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return list(self)[index]
        size = len(self)  # settles
        if not -size <= index < size:
            raise IndexError("record index out of range")
        position = self._first + (index % size)
        unsealed = [*self._previous, *self._current]
        offset = position - (self._appended - len(unsealed))
        if offset >= 0:
            item = unsealed[offset]
        else:
            block = self._sealed[bisect.bisect_right(self._sealed, position,
                                                     key=lambda b: b.start) - 1]
            item = block.records()[position - block.start]
        return self._from_plain(marshal.loads(item))

    def __repr__(self) -> str:
        return (f"RecordLog({len(self)} records, {self.nbytes} of {self.budget} bytes, "
                f"{self.evicted} evicted)")


# -- serialising ---------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as the plain data marshal takes: enums and other subclasses as their
    base type, dataclasses and sets as dicts and sorted lists, anything else as its repr."""
    if value is None or type(value) in (bool, int, float, str, bytes):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value) if type(value) in (list, tuple) else [
            plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, int):  # bool and int subclasses (IntEnum is caught above)
        return bool(value) if isinstance(value, bool) else int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    return repr(value)


def _compact(item: bytes) -> bytes:
    """``item`` with its long strings and lists cut; a small record is kept as it is."""
    if len(item) <= COMPACT_ABOVE:
        return item  # cheap to keep, and most records are this small
    return marshal.dumps(shortened(marshal.loads(item)), MARSHAL_VERSION)


#: Values ``shortened`` keeps as they are, checked inline: a large record is mostly these.
_KEPT = frozenset({int, float, bool, type(None)})


def shortened(value: Any, max_string: int = MAX_STRING, max_items: int = MAX_ITEMS,
              fate: str = "kept") -> Any:
    """``value`` with strings longer than ``max_string`` and lists longer than ``max_items``
    cut, each saying how much was left out ("…[qqsim: N more chars not <fate>]")."""
    def cut(value: Any) -> Any:
        if type(value) is dict:  # the common case first, its plain values without a call
            return {k: v if type(v) in _KEPT or (type(v) is str and len(v) <= max_string)
                    else cut(v) for k, v in value.items()}
        if isinstance(value, str):
            if len(value) <= max_string:
                return value
            return value[:max_string] + (f"…[qqsim: {len(value) - max_string} more chars "
                                         f"not {fate}]")
        if isinstance(value, bytes):
            return value if len(value) <= max_string else value[:max_string]
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            kept = [cut(v) for v in value[:max_items]]
            if len(value) > max_items:
                kept.append(f"…[qqsim: {len(value) - max_items} more items not {fate}]")
            return kept if isinstance(value, list) else tuple(kept)
        return value

    return cut(value)


def without_huge_strings(value: Any) -> Any:
    """``value`` itself when none of the first ``HUGE_WALK_MAX`` values in it is a string or
    bytes longer than ``HUGE_STRING``; else ``shortened(value)`` (what compaction would keep).

    Cheap on every call: type checks and ``len``, nothing copied or marshalled.
    """
    if type(value) is dict:
        # Most calls: a flat dict of numbers and short strings, checked without the walk.
        for item in value.values():
            kind = type(item)
            if kind is str:
                if len(item) > HUGE_STRING:
                    break
            elif kind is not int and kind is not bool and item is not None:
                break
        else:
            return value
    pending, budget = [value], HUGE_WALK_MAX
    while pending and budget > 0:
        item = pending.pop()
        budget -= 1
        kind = type(item)
        if kind is str or kind is bytes:
            if len(item) > HUGE_STRING:
                return shortened(value)
        elif kind is dict:
            pending.extend(itertools.islice(item.values(), budget))
        elif kind is list or kind is tuple:
            pending.extend(item[:budget])
    return value
