"""The event bus: world facts fanned out to every connection, never blocking the world.

Each subscriber owns a bounded trio memory channel. Overflow policy: when a
subscriber's buffer is full the *new* event is dropped for that subscriber
only, counted in ``Subscription.dropped`` and logged, so one stuck bot can
neither stall the world nor other connections (NapCat itself loses events a
connection cannot take).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trio

from .world import DomainEvent

log = logging.getLogger("qqsim.bus")


class Subscription:
    def __init__(self, bus: EventBus, name: str, max_buffer: int) -> None:
        self._bus = bus
        self.name = name
        self._send, self.receive = trio.open_memory_channel[DomainEvent](max_buffer)
        self.dropped = 0

    def offer(self, event: DomainEvent) -> None:
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self.dropped += 1
            log.warning("%s is not keeping up: dropped an event (%d so far)", self.name,
                        self.dropped)
        except trio.BrokenResourceError:
            self.close()

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

    def subscribe(self, name: str, max_buffer: int | None = None) -> Subscription:
        subscription = Subscription(self, name, max_buffer or self.max_buffer)
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
