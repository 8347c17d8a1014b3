"""Byte-bounded logs for what qqsim records: bot calls, event frames, the transcript.

A long-running simulator records every call and frame for the console and for
transcripts. Kept as live dicts that costs kilobytes per message and grows
with message size, so ``RecordLog`` keeps records in a compact form and
within a byte budget instead:

* Records are serialised with ``marshal`` when they are appended (exact for
  the plain data records hold: dicts, lists, tuples, str, bytes, numbers;
  anything else is first turned into plain data, unknown objects into their
  ``repr``), in *chunks*: a marshalled list of one record, or of several when
  deferred records are appended together (at most ``COMPACT_ABOVE`` bytes, so
  that none of them alone would be larger; see ``RecordLog._append_all``). A
  chunk's size is therefore known when it arrives.
* Chunks go into an open block. When the open block is full
  (``BLOCK_RECORDS`` records or ``BLOCK_BYTES`` bytes) it is *sealed*: the
  block before it is compacted (in records larger than ``COMPACT_ABOVE``
  bytes, strings longer than ``MAX_STRING`` characters and lists longer than
  ``MAX_ITEMS`` items are cut, with a marker saying how much was left out) and
  zstd-compressed as one unit.
* Overflow policy: when the accounted bytes exceed the budget the oldest
  sealed block is evicted (``evicted`` counts the records lost), so the
  accounted bytes never exceed the budget after an append.

Exactness rule: the records of the two newest blocks are not compacted, so
the newest ``BLOCK_RECORDS`` records (or, when they are large, the newest
``BLOCK_BYTES`` of them, and always the newest record) read back exactly as
they were appended, unless the budget cannot hold them (then all but the
newest chunk are compacted first, and the newest too when it alone is over:
a chunk of several records is never over ``COMPACT_ABOVE`` bytes, so only a
budget smaller than that loses them together).
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
import marshal
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

import zstandard

# Re-exported: callers cut what they keep or show with the same limits and helpers.
from .plaindata import HUGE_STRING as HUGE_STRING
from .plaindata import MAX_ITEMS as MAX_ITEMS
from .plaindata import MAX_STRING as MAX_STRING
from .plaindata import plain as plain
from .plaindata import shortened as shortened
from .plaindata import without_huge_strings as without_huge_strings

R = TypeVar("R")

#: Default byte budget of one log (the simulator keeps three: actions, frames, transcript).
#: 2 MiB keeps ~15-25k typical records compacted (~80-150 bytes each).
DEFAULT_BUDGET = 2 * 1024 * 1024
#: A block is sealed (and the one before it compacted) at this many records (a seal has a
#: fixed cost besides its bytes: 128 rather than 64 saved ~1.7k on every call and on every
#: world change, measured with zlib)...
BLOCK_RECORDS = 128
#: ...or at this many serialised bytes, whichever comes first.
BLOCK_BYTES = 64 * 1024
#: Records serialised larger than this are compacted when sealed: their strings
#: longer than ``MAX_STRING`` characters are cut, and their lists longer than
#: ``MAX_ITEMS`` (``simulator.plaindata``).
COMPACT_ABOVE = 2048
#: A settle keeps its records in chunks of at most this many, marshalled at once, and
#: of about ``CHUNK_BYTES`` (``RecordLog._append_all``; at most ``COMPACT_ABOVE``).
CHUNK_RECORDS = 32
CHUNK_BYTES = 1536
#: What a chunk costs besides its serialised bytes while its block is open
#: (the ``bytes`` object and its slots), and what a sealed block costs besides
#: its compressed bytes.
RECORD_OVERHEAD = 56
BLOCK_OVERHEAD = 96
#: marshal format 4 (the default): a small record costs the same to write as in
#: format 2 (~0.8 µs), a large one half (its repeated keys are written once: a
#: 3000-member list is 1.6 ms and 530 KB instead of 3.2 ms and 1 MB).
MARSHAL_VERSION = 4
#: zstd level for sealed blocks: 1 shrinks JSON-like records ~8x, a third smaller than
#: zlib's level 1 does and at a third of its cost (~150k instructions for a block of 64
#: calls, zlib ~440k).
COMPRESSION = 1
#: Deferred records waiting at most (see the module's docstring): few enough that what they
#: hold alive stays small; appended in a row, their serialising code stays warm (a send
#: over a WebSocket measured ~5% faster in round trips, bench/bench_ws_send.py's set-up).
PENDING_MAX = 32


@dataclasses.dataclass
class _Block:
    """Sealed records from position ``start``: ``count`` of them, compacted and compressed
    (a list of chunks, each a marshalled list of records)."""

    start: int
    count: int
    data: bytes
    #: Order key of the last record (``RecordLog.plain_after``), read once when first asked.
    last: int | None = None

    @property
    def cost(self) -> int:
        return len(self.data) + BLOCK_OVERHEAD

    def chunks(self) -> list[bytes]:
        items: list[bytes] = marshal.loads(_decompress(self.data))
        return items

    def plains(self) -> list[Any]:
        return _plains(self.chunks())


class _DeferredCall:
    """A call deferred among a log's records (``RecordLog.defer_call``): records are kept
    in ``_pending`` as they are, so that deferring one builds nothing."""

    __slots__ = ("append", "args")

    def __init__(self, append: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.append, self.args = append, args


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
        #: Deferred records as they are, and deferred calls (``_DeferredCall``) among them.
        self._pending: list[Any] = []
        #: Records the next chunk of a settle takes (learnt from the sizes kept: ``_keep``).
        self._chunk = 1
        self.clear()

    # -- writing -------------------------------------------------------------

    def append(self, record: R) -> Any:
        """Keep ``record``; returns its plain form as kept (the same object when it was
        plain already, else a converted copy: see ``plain``)."""
        if self._pending:
            self.settle()
        return self._keep_one(self._to_plain(record))

    def defer(self, record: R) -> None:
        """Keep ``record`` later (before the log is next read): nothing may change it."""
        pending = self._pending
        pending.append(record)
        if len(pending) >= PENDING_MAX:
            self.settle()

    def defer_call(self, append: Callable[..., object], *args: Any) -> None:
        """Run ``append(*args)`` later, in its place among deferred records; it appends."""
        self._pending.append(_DeferredCall(append, args))
        self._calls = True
        if len(self._pending) >= PENDING_MAX:
            self.settle()

    def settle(self) -> None:
        """Append every deferred record now, in order."""
        while self._pending:
            pending, self._pending = self._pending, []
            if not self._calls:  # records only (most settles): one run
                self._append_all(pending)
                continue
            self._calls = False  # set again by a call deferred while these run
            records: list[R] = []  # a run of deferred records, kept in chunks
            for item in pending:
                if type(item) is _DeferredCall:
                    if records:
                        self._append_all(records)
                        records = []
                    item.append(*item.args)
                else:
                    records.append(item)
            if records:
                self._append_all(records)

    def _append_all(self, records: list[R]) -> None:
        """Keep a run of records in order, in chunks of ``_chunk`` records marshalled at once.

        One marshal per chunk costs about half of one per record (marshal's table of
        shared objects is built once; its keys are written once). A chunk is kept only
        when it is ``COMPACT_ABOVE`` bytes at most: then none of its records alone is
        larger (each would marshal to at most the chunk's bytes), so none would be cut
        when sealed. Else its records are kept one by one, as ``append`` keeps them.
        """
        to_plain, done, count = self._to_plain, 0, len(records)
        while done < count:
            group = records[done:done + self._chunk]
            done += len(group)
            plains = list(map(to_plain, group))  # no comprehension's frame to set up
            if len(plains) > 1:
                try:
                    item = marshal.dumps(plains, MARSHAL_VERSION)
                except ValueError:  # one is not marshal's: each on its own, converted
                    item = b""
                if 0 < len(item) <= COMPACT_ABOVE:
                    self._keep(item, len(plains), None)
                    continue
            for plain_record in plains:
                self._keep_one(plain_record)

    def _keep_one(self, plain_record: Any) -> Any:
        """Keep one record's plain form as a chunk of its own; returns it as kept."""
        try:
            item = marshal.dumps([plain_record], MARSHAL_VERSION)
        except ValueError:  # an object marshal does not take: keep its plain form
            plain_record = plain(plain_record)
            item = marshal.dumps([plain_record], MARSHAL_VERSION)
        cut = None
        if len(item) > COMPACT_ABOVE:
            # Cut now, from the live record (a walk of at most MAX_ITEMS per list),
            # rather than decode the whole record again when its block is sealed: a
            # 3000-member list costs ~5 ms to decode. Held until then, so it counts too.
            cut = marshal.dumps([shortened(plain_record)], MARSHAL_VERSION)
        self._keep(item, 1, cut)
        return plain_record

    def _keep(self, item: bytes, count: int, cut: bytes | None) -> None:
        """Keep a chunk of ``count`` records (and its cut form, when it is one large one)."""
        if self._current_count >= BLOCK_RECORDS or self._current_size >= BLOCK_BYTES:
            self._seal()
        self._current.append(item)
        self._current_counts.append(count)
        self._current_count += count
        self._current_size += len(item) + RECORD_OVERHEAD
        if cut is not None:
            self._compacted[id(item)] = cut
            self._current_size += len(cut)
        self._appended += count
        # The next chunk: as many records as fill ``CHUNK_BYTES`` at this chunk's size each.
        self._chunk = max(1, min(CHUNK_RECORDS, CHUNK_BYTES * count // len(item)))
        if (self._sealed_cost + self._previous_size + self._current_size > self.budget
                or (self.max_records is not None
                    and self._appended - self._first > self.max_records)):
            self._enforce()

    def clear(self) -> None:
        self._pending = []
        self._calls = False  # whether a deferred call waits among ``_pending``
        #: Compacted forms of the large records not sealed yet, by ``id`` of their bytes.
        self._compacted: dict[int, bytes] = {}
        self._sealed: list[_Block] = []
        self._sealed_cost = 0
        # The newest full block (kept exact until the next seal) and the block taking
        # records: their chunks, how many records each chunk holds, and their totals.
        self._previous: list[bytes] = []
        self._previous_counts: list[int] = []
        self._previous_count = 0
        self._previous_size = 0
        self._current: list[bytes] = []
        self._current_counts: list[int] = []
        self._current_count = 0
        self._current_size = 0
        self._appended = 0
        self._first = 0  # position of the oldest record kept

    def _seal(self) -> None:
        """Compact and compress the previous block; the current one becomes previous."""
        self._store(self._previous, self._previous_count, self._unsealed_start())
        self._previous, self._previous_counts = self._current, self._current_counts
        self._previous_count, self._previous_size = self._current_count, self._current_size
        self._current, self._current_counts, self._current_count, self._current_size = (
            [], [], 0, 0)

    def _unsealed_start(self) -> int:
        return self._appended - self._current_count - self._previous_count

    def _compact(self, item: bytes) -> bytes:
        cut = self._compacted.pop(id(item), None)
        return cut if cut is not None else _compact(item)

    def _store(self, items: list[bytes], count: int, start: int) -> None:
        if items:
            # Every record over ``COMPACT_ABOVE`` is a chunk of its own with its cut form in
            # ``_compacted`` (made when kept): without one waiting, the block is kept as it is.
            compacted = self._compacted
            if compacted:
                items = [compacted.pop(id(item), item) for item in items]
            data = _compress(marshal.dumps(items, MARSHAL_VERSION))
            block = _Block(start, count, data)
            self._sealed.append(block)
            self._sealed_cost += block.cost

    def _enforce(self) -> None:
        """Evict the oldest records until the log fits its budget (and its record cap).

        Order: the oldest sealed block; else compact the previous block; else compact
        all but the newest chunk; last, the newest chunk alone, compacted, or dropped
        when even that is over the budget.
        """
        while (self.max_records is not None and self._appended - self._first > self.max_records
               and self._sealed):
            self._drop_block()
        while self._kept_bytes() > self.budget:
            if self._sealed:
                self._drop_block()
            elif self._previous:
                self._store(self._previous, self._previous_count, self._unsealed_start())
                self._previous, self._previous_counts = [], []
                self._previous_count, self._previous_size = 0, 0
            elif len(self._current) > 1:
                newest, newest_count = self._current.pop(), self._current_counts.pop()
                self._store(self._current, self._current_count - newest_count,
                            self._unsealed_start())
                self._current, self._current_counts = [newest], [newest_count]
                self._current_count = newest_count
                self._current_size = len(newest) + RECORD_OVERHEAD
            else:
                self._shrink_newest()
                return

    def _drop_block(self) -> None:
        block = self._sealed.pop(0)
        self._sealed_cost -= block.cost
        self._first = block.start + block.count
        self._evicted += block.count

    def _shrink_newest(self) -> None:
        """The newest chunk alone is over the budget: keep it compacted, or not at all."""
        item = self._compact(self._current[0])
        self._current, self._current_size = [item], len(item) + RECORD_OVERHEAD
        if self._kept_bytes() > self.budget:
            self._first += self._current_count
            self._evicted += self._current_count
            self._current, self._current_counts = [], []
            self._current_count, self._current_size = 0, 0

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
        unsealed, unsealed_start = self._unsealed(position)
        out: list[R] = []
        for block in sealed:
            if block.start + block.count > position:
                out += self._decode(block.plains()[max(0, position - block.start):])
        out += self._decode(_plains(unsealed)[max(0, position - unsealed_start):])
        return out

    def _unsealed(self, position: int) -> tuple[list[bytes], int]:
        """The open blocks' chunks from the one holding ``position`` (or the first), and
        the position of that chunk's first record."""
        items = [*self._previous, *self._current]
        counts = [*self._previous_counts, *self._current_counts]
        start, skip = self._unsealed_start(), 0
        while skip < len(items) - 1 and start + counts[skip] <= position:
            start += counts[skip]
            skip += 1
        return items[skip:], start

    def plain_after(self, mark: int, key: Callable[[Any], int]) -> list[Any]:
        """The plain forms of the records whose ``key`` is over ``mark``, oldest first.

        ``key`` must grow with position (a transcript entry's ``n``): a block wholly at
        or under ``mark`` is skipped without decoding more than its last chunk (once).
        """
        self.settle()
        sealed = self._sealed
        first = bisect.bisect_right(sealed, mark, key=lambda b: _last_key(b, key))
        out: list[Any] = []
        for i, block in enumerate(sealed[first:]):
            plains = block.plains()
            out += [p for p in plains if key(p) > mark] if i == 0 else plains
        unsealed = _plains([*self._previous, *self._current])
        out += unsealed[bisect.bisect_right(unsealed, mark, key=key):]
        return out

    def _decode(self, plains: list[Any]) -> list[R]:
        from_plain = self._from_plain
        return [from_plain(p) for p in plains]

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
        if position >= self._unsealed_start():
            items, start = self._unsealed(position)
            found = marshal.loads(items[0])[position - start]
        else:
            block = self._sealed[bisect.bisect_right(self._sealed, position,
                                                     key=lambda b: b.start) - 1]
            found = block.plains()[position - block.start]
        return self._from_plain(found)

    def __repr__(self) -> str:
        return (f"RecordLog({len(self)} records, {self.nbytes} of {self.budget} bytes, "
                f"{self.evicted} evicted)")


#: zstd's contexts are reused (a new one per block would cost more than the block) and are
#: not thread-safe: one pair per thread.
_codecs = threading.local()


def _compress(data: bytes) -> bytes:
    compressor: zstandard.ZstdCompressor | None = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(level=COMPRESSION)
    # Copied: the bytes ``compress`` returns keep the buffer it allocated for the worst case
    # (about the input's size), ~9x what the block needs, for as long as the block is kept.
    return bytes(memoryview(compressor.compress(data)))


def _decompress(data: bytes) -> bytes:
    decompressor: zstandard.ZstdDecompressor | None = getattr(_codecs, "decompressor", None)
    if decompressor is None:
        decompressor = _codecs.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(data)


def _plains(chunks: list[bytes]) -> list[Any]:
    """The records of ``chunks``, in order (each chunk is a marshalled list of them)."""
    out: list[Any] = []
    for chunk in chunks:
        out += marshal.loads(chunk)
    return out


def _last_key(block: _Block, key: Callable[[Any], int]) -> int:
    if block.last is None:
        block.last = key(marshal.loads(block.chunks()[-1])[-1])
    return block.last


def _compact(item: bytes) -> bytes:
    """A chunk with its records' long strings and lists cut; a small one is kept as it is."""
    if len(item) <= COMPACT_ABOVE:
        return item  # cheap to keep, and most chunks are this small
    return marshal.dumps([shortened(record) for record in marshal.loads(item)],
                         MARSHAL_VERSION)
