"""Which short message ids a world holds, known for a new id without a query.

A message's id is part of its answer, so a new one must be known free before the
send is answered, yet an in-memory world runs its INSERTs later, in batches
(``connection``): the table's UNIQUE constraint cannot be the check. ``ShortIds``
is a bitmap over the ids' low bits, derived from the ``message`` table: a clear
bit means the id is free; a set bit is asked of the table (another id may share
the bits), which then holds the queued sends too. It is one of the world's
derived caches (forgotten with them: ``WorldCore.forget_derived``).
"""

from __future__ import annotations

import sqlite3

#: Fewest bits kept (16 KiB): a small world's ids, with room.
MIN_BITS = 1 << 17
#: Bits per id held when the bitmap is built: a new id's bit is set by another with
#: odds of about one in this many.
BITS_PER_ID = 16
#: Rows read into a bitmap being built, per claim (~5 ms). Read in one go, a world of a
#: million messages held the event loop for 0.35 s at its first send, at each rebuild
#: and after each rollback.
READ_CHUNK = 10_000


class ShortIds:
    """The short ids of one world's messages (see the module).

    A bitmap is built from the table a chunk of rows per claim (``READ_CHUNK``): until
    every row that was there when it began is read, a clear bit proves nothing, so each
    claim asks the table. Rows added since were claimed here, their bits set.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._bits: bytearray | None = None
        self._mask = 0
        #: Ids that may be added before the bitmap is too full for its odds (then rebuilt).
        self._room = 0
        #: Rows not read into the bitmap yet: those after row ``_read_to`` up to ``_read_end``.
        self._read_to = self._read_end = 0

    def forget(self) -> None:
        self._bits = None

    def claim(self, message_id: int) -> bool:
        """Take ``message_id`` for a new message (its INSERT may run later), unless a
        message of the world (queued ones included) has it: then False."""
        bits = self._bits
        if bits is None:
            bits = self._start()
        bit = message_id & self._mask
        byte, flag = bit >> 3, 1 << (bit & 7)
        if self._read_to < self._read_end:
            self._read_chunk(bits)
            if self._stored(message_id):  # a clear bit proves nothing yet
                return False
        elif bits[byte] & flag and self._stored(message_id):
            return False
        bits[byte] |= flag
        self._room -= 1
        if self._room < 0:
            self._bits = None  # too full for its odds: rebuilt larger when next asked
        return True

    def _stored(self, message_id: int) -> bool:
        """Whether the table (which runs the queued sends first) has ``message_id``."""
        found = self._conn.execute("SELECT 1 FROM message WHERE message_id = ?",
                                   (message_id,)).fetchone()
        return found is not None

    def _start(self) -> bytearray:
        """An empty bitmap sized for the table, its rows to be read (``_read_chunk``)."""
        # The last row id, not COUNT(*): one index step, not a scan. Rows are numbered
        # from 1, so it is the count or more (a roomier bitmap, no other harm).
        last_row = int(self._conn.execute("SELECT MAX(id) FROM message").fetchone()[0] or 0)
        size = MIN_BITS
        while size < (last_row + 1) * BITS_PER_ID:
            size *= 2
        self._mask = size - 1
        self._room = size // BITS_PER_ID - last_row
        self._read_to, self._read_end = 0, last_row
        self._bits = bytearray(size // 8)
        return self._bits

    def _read_chunk(self, bits: bytearray) -> None:
        """Read the ids of the next ``READ_CHUNK`` row numbers into ``bits`` (as many rows
        at most: a row's id is its own number)."""
        end = min(self._read_to + READ_CHUNK, self._read_end)
        mask = self._mask
        for (message_id,) in self._conn.execute(  # a row at a time: no list to collect
                "SELECT message_id FROM message WHERE id > ? AND id <= ?",
                (self._read_to, end)):
            bit = message_id & mask
            bits[bit >> 3] |= 1 << (bit & 7)
        self._read_to = end
