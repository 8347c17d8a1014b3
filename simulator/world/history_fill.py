"""Filling a generated world's history: ``--messages N`` rows as ``Messages`` stores them.

Each row is what ``Messages.post_group`` / ``post_private`` would have stored
had the message been sent at its time: row ids counting from 1, NapCat-style
short ids from ``short_message_id`` (salted on a collision, exactly as the
world salts them), per-chat ``seq`` from 1, the sender's nickname and card as
they were, the received form of the segments (``onebot.compose``), and the
sender's ``last_sent_time``. Senders are members of the group, or a bot and
its friend in a private chat. A few groups are busy and most are quiet
(Zipf-like): in a 1M-message history the busiest group holds ~100k.

Rows are built as tuples and written with ``executemany`` in batches, all in
one transaction, with the message table's secondary indexes dropped and built
again at the end (``indexes_deferred``: twice as fast at 1M rows). The JSON and
CQ text are assembled from fixed fragments: ``json.dumps`` per message would
cost ~2.5 µs of a ~12 µs budget. The replay test in ``tests/test_generate.py``
sends the same messages through ``Person`` and compares every stored column.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from .bulk import Phase, Progress, indexes_deferred, insert_rows
from .draft import Draft, DraftGroup, GenerateParams
from .faces import face_element
from .messages import _NT_MSG_ID_BASE, short_message_id
from .tables import MessageRow, chat_key

BATCH = 20_000
PRIVATE_SHARE = 0.1  # of all messages, when the bots have friends
MAX_SPAN = 30 * 86400  # history reaches back at most 30 days...
GAP = 30  # ...and at most 30 s per message on average
MAX_WORDS = 8
# Common QQ faces, all in QQ's face table (``faces.py``).
FACES = (14, 13, 4, 5, 21, 63, 66, 76, 98, 99, 124, 176, 178, 179, 182, 212, 264, 277, 285)
COLUMNS = ("id", "message_id", "chat_type", "chat", "group_id", "sender_id", "peer_id", "seq",
           "time", "segments_json", "raw_message", "recalled", "recalled_by", "temp_source",
           "sender_nickname", "sender_card")
_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str


def _face_json(face: int) -> str:
    data = {"id": str(face), "raw": face_element(face), "resultId": None, "chainCount": None}
    return json.dumps({"type": "face", "data": data}, ensure_ascii=False)


def _face_raw(face: int) -> str:
    # As the CQ codec renders an object value (no face text holds "&", "[" or "]").
    raw = json.dumps(face_element(face), ensure_ascii=False, separators=(",", ":"))
    return f"[CQ:face,id={face},raw={raw.replace(',', '&#44;')}]"


_FACE_PARTS = [(_face_json(face), _face_raw(face)) for face in FACES]


def _escape(text: str) -> str:
    """CQ text escaping (``codec.escape_text``); lorem words rarely need it."""
    return text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")


@dataclass(slots=True)
class _Chat:
    chat_type: str
    chat: int
    members: list[int]  # a group's members, or the two people of a private chat
    cards: list[str]
    group_id: int = 0
    seq: int = 0
    last_sent: list[int] = field(default_factory=list)


def _chats(rng: random.Random, draft: Draft) -> tuple[list[_Chat], list[float]]:
    """Every chat and cumulative weights: Zipf over the groups in a random order."""
    groups = list(draft.groups)
    rng.shuffle(groups)
    chats = [_group_chat(g) for g in groups]
    weights = [1.0 / (rank + 1) for rank in range(len(groups))]
    if draft.friends:
        group_total = sum(weights)
        share = group_total * PRIVATE_SHARE / (1 - PRIVATE_SHARE) if groups else 1.0
        per_pair = share / len(draft.friends)
        for a, b in draft.friends:
            chats.append(_Chat("private", chat_key("private", a, b), [a, b], ["", ""]))
            weights.append(per_pair)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return chats, cumulative


def _group_chat(group: DraftGroup) -> _Chat:
    return _Chat("group", chat_key("group", group.group_id), group.members, group.cards,
                 group.group_id, last_sent=[0] * len(group.members))


class _Writer:
    """Builds message rows batch by batch; one instance per fill."""

    def __init__(self, rng: random.Random, draft: Draft) -> None:
        self.rng = rng
        vocabulary = draft.vocabulary
        self.words, self.join = vocabulary.words, vocabulary.word_connector.join
        self.endings = vocabulary.endings
        assert len(self.endings) == 7  # batch() picks one with int(random() * 7)
        # Lorem words hardly ever hold a character CQ text must escape; skip it then.
        self.escape = any(c in word for word in (*self.words.values, *self.endings)
                          for c in "&[]")
        self.nicknames = draft.nicknames()
        self.taken: set[int] = set()
        self.row_id = 0

    def batch(self, picks: list[_Chat], times: list[int]) -> list[tuple[Any, ...]]:
        """One row per picked chat. Hot (~1M iterations): locals, and few calls."""
        random_, join, endings = self.rng.random, self.join, self.endings
        nicknames, taken, row_id, escape = self.nicknames, self.taken, self.row_id, self.escape
        lengths = [1 + int(random_() * MAX_WORDS) for _ in picks]
        words = self.words.draw(self.rng, sum(lengths))  # one draw for the whole batch
        rows, start = [], 0
        for i, chat in enumerate(picks):
            when, members = times[i], chat.members
            index = int(len(members) * random_() ** 2)  # owner and admins come first, talk more
            sender = members[index]
            sentence = join(words[start:start + lengths[i]]) + endings[int(random_() * 7)]
            start += lengths[i]
            if chat.group_id:
                chat.last_sent[index] = when
                peer = short_peer = chat.group_id
            else:
                peer = members[1 - index]
                short_peer = min(sender, peer)
            segments, raw = _content(chat, sender, sentence,
                                     _escape(sentence) if escape else sentence, random_())
            row_id += 1
            message_id = short_message_id(_NT_MSG_ID_BASE + row_id, chat.chat_type, short_peer)
            if message_id in taken:
                message_id = _salted(taken, row_id, chat.chat_type, short_peer)
            taken.add(message_id)
            chat.seq += 1
            rows.append((row_id, message_id, chat.chat_type, chat.chat, chat.group_id, sender,
                         peer, chat.seq, when, segments, raw, False, 0, 0, nicknames[sender],
                         chat.cards[index]))
        self.row_id = row_id
        return rows


def _salted(taken: set[int], row_id: int, chat_type: str, peer: int) -> int:
    """As ``Messages`` does when an MD5 prefix collides: salt 1, 2, ... until free."""
    salt, message_id = 0, 0
    while salt == 0 or message_id in taken:
        salt += 1
        message_id = short_message_id(_NT_MSG_ID_BASE + row_id, chat_type, peer, salt)
    return message_id


def _content(chat: _Chat, sender: int, sentence: str, text: str, kind: float
             ) -> tuple[str, str]:
    """``segments_json`` and ``raw_message``: text, sometimes an @ or a face.

    ``text`` is ``sentence`` escaped for CQ text; ``kind`` (uniform in [0, 1)) picks
    the shape and, scaled, the @ target or the face.
    """
    if kind >= 0.12:  # most messages are plain text
        return f'[{{"type": "text", "data": {{"text": {_text(sentence)}}}}}]', text.strip()
    if kind < 0.06 and chat.group_id:  # NapCat drops @ in private chats, so groups only
        target = chat.members[int(kind / 0.06 * len(chat.members))]
        if target != sender:
            return (f'[{{"type": "at", "data": {{"qq": "{target}"}}}}, '
                    f'{{"type": "text", "data": {{"text": {_text(" " + sentence)}}}}}]',
                    f"[CQ:at,qq={target}] {text}".strip())
    if kind >= 0.06:
        face_json, face_raw = _FACE_PARTS[int((kind - 0.06) / 0.06 * len(_FACE_PARTS))]
        if kind < 0.08:
            return f"[{face_json}]", face_raw
        return (f'[{{"type": "text", "data": {{"text": {_text(sentence)}}}}}, {face_json}]',
                f"{text}{face_raw}".strip())
    return f'[{{"type": "text", "data": {{"text": {_text(sentence)}}}}}]', text.strip()


def fill_history(conn: sqlite3.Connection, draft: Draft, params: GenerateParams, now: int,
                 progress: Progress) -> None:
    """Write ``params.messages`` messages ending at ``now`` into an empty message table."""
    count = params.messages
    if conn.execute("SELECT COUNT(*) FROM message").fetchone()[0]:
        raise RuntimeError("filling history needs a world without messages")
    rng = random.Random(f"{params.seed}/messages")
    chats, cumulative = _chats(rng, draft)
    if not chats or not count:
        return
    writer, started, cpu = _Writer(rng, draft), time.perf_counter(), time.process_time()
    span = min(MAX_SPAN, count * GAP)
    try:
        with indexes_deferred(conn, MessageRow):
            for done in range(0, count, BATCH):
                size = min(BATCH, count - done)
                picks = rng.choices(chats, cum_weights=cumulative, k=size)
                times = [now - span + (done + i) * span // count for i in range(1, size + 1)]
                insert_rows(conn, MessageRow, COLUMNS, writer.batch(picks, times))
                _report_quarter(progress, done, size, count, started)
            writer.taken = set()  # ~60 MB at 1M ids: gone before the indexes are built
            touched = _write_last_sent(conn, chats)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # Per CPU-second too: on a shared machine the wall-clock rate says more about the load.
    progress(Phase("messages", count, seconds,
                   f"{count / seconds:,.0f} messages/s, {count / cpu:,.0f} per CPU-second, "
                   f"{touched:,} members spoke"))


def _report_quarter(progress: Progress, done: int, size: int, count: int,
                    started: float) -> None:
    """A line at each quarter of a long fill, so a big history does not look stuck."""
    quarter = max(count // 4, 200_000)
    if (done + size) // quarter > done // quarter and done + size < count:
        progress(Phase("messages so far", done + size, time.perf_counter() - started))


def _write_last_sent(conn: sqlite3.Connection, chats: list[_Chat]) -> int:
    """Each sender's ``last_sent_time``, as ``Groups.touch`` leaves it after posting."""
    updates = [(when, chat.group_id, uid)
               for chat in chats if chat.chat_type == "group"
               for uid, when in zip(chat.members, chat.last_sent, strict=True) if when]
    conn.executemany("UPDATE member SET last_sent_time = ? WHERE group_id = ? AND user_id = ?",
                     updates)
    return len(updates)

