"""The console's live feed: a WebSocket at ``/api/stream`` with every world fact and frame.

Each text frame is one JSON object with a ``kind``:

* ``hello``: sent first, with the traffic ``seq`` reached and the world time;
* ``world``: a domain event (``type``, ``time``, ``audience``, ``data``) — a message
  posted or recalled, a member muted, a request created...; a notice the console
  shows inline (``world.notices.NOTICE_TYPES``) also has ``names`` (number → name);
* ``action`` / ``frame``: a record as ``/api/actions`` and ``/api/frames`` list it;
* ``connections``: the live bot connections changed (as ``/api/connections``);
* ``fault``: an armed fault took an occasion (``fault``, ``bot``, ``connection``, ``action``);
* ``reset``: the world was rebuilt (a scenario started): reload everything;
* ``dropped``: this client missed ``count`` items; reload state from the JSON routes.

Per client there is one nursery: two pumps (a bus subscription for world facts,
a traffic channel for actions and frames), a connection watcher, a reader that
notices the client leaving, and the only writer. Overflow policy: both inputs
are bounded (``FEED_BUFFER`` items; traffic also ``FEED_BYTES``) and drop the
*newest* item when full, counting it (the bus does this for its subscriptions;
``TrafficFeed`` for traffic), so a stalled browser tab never slows the world or
the bots; the writer then sends one ``dropped`` notice and the page reloads
what it shows.

Traffic is held as JSON text, encoded when it is offered (so no reference to a
bot's parameters is kept), with strings over ``MAX_STRING`` characters and
lists over ``MAX_ITEMS`` items cut first (``recording.shortened``; ``/api/actions`` has
them whole): a bot sending 40 MB parameters costs a stalled tab a few KB per
call and at most ``FEED_BYTES`` in all, not 40 MB per call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import trio
from quart import websocket

from ..faults import FaultApplied
from ..recording import shortened
from ..traffic import ActionRecord, FrameRecord
from ..world.notices import NOTICE_TYPES
from .common import json_text
from .views import action_json, connections_json, event_json, frame_json

if TYPE_CHECKING:
    from ..bus import Subscription
    from ..simulation import Simulator

log = logging.getLogger("qqsim.control")

FEED_BUFFER = 1000
#: Bytes of traffic text one client may have queued; past it the newest are dropped.
FEED_BYTES = 4 * 1024 * 1024
#: Traffic is sent with strings longer than this cut (the JSON routes have them whole)...
MAX_STRING = 4096
#: ...and lists longer than this.
MAX_ITEMS = 200
OUTBOX = 64
# How often connections and the world are compared (no event marks a bot leaving).
CONNECTION_POLL_SECONDS = 1.0

Item = dict[str, Any]


class TrafficFeed:
    """Actions and frames for one client as JSON text, bounded in items and in bytes;
    a full buffer drops the newest."""

    def __init__(self, size: int | None = None, nbytes: int | None = None) -> None:
        self._send, self._receive = trio.open_memory_channel[str](size or FEED_BUFFER)
        self.budget = nbytes or FEED_BYTES
        #: Characters of text queued and not yet taken by the writer (1-4 bytes each).
        self.nbytes = 0
        self.dropped = 0

    def offer(self, record: ActionRecord | FrameRecord) -> None:
        self._put(action_json(record) if isinstance(record, ActionRecord) else frame_json(record))

    def offer_fault(self, applied: FaultApplied) -> None:
        self._put({"kind": "fault", "fault": applied.fault.describe(), "bot": applied.bot,
                   "connection": applied.connection, "action": applied.action,
                   "time": applied.time})

    async def receive(self) -> AsyncIterator[str]:
        async for text in self._receive:
            self.nbytes -= len(text)
            yield text

    def _put(self, item: Item) -> None:
        # Cut before encoding: encoding a 40 MB parameter only to cut it would hold the
        # event loop for as long as that takes, once per console client.
        text = json_text(shortened(item, MAX_STRING, MAX_ITEMS, "sent"))
        if self.nbytes + len(text) > self.budget:
            self.dropped += 1
            return
        try:
            self._send.send_nowait(text)
        except trio.WouldBlock:
            self.dropped += 1
        except trio.ClosedResourceError:
            pass
        else:
            self.nbytes += len(text)


async def serve_stream(sim: Simulator) -> None:
    """Feed the accepted ``websocket`` until the client leaves."""
    feed = TrafficFeed()
    sim.add_traffic_listener(feed.offer)
    sim.faults.add_listener(feed.offer_fault)
    try:
        with sim.bus.subscribe("console", FEED_BUFFER) as subscription:
            await _run(sim, subscription, feed)
    finally:
        sim.remove_traffic_listener(feed.offer)
        sim.faults.remove_listener(feed.offer_fault)


async def _run(sim: Simulator, subscription: Subscription, feed: TrafficFeed) -> None:
    outbox, pending = trio.open_memory_channel[Item | str](OUTBOX)  # str: encoded already
    last_seq = max(sim.actions[-1].seq if sim.actions else 0,
                   sim.frames[-1].seq if sim.frames else 0)
    outbox.send_nowait({"kind": "hello", "seq": last_seq, "time": sim.world.now()})
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_write, pending, subscription, feed, nursery.cancel_scope)
        nursery.start_soon(_pump_world, sim, subscription, outbox)
        nursery.start_soon(_pump_traffic, feed, outbox)
        nursery.start_soon(_watch_simulation, sim, outbox)
        nursery.start_soon(_read_until_gone, nursery.cancel_scope)


async def _pump_world(sim: Simulator, subscription: Subscription,
                      outbox: trio.MemorySendChannel[Item | str]) -> None:
    async for event in subscription.receive:
        item = event_json(event)
        if item["type"] in NOTICE_TYPES:  # the page words it with the names of now
            item["names"] = sim.world.notices.names_of(event)
        await outbox.send(item)


async def _pump_traffic(feed: TrafficFeed, outbox: trio.MemorySendChannel[Item | str]) -> None:
    async for text in feed.receive():
        await outbox.send(text)


async def _watch_simulation(sim: Simulator,
                            outbox: trio.MemorySendChannel[Item | str]) -> None:
    """Connections coming and going, and world resets: neither has an event of its own."""
    seen: list[int] = [id(link) for link in sim.connections]
    world = sim.world
    while True:
        await trio.sleep(CONNECTION_POLL_SECONDS)
        if sim.world is not world:
            world = sim.world
            await outbox.send({"kind": "reset", "time": world.now()})
        now = [id(link) for link in sim.connections]
        if now != seen:
            seen = now
            await outbox.send({"kind": "connections", **connections_json(sim)})


async def _write(
    pending: trio.MemoryReceiveChannel[Item | str], subscription: Subscription,
    feed: TrafficFeed, scope: trio.CancelScope,
) -> None:
    reported = 0
    try:
        async for item in pending:
            # json_text is safe for lone surrogates
            await websocket.send(item if isinstance(item, str) else json_text(item))
            dropped = subscription.dropped + feed.dropped
            if dropped > reported:
                await websocket.send(json.dumps({"kind": "dropped", "count": dropped - reported}))
                reported = dropped
    finally:
        scope.cancel()


async def _read_until_gone(scope: trio.CancelScope) -> None:
    """The page sends nothing; a receive that ends means the client went away."""
    try:
        while True:
            await websocket.receive()
    finally:
        scope.cancel()
