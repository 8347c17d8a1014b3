"""World entries keep an event's audience as its set (``facts.shaped``), and call and frame
records convert to their values in order (``traffic.action_plain``)."""

from __future__ import annotations

import marshal

from simulator.facts import fields_of, shaped, unshaped
from simulator.traffic import (
    ACTION_ENTRY,
    FRAME_ENTRY,
    ActionRecord,
    FrameRecord,
    action_of,
    action_plain,
    frame_of,
    frame_plain,
)
from simulator.transcript import Transcript
from simulator.world.events import AdminChanged, MemberMuted


def test_an_audience_reads_back_sorted_from_the_kept_set() -> None:
    event = MemberMuted(time=5, audience=frozenset({30, 10, 20}), group_id=1, user_id=2,
                        operator_id=3, duration=60)
    kept = marshal.loads(marshal.dumps(shaped(event), 4))
    assert unshaped(kept) == fields_of(event)
    assert unshaped(kept)["audience"] == [10, 20, 30]


def test_world_entries_read_the_same_kept_lazily_or_at_once() -> None:
    transcript = Transcript(lambda: 100)
    events = [AdminChanged(time=1, audience=frozenset({7, 3}), group_id=9, user_id=3,
                           is_admin=True),
              MemberMuted(time=2, audience=frozenset({4, 1, 2}), group_id=9, user_id=0,
                          operator_id=4, duration=0)]
    for event in events:
        transcript.world(event, lazy=True)
    for event in events:
        transcript.world(event)
    entries = list(transcript.entries)
    lazy, eager = entries[:2], entries[2:]
    assert [{**e, "n": 0} for e in lazy] == [{**e, "n": 0} for e in eager]
    assert [e["audience"] for e in lazy] == [[3, 7], [1, 2, 4]]


def test_call_and_frame_records_convert_to_their_fields_in_order_and_back() -> None:
    call = ActionRecord(1, "ws", "send_group_msg", {"message": "hi"}, {"status": "ok"}, 1.5,
                        100, 7, "no_reply", 42)
    plain = action_plain(call)
    assert plain == (1, "ws", "send_group_msg", {"message": "hi"}, {"status": "ok"}, 1.5,
                     100, 7, "no_reply", 42) and plain[ACTION_ENTRY] == 42
    assert action_of(plain) == call and action_of(plain).entry == 42
    frame = FrameRecord(1, "ws", {"post_type": "meta_event"}, 100, 8, 43)
    assert frame_plain(frame) == (1, "ws", {"post_type": "meta_event"}, 100, 8, 43)
    assert frame_of(frame_plain(frame)) == frame and frame_plain(frame)[FRAME_ENTRY] == 43
