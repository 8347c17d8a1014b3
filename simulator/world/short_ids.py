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


class ShortIds:
    """The short ids of one world's messages (see the module)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._bits: bytearray | None = None
        self._mask = 0
        #: Ids that may be added before the bitmap is too full for its odds (then rebuilt).
        self._room = 0

    def forget(self) -> None:
        self._bits = None

    def claim(self, message_id: int) -> bool:
        """Take ``message_id`` for a new message (its INSERT may run later), unless a
        message of the world (queued ones included) has it: then False."""
        bits = self._bits
        if bits is None:
            bits = self._load()
        bit = message_id & self._mask
        byte, flag = bit >> 3, 1 << (bit & 7)
        if bits[byte] & flag and self._stored(message_id):
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

    def _load(self) -> bytearray:
        # The table's ids, queued sends' included (the query runs the queue first).
        count = self._conn.execute("SELECT COUNT(*) FROM message").fetchone()[0]
        size = MIN_BITS
        while size < (count + 1) * BITS_PER_ID:
            size *= 2
        self._mask = size - 1
        bits = bytearray(size // 8)
        for (message_id,) in self._conn.execute("SELECT message_id FROM message"):
            bit = message_id & self._mask
            bits[bit >> 3] |= 1 << (bit & 7)
        self._room = size // BITS_PER_ID - count
        self._bits = bits
        return bits
