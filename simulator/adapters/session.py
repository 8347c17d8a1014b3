"""One OneBot WebSocket conversation, whatever carries the frames.

The forward WebSocket server, the reverse WebSocket client and the HTTP
server's embedded WebSocket each plug their own ``FrameTransport`` into the
same ``run_session``, so all three behave alike. Every request frame is
answered by ``respond()`` (the one call site of ``BotLink.handle`` for frames).

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
from dataclasses import dataclass
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


async def respond(link: BotLink, text: str) -> list[str]:
    """The replies to one request frame: one, several for a stream action, none when
    NapCat would send nothing (or a fault holds the answer back)."""
    try:
        frame = wire.split_frame(text)
    except wire.BadJson:
        return [wire.encode(failure_frame(1400, BAD_JSON_TEXT, link.sim.profile))]
    if frame is None:
        log.warning("%s ignored a frame that is not a JSON object: %.80s", link.tag, text)
        return []
    return [wire.encode(f) for f in await link.handle(frame.action, frame.params, frame.echo)]


async def refuse(transport: FrameTransport, link: BotLink) -> None:
    """NapCat's answer to a bad token: the upgrade succeeded; one 1403 frame, then close."""
    log.info("%s refused a connection: token verify failed", link.tag)
    try:
        await transport.send(wire.encode(failure_frame(1403, BAD_TOKEN_TEXT, link.sim.profile)))
        await transport.close()
    except TransportClosed:
        pass


@dataclass(frozen=True)
class SessionKind:
    """What one connection carries.

    ``events``: lifecycle, heartbeats and events; ``api``: answers to requests
    (an event-only connection reads and ignores frames, as go-cqhttp's
    ``/event``). ``lifecycle_extras`` are extra keys on the lifecycle frame.
    """

    events: bool = True
    api: bool = True
    heartbeat_ms: int = 30000
    lifecycle_extras: tuple[tuple[str, object], ...] = ()


async def run_session(
    link: BotLink, transport: FrameTransport, *, events: bool, heartbeat_ms: int,
    api: bool = True, lifecycle_extras: tuple[tuple[str, object], ...] = (),
) -> None:
    """Serve one authorized connection until the peer goes away.

    ``events`` makes it carry lifecycle, heartbeats and events; ``api`` makes it
    answer requests (both: universal). ``heartbeat_ms <= 0`` sends no heartbeats.
    The caller owns the transport and closes it afterwards.
    """
    kind = SessionKind(events, api, heartbeat_ms, lifecycle_extras)
    if not events:
        await _serve(link, transport, None, kind)
        return
    with link.sim.bus.subscribe(link.tag) as subscription:
        link.sim.connection_opened(link)
        try:
            await _serve(link, transport, subscription, kind)
        finally:
            link.sim.connection_closed(link)


async def _serve(
    link: BotLink, transport: FrameTransport, subscription: Subscription | None,
    kind: SessionKind,
) -> None:
    outbox, pending = trio.open_memory_channel[str](OUTBOX_FRAMES)
    async with trio.open_nursery() as nursery:
        link.attach_wire(nursery.cancel_scope)  # wire faults may drop this connection

        def spawn(task: Callable[..., Awaitable[None]], *args: object) -> None:
            nursery.start_soon(_ending_session, nursery.cancel_scope, task, *args)

        spawn(_write, transport, pending)
        if subscription is not None:
            # The outbox is still empty, so the lifecycle event goes first without waiting.
            lifecycle = {**link.lifecycle(), **dict(kind.lifecycle_extras)}
            outbox.send_nowait(wire.encode(lifecycle))
            spawn(_pump_events, link, subscription, outbox)
            if kind.heartbeat_ms > 0:
                spawn(_beat, link, kind.heartbeat_ms, outbox)
        if kind.api:
            spawn(_read, link, transport, outbox, nursery)
        else:
            spawn(_ignore_requests, link, transport)


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


async def _ignore_requests(link: BotLink, transport: FrameTransport) -> None:
    while True:
        text = await transport.receive()
        log.info("%s ignored a frame on an event-only connection: %.80s", link.tag, text)


async def _answer(
    link: BotLink, text: str, outbox: trio.MemorySendChannel[str],
    limiter: trio.CapacityLimiter, ticket: object,
) -> None:
    try:
        for reply in await respond(link, text):
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
        for frame in link.outgoing(event):  # event-level faults apply here
            await outbox.send(frame.text)


async def _beat(link: BotLink, interval_ms: int, outbox: trio.MemorySendChannel[str]) -> None:
    while True:
        await link.sim.sleep_world(interval_ms / 1000)  # follows the world clock
        beat = link.heartbeat_frame(interval_ms)  # None while a stop_heartbeats fault holds
        if beat is not None:
            await outbox.send(wire.encode(beat))
