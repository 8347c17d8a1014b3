"""The event bus: world facts fanned out to every connection, never blocking the world.

Each subscriber owns a trio memory channel bounded in events (``max_buffer``)
and in the bytes of the large messages waiting in it (``max_bytes``: a stuck
connection must not hold a thousand 5 MB messages). Overflow policy: when a
subscriber's buffer is full the *new* event is dropped for that subscriber
only, counted in ``Subscription.dropped`` and logged, so one stuck bot can
neither stall the world nor other connections (NapCat itself loses events a
connection cannot take).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import trio

from .world import DomainEvent
from .world.events import MessageCreated, MessageRecalled

#: Bytes of large messages one subscription may hold waiting (``event_bytes``).
MAX_PENDING_BYTES = 16 * 1024 * 1024
#: Events smaller than this are only counted (``max_buffer`` bounds them: at most
#: ``max_buffer`` x 4 KiB); larger ones are weighed against ``max_bytes``.
LARGE_EVENT = 4096

log = logging.getLogger("qqsim.bus")
#: Whether a subscriber takes an event (``Subscription.accepts``).
Accepts = Callable[[DomainEvent], bool]


def event_bytes(event: DomainEvent) -> int:
    """About what an event holds in memory: a message's text twice (segments and raw)."""
    if isinstance(event, MessageCreated | MessageRecalled):
        return 2 * len(event.message.raw_message) + 512
    return 512


class Subscription:
    def __init__(self, bus: EventBus, name: str, max_buffer: int,
                 max_bytes: int = MAX_PENDING_BYTES, accepts: Accepts | None = None) -> None:
        self._bus = bus
        self.name = name
        #: Which events this subscriber takes at all (None: every one); the others are
        #: neither queued nor counted as dropped.
        self.accepts = accepts
        self._send, self.receive = trio.open_memory_channel[DomainEvent](max_buffer)
        self.max_bytes = max_bytes
        self.dropped = 0
        self._offered = 0
        # Large events still waiting: (position among the offered events, bytes).
        self._large: deque[tuple[int, int]] = deque()
        self._large_bytes = 0

    def offer(self, event: DomainEvent) -> None:
        if self.accepts is not None and not self.accepts(event):
            return
        size = event_bytes(event)
        if (size >= LARGE_EVENT or self._large) and not self._room_for(size):
            self._drop()
            return
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self._drop()
            return
        except trio.BrokenResourceError:
            self.close()
            return
        if size >= LARGE_EVENT:
            self._large.append((self._offered, size))
            self._large_bytes += size
        self._offered += 1

    def _room_for(self, size: int) -> bool:
        """Forget the large events the connection took, then weigh this one."""
        taken = self._offered - self.pending  # the channel is FIFO: the oldest went first
        while self._large and self._large[0][0] < taken:
            self._large_bytes -= self._large.popleft()[1]
        # A lone large event always fits: the bound is on what piles up behind it.
        return (size < LARGE_EVENT or not self._large
                or self._large_bytes + size <= self.max_bytes)

    def _drop(self) -> None:
        self.dropped += 1
        log.warning("%s is not keeping up: dropped an event (%d so far)", self.name,
                    self.dropped)

    @property
    def pending(self) -> int:
        """Events waiting here for the connection to take them."""
        return self._send.statistics().current_buffer_used

    def close(self) -> None:
        self._bus.unsubscribe(self)
        self._send.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class BusStatistics:
    subscribers: int
    published: int
    dropped: int


class EventBus:
    def __init__(self, max_buffer: int = 1000) -> None:
        self.max_buffer = max_buffer
        self._subscriptions: list[Subscription] = []
        self._published = 0
        self._dropped_by_gone = 0

    def subscribe(self, name: str, max_buffer: int | None = None,
                  accepts: Accepts | None = None) -> Subscription:
        """A new subscriber's channel; ``accepts`` filters what it is offered."""
        subscription = Subscription(self, name, max_buffer or self.max_buffer,
                                    accepts=accepts)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            self._dropped_by_gone += subscription.dropped

    def publish(self, event: DomainEvent) -> None:
        """Hand ``event`` to every subscriber without waiting (sync, from the trio thread)."""
        self._published += 1
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    def pending(self) -> int:
        """Events published but not yet taken by every connection (``is_quiet`` needs none)."""
        return sum(s.pending for s in self._subscriptions)

    def statistics(self) -> BusStatistics:
        dropped = self._dropped_by_gone + sum(s.dropped for s in self._subscriptions)
        return BusStatistics(len(self._subscriptions), self._published, dropped)
