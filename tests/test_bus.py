"""The event bus bounds what a stuck connection holds: in events, and in bytes of messages."""

from __future__ import annotations

import trio

from simulator.bus import EventBus
from simulator.clock import ManualClock
from simulator.world import DomainEvent, build_world, load_spec

MB = 1024 * 1024


def _big_messages(count: int, size: int) -> list[DomainEvent]:
    world = build_world(load_spec(), clock=ManualClock())
    events: list[DomainEvent] = []
    world.add_listener(events.append)
    for n in range(count):
        text = f"{n}:" + "x" * size
        world.messages.post_group(10001, 100100, [{"type": "text", "data": {"text": text}}],
                                  text)
    world.close()
    return events


def test_a_stuck_connection_holds_a_bounded_amount_of_message_bytes() -> None:
    bus = EventBus(max_buffer=1000)
    events = _big_messages(30, MB)
    with bus.subscribe("stuck") as stuck:
        stuck.max_bytes = 8 * MB
        for event in events:
            bus.publish(event)
        # each message weighs a little over 2 MB (text and segments): three fit in 8 MB
        assert stuck.pending == 3 and stuck.dropped == 27
        for _ in range(3):  # the connection catches up...
            stuck.receive.receive_nowait()
        bus.publish(events[0])  # ...and there is room again
        assert stuck.pending == 1 and stuck.dropped == 27


def test_a_lone_message_larger_than_the_bound_still_goes_through() -> None:
    bus = EventBus()
    (event,) = _big_messages(1, 3 * MB)
    with bus.subscribe("slow") as slow:
        slow.max_bytes = MB
        bus.publish(event)
        assert slow.pending == 1 and slow.dropped == 0
        try:
            slow.receive.receive_nowait()
        except trio.WouldBlock:  # pragma: no cover - the event must be there
            raise AssertionError("the event was not queued") from None
