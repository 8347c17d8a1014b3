"""One OneBot WebSocket conversation, whatever carries the frames.

The forward WebSocket server, the reverse WebSocket client and the HTTP
server's embedded WebSocket each plug their own ``FrameTransport`` into the
same ``run_session``, so all three behave alike. Every request frame is
answered through ``answer_frame``/``answer_later`` (the one way frames reach
``BotLink.answer_now``).

Per connection there is one nursery with:

* a reader, which answers each request frame itself, at once: every action
  is synchronous, so a task per request would only add scheduler hops (a
  frame that is not strict JSON is parsed leniently in a worker thread when
  long, and refused past 64 KiB: ``wire.read_json5``; one with too many values is
  refused unparsed: ``json_budget``; big inline media is decoded off the loop before the
  frame is answered: ``media_offload``). A call
  held by a ``delay`` fault or a kernel timeout gets its own task instead (requests may then be
  answered out of order, as in NapCat), at most ``MAX_IN_FLIGHT`` at a time;
* for universal connections, an event pump (bus subscription → rendered
  events) and a heartbeat ticker.

Each of them writes its frames straight to the transport through one
``Writer``, whose lock keeps frames whole and in the order their writers
came. Overflow policy: nothing is ever dropped there; a writer waits for the
lock and then for the peer (TCP backpressure). The queue of waiting frames is
bounded by the writers that can wait: the reader, the pump, the ticker and at
most ``MAX_IN_FLIGHT`` delayed answers, one frame each. A bot that stops
reading soon stops being read from; the event pump waits too, and then its
bus subscription fills up and the bus drops new events for this connection
only (see ``bus.py``), so a slow bot never stalls the world.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

import trio

from ..bus import Subscription
from ..faults import Fault
from ..link import BotLink, Deferred
from ..onebot.envelope import NO_ECHO, bad_json_frame, failure_frame
from ..onebot.media import OFFLOAD_MIN
from ..onebot.params import ascii_frame
from . import media_offload, wire
from .host import TransportHost, connected

log = logging.getLogger("qqsim.session")

#: Delayed answers (``delay`` fault) a connection holds at once; more wait to be read.
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


@dataclass(frozen=True)
class Later:
    """A request a ``delay`` fault or a kernel timeout holds: answer it with ``answer_later``."""

    fault: Fault | Deferred
    frame: wire.Frame


def answer_now(link: BotLink, text: str) -> list[str] | Later:
    """The replies to one request frame: one, several for a stream action, none when
    NapCat would send nothing (or a fault holds the answer back); ``Later`` when a
    delay fault holds the call (it is then in flight until ``answer_later`` ran)."""
    try:
        frame: wire.Frame | wire.BadJson | None = wire.split_frame(text)
    except wire.BadJson as exc:
        frame = exc
    return answer_frame(link, frame, text)


async def read_request(text: str) -> wire.Frame | wire.BadJson | None:
    """A request frame parsed without holding the event loop (see ``wire.read_json5``)."""
    try:
        if len(text) <= wire.LENIENT_INLINE_MAX:
            # ``read_frame`` parses a text this short at once too, without awaiting
            # anything: the same answer, without two coroutines per frame.
            return wire.split_frame(text)
        return await wire.read_frame(text)
    except wire.BadJson as exc:
        return exc


def answer_frame(
    link: BotLink, frame: wire.Frame | wire.BadJson | None, text: str
) -> list[str] | Later:
    """``answer_now`` for a frame already parsed (``read_request``)."""
    if isinstance(frame, wire.Frame):  # the usual case first
        answer = link.answer_now(frame.action, frame.params, frame.echo,
                                 known_storable=ascii_frame(text))
        if isinstance(answer, (Fault, Deferred)):
            return Later(answer, frame)
        return answer
    if isinstance(frame, wire.TooManyValues):
        # qqsim's own limit (NapCat has none): its 1400, naming the limit, with the echo
        # when it was cheap to find.
        log.warning("%s refused a frame: %s", link.tag, frame)
        echo = None if frame.echo is NO_ECHO else frame.echo
        return [wire.encode(failure_frame(1400, str(frame), link.profile, echo))]
    if isinstance(frame, wire.BadJson):
        return [wire.encode(bad_json_frame(link.profile, BAD_JSON_TEXT))]
    log.warning("%s ignored a frame that is not a JSON object: %.80s", link.tag, text)
    return []


async def answer_later(link: BotLink, later: Later) -> list[str]:
    frame = later.frame
    bodies = await link.handle_later(later.fault, frame.action, frame.params, frame.echo)
    return [wire.encode(f) for f in bodies]


async def respond(link: BotLink, text: str) -> list[str]:
    """Every reply to one request frame, waiting out a delay fault."""
    answer = answer_frame(link, await read_request(text), text)
    return await answer_later(link, answer) if isinstance(answer, Later) else answer


async def refuse(transport: FrameTransport, link: BotLink) -> None:
    """NapCat's answer to a bad token: the upgrade succeeded; one 1403 frame, then close."""
    log.info("%s refused a connection: token verify failed", link.tag)
    try:
        await transport.send(wire.encode(failure_frame(1403, BAD_TOKEN_TEXT, link.profile)))
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
    host: TransportHost, link: BotLink, transport: FrameTransport, *, events: bool,
    heartbeat_ms: int,
    api: bool = True, lifecycle_extras: tuple[tuple[str, object], ...] = (),
) -> None:
    """Serve one authorized connection until the peer goes away.

    ``events`` makes it carry lifecycle, heartbeats and events; ``api`` makes it
    answer requests (both: universal). ``heartbeat_ms <= 0`` sends no heartbeats.
    The caller owns the transport and closes it afterwards.
    """
    kind = SessionKind(events, api, heartbeat_ms, lifecycle_extras)
    if not events:
        await _serve(host, link, transport, None, kind)
        return
    with connected(host, link) as subscription:
        await _serve(host, link, transport, subscription, kind)


class Writer:
    """The one way onto a transport: each frame goes out whole, writers in turn."""

    def __init__(self, transport: FrameTransport) -> None:
        self._transport = transport
        self._lock = trio.StrictFIFOLock()

    def hold(self) -> None:
        """Take the transport before anyone else can (then ``send_held`` the first frame)."""
        self._lock.acquire_nowait()

    async def send_held(self, text: str) -> None:
        try:
            await self._transport.send(text)
        finally:
            self._lock.release()

    async def send(self, text: str) -> None:
        try:
            self._lock.acquire_nowait()  # uncontended: no scheduler hop
        except trio.WouldBlock:
            await self._lock.acquire()
        try:
            await self._transport.send(text)
        finally:
            self._lock.release()


async def _serve(
    host: TransportHost, link: BotLink, transport: FrameTransport,
    subscription: Subscription | None, kind: SessionKind,
) -> None:
    writer = Writer(transport)
    async with trio.open_nursery() as nursery:
        link.attach_wire(nursery.cancel_scope)  # wire faults may drop this connection

        def spawn(task: Callable[..., Awaitable[None]], *args: object) -> None:
            nursery.start_soon(_ending_session, nursery.cancel_scope, task, *args)

        lifecycle = None
        if subscription is not None:
            # The lifecycle event goes first: the writer is held until it is out. The
            # other tasks start now, so a heartbeat's period starts at the connection.
            lifecycle = {**link.lifecycle(), **dict(kind.lifecycle_extras)}
            writer.hold()
            spawn(_pump_events, link, subscription, writer)
            if kind.heartbeat_ms > 0:
                spawn(_beat, host, link, kind.heartbeat_ms, writer)
        if kind.api:
            spawn(_read, link, transport, writer, nursery)
        else:
            spawn(_ignore_requests, link, transport)
        if lifecycle is not None:
            try:
                await writer.send_held(wire.encode(lifecycle))
            except TransportClosed:
                nursery.cancel_scope.cancel()


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
    link: BotLink, transport: FrameTransport, writer: Writer, nursery: trio.Nursery
) -> None:
    limiter = trio.CapacityLimiter(MAX_IN_FLIGHT)  # delayed answers waiting at once
    while True:
        text = await transport.receive()
        if len(text) <= wire.LENIENT_INLINE_MAX and limiter.available_tokens:
            # Most frames: short (parsed at once, no inline media to decode off the loop)
            # and room for a delayed answer. What ``_admitted`` does for them, without its
            # coroutine and context manager on every frame.
            answer = answer_now(link, text)
        else:
            answer = await _admitted(link, text, limiter)
        if isinstance(answer, Later):
            ticket = object()
            limiter.acquire_on_behalf_of_nowait(ticket)  # room made above, no await since
            nursery.start_soon(_answer_later, link, answer, writer, limiter, ticket)
            continue
        for reply in answer:
            await writer.send(reply)


async def _admitted(link: BotLink, text: str, limiter: trio.CapacityLimiter
                    ) -> list[str] | Later:
    """The answer to a request frame, parsed off the loop when long and lenient, its inline
    media decoded off the loop while it is answered, once a delayed answer has room."""
    frame = await read_request(text)  # a long lenient frame is parsed in a thread
    async with _inline_media(link, frame, text):
        if limiter.available_tokens == 0:
            # Wait for room *before* answering: once ``answer_frame`` has taken a delay
            # fault, nothing may stop its task from starting (the call is in flight).
            ticket = object()
            await limiter.acquire_on_behalf_of(ticket)
            limiter.release_on_behalf_of(ticket)
        return answer_frame(link, frame, text)


def _inline_media(
    link: BotLink, frame: wire.Frame | wire.BadJson | None, text: str
) -> AbstractAsyncContextManager[None]:
    """Big inline media of the frame decoded off the loop while it is answered (only a
    long frame can hold any: a cheap test for every other)."""
    if isinstance(frame, wire.Frame) and len(text) > OFFLOAD_MIN:
        return media_offload.prepared(frame.params, link.context.files)
    return nullcontext()


async def _ignore_requests(link: BotLink, transport: FrameTransport) -> None:
    while True:
        text = await transport.receive()
        log.info("%s ignored a frame on an event-only connection: %.80s", link.tag, text)


async def _answer_later(
    link: BotLink, later: Later, writer: Writer, limiter: trio.CapacityLimiter,
    ticket: object,
) -> None:
    try:
        for reply in await answer_later(link, later):
            await writer.send(reply)
    except TransportClosed:
        pass  # the reader sees the peer gone too and ends the session
    finally:
        limiter.release_on_behalf_of(ticket)


async def _pump_events(link: BotLink, subscription: Subscription, writer: Writer) -> None:
    events = subscription.receive
    async for event in events:
        while True:
            for frame in link.outgoing(event):  # event-level faults apply here
                await writer.send(frame.text)
            # Take what else is queued without a scheduler hop per event (sending yields).
            try:
                event = events.receive_nowait()
            except trio.WouldBlock:
                break
            except trio.EndOfChannel:
                return


async def _beat(host: TransportHost, link: BotLink, interval_ms: int, writer: Writer) -> None:
    while True:
        await host.sleep_world(interval_ms / 1000)  # follows the world clock
        beat = link.heartbeat_frame(interval_ms)  # None while a stop_heartbeats fault holds
        if beat is not None:
            await writer.send(wire.encode(beat))
