"""One OneBot WebSocket conversation, whatever carries the frames.

The forward WebSocket server uses it today; the reverse WebSocket client and
the HTTP server's embedded WebSocket plug their own ``FrameTransport`` into
the same ``run_session``, so all three behave alike.

Per connection there is one nursery with:

* a reader, which starts one task per request frame (requests run
  concurrently and may be answered out of order, as in NapCat);
* for universal connections, an event pump (bus subscription → rendered
  events) and a heartbeat ticker;
* one writer, the only task that touches the transport's ``send``.

Overflow policy of the writer's outbox (bounded, ``OUTBOX_FRAMES``): nothing
put into it is ever dropped; a full outbox makes the putter wait. Responses
therefore wait instead of being lost, and since the reader admits at most
``MAX_IN_FLIGHT`` unanswered requests, a bot that stops reading soon stops
being read from (TCP backpressure). The event pump waits too, and then its
bus subscription fills up and the bus drops new events for this connection
only (see ``bus.py``), so a slow bot never stalls the world.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import trio

from ..bus import Subscription
from ..link import BotLink
from ..onebot.envelope import failure_frame
from . import wire

log = logging.getLogger("qqsim.session")

OUTBOX_FRAMES = 64
MAX_IN_FLIGHT = 64

BAD_JSON_TEXT = "json解析失败,请检查数据格式"
BAD_TOKEN_TEXT = "token验证失败"


class TransportClosed(Exception):
    """The peer went away; a transport raises it from ``send`` or ``receive``."""


class FrameTransport(Protocol):
    """A message-oriented, bidirectional text connection (a WebSocket, in practice)."""

    async def send(self, text: str) -> None: ...

    async def receive(self) -> str: ...

    async def close(self) -> None: ...


def respond(link: BotLink, text: str) -> str | None:
    """The reply to one request frame, or None when NapCat would send nothing."""
    try:
        frame = wire.split_frame(text)
    except wire.BadJson:
        return wire.encode(failure_frame(1400, BAD_JSON_TEXT, link.sim.profile))
    if frame is None:
        log.warning("%s ignored a frame that is not a JSON object: %.80s", link.tag, text)
        return None
    return wire.encode(link.call(frame.action, frame.params, frame.echo))


async def refuse(transport: FrameTransport, link: BotLink) -> None:
    """NapCat's answer to a bad token: the upgrade succeeded; one 1403 frame, then close."""
    log.info("%s refused a connection: token verify failed", link.tag)
    try:
        await transport.send(wire.encode(failure_frame(1403, BAD_TOKEN_TEXT, link.sim.profile)))
        await transport.close()
    except TransportClosed:
        pass


async def run_session(
    link: BotLink, transport: FrameTransport, *, events: bool, heartbeat_ms: int
) -> None:
    """Serve one authorized connection until the peer goes away.

    ``events`` makes it universal (lifecycle, heartbeats and events besides API
    answers); otherwise it is API-only. ``heartbeat_ms <= 0`` sends no heartbeats.
    The caller owns the transport and closes it afterwards.
    """
    if not events:
        await _serve(link, transport, None, 0)
        return
    with link.sim.bus.subscribe(link.tag) as subscription:
        link.sim.connection_opened(link)
        try:
            await _serve(link, transport, subscription, heartbeat_ms)
        finally:
            link.sim.connection_closed(link)


async def _serve(
    link: BotLink, transport: FrameTransport, subscription: Subscription | None,
    heartbeat_ms: int,
) -> None:
    outbox, pending = trio.open_memory_channel[str](OUTBOX_FRAMES)
    async with trio.open_nursery() as nursery:

        def spawn(task: Callable[..., Awaitable[None]], *args: object) -> None:
            nursery.start_soon(_ending_session, nursery.cancel_scope, task, *args)

        spawn(_write, transport, pending)
        if subscription is not None:
            # The outbox is still empty, so the lifecycle event goes first without waiting.
            outbox.send_nowait(wire.encode(link.lifecycle()))
            spawn(_pump_events, link, subscription, outbox)
            if heartbeat_ms > 0:
                spawn(_beat, link, heartbeat_ms, outbox)
        spawn(_read, link, transport, outbox, nursery)


async def _ending_session(
    scope: trio.CancelScope, task: Callable[..., Awaitable[None]], *args: object
) -> None:
    """Run a long-lived task; when it ends (normally: the peer left) the session ends."""
    try:
        await task(*args)
    except TransportClosed:
        pass
    finally:
        scope.cancel()


async def _read(
    link: BotLink, transport: FrameTransport, outbox: trio.MemorySendChannel[str],
    nursery: trio.Nursery,
) -> None:
    limiter = trio.CapacityLimiter(MAX_IN_FLIGHT)
    while True:
        text = await transport.receive()
        ticket = object()
        await limiter.acquire_on_behalf_of(ticket)
        nursery.start_soon(_answer, link, text, outbox, limiter, ticket)


async def _answer(
    link: BotLink, text: str, outbox: trio.MemorySendChannel[str],
    limiter: trio.CapacityLimiter, ticket: object,
) -> None:
    try:
        reply = respond(link, text)
        if reply is not None:
            await outbox.send(reply)
    finally:
        limiter.release_on_behalf_of(ticket)


async def _write(transport: FrameTransport, pending: trio.MemoryReceiveChannel[str]) -> None:
    async for text in pending:
        await transport.send(text)


async def _pump_events(
    link: BotLink, subscription: Subscription, outbox: trio.MemorySendChannel[str]
) -> None:
    async for event in subscription.receive:
        rendered = link.render(event)
        if rendered is not None:
            await outbox.send(wire.encode(rendered))


async def _beat(link: BotLink, interval_ms: int, outbox: trio.MemorySendChannel[str]) -> None:
    while True:
        await trio.sleep(interval_ms / 1000)
        await outbox.send(wire.encode(link.heartbeat(interval_ms)))
