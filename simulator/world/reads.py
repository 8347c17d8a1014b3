"""Read markers: how far each account has read each of its chats.

QQ marks a whole conversation read at once (``setMsgRead`` takes a peer, not a
message), so a marker is the sequence number of the newest message the chat
had when it was marked. Messages from others after it are unread.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from .core import WorldCore
from .history import ChatRef, History
from .snapshots import Message


class ReadMarkerRow(SQLModel, table=True):
    __tablename__ = "read_marker"
    self_id: int = Field(primary_key=True)
    chat_type: str = Field(primary_key=True)
    peer_id: int = Field(primary_key=True)
    seq: int = 0
    time: int = 0


#: ``_mark`` in plain SQL: a marker never moves back (``seq`` is the stored one).
_MARK = (
    f"INSERT INTO {ReadMarkerRow.__tablename__} (self_id, chat_type, peer_id, seq, time) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (self_id, chat_type, peer_id) "
    "DO UPDATE SET seq = MAX(seq, excluded.seq), time = excluded.time"
)


class Reads:
    def __init__(self, core: WorldCore, history: History) -> None:
        self._core = core
        self._db = core.session
        self._history = history

    def mark_read(self, self_id: int, chat: ChatRef) -> None:
        """``self_id`` has read everything ``chat`` holds now."""
        self._mark(self_id, chat)
        self._core.commit()

    def mark_all_read(self, self_id: int) -> int:
        """Mark every chat of ``self_id`` read; returns how many chats there were.

        As ``mark_read`` for each, in one statement for all: a bot may have 10k chats, and
        an ORM row each held the event loop for seconds.
        """
        chats = self._history.latest_seqs(self_id)  # flushes the ORM's markers first
        now = self._core.now()
        with self._core.writing() as conn:
            conn.executemany(_MARK, [(self_id, chat.chat_type, chat.peer_id, seq, now)
                                     for chat, seq in chats])
        self._tell_loaded(self_id, chats, now)
        return len(chats)

    def _tell_loaded(self, self_id: int, chats: list[tuple[ChatRef, int]], now: int) -> None:
        """Markers the session holds take what ``_MARK`` stored: ``read_seq`` reads them."""
        for chat, seq in chats:
            row = self._core.loaded(ReadMarkerRow, self_id, chat.chat_type, chat.peer_id)
            if row is not None:
                self._core.set_stored(row, "seq", max(row.seq, seq))
                self._core.set_stored(row, "time", now)

    def _mark(self, self_id: int, chat: ChatRef) -> None:
        seq = self._history.latest_seq(self_id, chat)
        row = self._db.get(ReadMarkerRow, (self_id, chat.chat_type, chat.peer_id))
        if row is None:
            row = ReadMarkerRow(self_id=self_id, chat_type=chat.chat_type, peer_id=chat.peer_id)
            self._db.add(row)
        row.seq, row.time = max(row.seq, seq), self._core.now()

    def read_seq(self, self_id: int, chat: ChatRef) -> int:
        """The sequence number ``self_id`` has read ``chat`` up to (0: never marked)."""
        row = self._db.get(ReadMarkerRow, (self_id, chat.chat_type, chat.peer_id))
        return 0 if row is None else row.seq

    def unread_count(self, self_id: int, chat: ChatRef) -> int:
        """Messages from others in ``chat`` that ``self_id`` has not read (recalled ones aside)."""
        return self._history.count_after(self_id, chat, self.read_seq(self_id, chat))

    def is_read(self, self_id: int, message: Message) -> bool:
        """Whether ``self_id`` has read ``message`` (what a sender's read receipt shows)."""
        return message.seq <= self.read_seq(self_id, ChatRef.of(message, self_id))
