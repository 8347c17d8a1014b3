"""HTTP POST webhook (NapCat's ``httpClients``): qqsim posts every event to the bot.

Each event the bot can see is POSTed to ``url`` with ``Content-Type:
application/json``, ``x-self-id`` and, when ``token`` is set, ``x-signature:
sha1=<hex HMAC-SHA1(token, body)>`` (header names from the profile). A 2xx
response body is read as JSON5 (empty = ``{}``) and applied as a quick
operation (``onebot.actions.quick``): a group reply quotes the trigger,
``at_sender`` mentions the sender, ``approve`` answers a request. NapCat posts
no heartbeat and no lifecycle event; go-cqhttp posts heartbeats
(``WireFacts.webhook_heartbeat_ms``).

Delivery, so that a slow or dead receiver stalls nothing but itself:

* the queue is this webhook's own bus subscription, bounded by
  ``SimulatorConfig.event_buffer``. Overflow policy: a full queue drops the
  *newest* event for this webhook only, counted and logged by the bus;
* ``POSTS_IN_FLIGHT`` delivery tasks take events from it in order and post
  them concurrently, as NapCat fires each post without waiting for the last.
  Posts therefore start in event order but may finish out of order;
* each POST has a timeout (``WireFacts.webhook_timeout``: 30 s for NapCat,
  which itself sets none; 5 s for go-cqhttp) and is not retried under NapCat
  (go-cqhttp retries network errors 3 times, 1.5 s apart). The timeout is a
  total deadline for the attempt, connecting to the last byte of the reply, so a
  receiver that trickles its answer is given up on time too;
* the reply is read only when it is to be applied, and only up to
  ``MAX_REPLY_BYTES``: a larger one is dropped unread (logged), so a receiver
  cannot make qqsim hold more than that per post in flight;
* every failure is logged on one line: the webhook, the URL, the event and
  the reason.

The adapter counts as a connection from start to stop (NapCat: an enabled
HTTP client is always "active"), so events are never held back for it.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import trio

from ..bus import Subscription
from ..config import HttpClientConfig
from ..endpoint import Endpoint
from ..faults import WEBHOOK_FAULTS, FaultKind
from ..link import BotLink, describe_event
from ..onebot.actions import apply_quick_operation
from ..onebot.profiles import Transport, WireFacts
from . import wire
from .host import TransportHost, connected

log = logging.getLogger("qqsim.webhook")

#: Posts one webhook has on the wire at once.
POSTS_IN_FLIGHT = 8
#: The largest reply read (a quick operation is small; one with a base64 image is not).
MAX_REPLY_BYTES = 8 * 1024 * 1024


class ReplyTooLarge(Exception):
    """The receiver's reply went past ``MAX_REPLY_BYTES``; reading stopped there."""


async def serve_http_client(
    sim: TransportHost, bot_id: int, config: HttpClientConfig, *,
    task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Post ``bot_id``'s events to ``config.url`` until cancelled."""
    settings = wire.connection_settings(config, Transport.HTTP)
    link = sim.link(bot_id, settings)
    link.supports(*WEBHOOK_FAULTS)  # applied in _deliver_events and Poster.post
    poster = Poster(sim, link, config, sim.profile.wire)
    async with poster.client(), trio.open_nursery() as nursery:
        with connected(sim, link) as subscription:
            for _ in range(POSTS_IN_FLIGHT):
                nursery.start_soon(_deliver_events, poster, subscription)
            if poster.facts.webhook_heartbeat_ms > 0:
                nursery.start_soon(_post_heartbeats, poster)
            log.info("%s posting events to %s", link.tag, config.url)
            task_status.started(Endpoint(bot_id, "webhook", config.name, config.url))
            await trio.sleep_forever()


async def _deliver_events(poster: Poster, subscription: Subscription) -> None:
    async for event in subscription.receive:
        for frame in poster.link.outgoing(event):  # event-level faults apply here
            await poster.post(frame.event, frame.text)


async def _post_heartbeats(poster: Poster) -> None:
    interval_ms = poster.facts.webhook_heartbeat_ms
    while True:
        await poster.host.sleep_world(interval_ms / 1000)  # follows the world clock
        beat = poster.link.heartbeat_frame(interval_ms)  # None while heartbeats are stopped
        if beat is not None:
            await poster.post(beat)


class Poster:
    """Posts events for one webhook and applies the quick operations that come back."""

    def __init__(self, host: TransportHost, link: BotLink, config: HttpClientConfig,
                 facts: WireFacts) -> None:
        self.host = host
        self.link = link
        self.config = config
        self.facts = facts
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        """The HTTP client, to be entered (``async with``) for the adapter's lifetime."""
        self._client = httpx.AsyncClient(
            timeout=self.facts.webhook_timeout,
            follow_redirects=self.facts.webhook_max_redirects > 0,
            max_redirects=self.facts.webhook_max_redirects,
            # The configured URL is the only place qqsim posts to: no proxies from the env.
            trust_env=False,
        )
        # Send only the headers the imitated implementation sends (NapCat: no User-Agent).
        for name in ("User-Agent", "Accept", "Accept-Encoding"):
            self._client.headers.pop(name, None)
        return self._client

    async def post(self, event: dict[str, Any], text: str | None = None) -> None:
        """POST one event (as ``text`` when given); apply the reply's quick operation.
        Never raises for the receiver."""
        assert self._client is not None, "enter Poster.client() first"
        fault = self.host.faults.take_webhook(self.link.self_id, self.config.name)
        if fault is not None and fault.kind is FaultKind.WEBHOOK_TIMEOUT:
            await trio.sleep(fault.seconds)  # the post hangs, then is given up: not delivered
            self._failed(event, "no answer within the timeout (a webhook_timeout fault)")
            return
        body = (wire.encode(event) if text is None else text).encode("utf-8")
        headers = wire.webhook_headers(self.facts, self.link.self_id, self.config.token, body)
        forced = fault.status if fault is not None and fault.kind is FaultKind.WEBHOOK_ERROR \
            else None  # delivered, but the answer is an error (webhook_error)
        for attempt in range(self.facts.webhook_retries + 1):
            try:
                reply = await self._attempt(event, body, headers, forced)
                break
            except (httpx.HTTPError, trio.TooSlowError) as exc:
                self._failed(event, self._reason(exc))
                if attempt == self.facts.webhook_retries:
                    return
                await trio.sleep(self.facts.webhook_retry_interval)
            except ReplyTooLarge:
                self._failed(event, f"reply over {MAX_REPLY_BYTES} bytes, not applied")
                return
        if reply is not None:
            self._apply(event, reply)

    async def _attempt(self, event: dict[str, Any], body: bytes, headers: dict[str, str],
                       forced_status: int | None) -> str | None:
        """One POST within the total deadline; the reply to apply, or None."""
        assert self._client is not None
        with trio.fail_after(self.facts.webhook_timeout):
            async with self._client.stream("POST", self.config.url, content=body,
                                           headers=headers) as response:
                status = forced_status or response.status_code
                if not 200 <= status < 300:
                    self._failed(event, f"HTTP {status}")
                    if not self.facts.webhook_quick_op_on_error_status:
                        return None  # the body is never read
                data = await _read_capped(response, MAX_REPLY_BYTES)
        return data.decode(response.charset_encoding or "utf-8", errors="replace")

    def _apply(self, event: dict[str, Any], text: str) -> None:
        try:
            operation = wire.parse_json5(text) if text.strip() else {}
        except wire.BadJson:
            log.warning("%s ignored a reply from %s that is not JSON: %.80s", self.link.tag,
                        self.config.url, text)
            return
        if isinstance(operation, dict) and operation:
            apply_quick_operation(self.link.context, event, operation)

    def _failed(self, event: dict[str, Any], reason: str) -> None:
        log.warning("%s POST %s failed: %s (%s)", self.link.tag, self.config.url, reason,
                    describe_event(event))

    def _reason(self, exc: httpx.HTTPError | trio.TooSlowError) -> str:
        if isinstance(exc, trio.TooSlowError):
            return f"no answer within the timeout ({self.facts.webhook_timeout:g} s in all)"
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within the timeout ({type(exc).__name__})"
        return str(exc) or type(exc).__name__


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The reply body, or ``ReplyTooLarge`` as soon as more than ``limit`` bytes came."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise ReplyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
