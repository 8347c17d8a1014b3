"""Reverse WebSocket client (NapCat's ``websocketClients``): qqsim connects out to the bot.

NapCat opens one *universal* connection to ``url`` with the handshake headers
``X-Self-ID``, ``Authorization: Bearer <token>`` (sent even with an empty
token), ``x-client-role: Universal`` and ``User-Agent: OneBot/11``
(``wire.reverse_ws_headers``; the values come from the profile). On open it
sends a lifecycle ``connect``, then heartbeats every ``heartInterval`` ms and
events; the bot sends API requests on the same socket (``session.py``).

While the bot is unreachable or after it closes the connection, qqsim tries
again every ``reconnectInterval`` ms, with no backoff, forever. Events raised
while no connection is open are lost, as in NapCat: a connection subscribes
to events only once it is open, and nothing is queued for a later one.

Deadlines and caps: connecting plus the handshake must finish within the
profile's ``reverse_ws_handshake_timeout`` (2 s) and closing within
``CLOSE_TIMEOUT``, both enforced by a cancel scope; a frame from the bot may
be at most ``wire.LIMITS.frame_max`` (50 MB, as the forward server and NapCat); a
larger one closes the connection (1009) as soon as its size passes it.

Under the ``gocq`` profile a ``websocketClients`` entry may split into an API
connection and an Event connection (``apiUrl``/``eventUrl``, see
``config.WebsocketClientConfig``), each reconnecting on its own.
"""

from __future__ import annotations

import logging
import math
import ssl
from dataclasses import dataclass

import trio
from trio_websocket import (
    ConnectionRejected,
    ConnectionTimeout,
    HandshakeError,
    open_websocket_url,
)

from ..config import WebsocketClientConfig
from ..endpoint import Endpoint
from ..link import BotLink
from ..onebot.profiles import Transport, WireFacts
from . import wire
from .host import TransportHost
from .session import run_session
from .ws_server import WebSocketTransport

log = logging.getLogger("qqsim.ws-client")

#: A reconnect interval of 0 would spin; NapCat's setTimeout(0) at least yields to I/O.
MIN_RECONNECT_MS = 50
#: Seconds a closing handshake may take before the connection is dropped.
CLOSE_TIMEOUT = 1.0


@dataclass(frozen=True)
class Target:
    """One outgoing connection: where to, in which role, carrying what."""

    url: str
    role: str
    events: bool
    api: bool


def targets(config: WebsocketClientConfig, facts: WireFacts) -> list[Target]:
    """The connections one ``websocketClients`` entry opens under this profile."""
    split = facts.split_reverse_ws and not config.useUniversalClient and (
        config.apiUrl or config.eventUrl
    )
    if not split:
        return [Target(config.url, "Universal", events=True, api=True)]
    return [
        Target(config.apiUrl or config.url, "API", events=False, api=True),
        Target(config.eventUrl or config.url, "Event", events=True, api=False),
    ]


async def serve_ws_client(
    sim: TransportHost, bot_id: int, config: WebsocketClientConfig, *,
    task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Keep ``bot_id``'s reverse WebSocket connection(s) up until cancelled."""
    facts = sim.profile.wire
    if not facts.split_reverse_ws and (config.apiUrl or config.eventUrl):
        log.warning("%s: apiUrl/eventUrl are go-cqhttp settings; profile %s ignores them "
                    "and connects to url only", config.name, sim.profile.name)
    async with trio.open_nursery() as nursery:
        for target in targets(config, facts):
            nursery.start_soon(_keep_connected, sim, bot_id, config, target)
        task_status.started(Endpoint(bot_id, "ws-client", config.name, config.url))


async def _keep_connected(
    sim: TransportHost, bot_id: int, config: WebsocketClientConfig, target: Target
) -> None:
    settings = wire.connection_settings(config, Transport.WS_CLIENT)
    retry_s = max(config.reconnectInterval, MIN_RECONNECT_MS) / 1000
    while True:
        link = sim.link(bot_id, settings)
        try:
            await _connect_once(sim, link, config, target, sim.profile.wire)
            reason = "the bot closed the connection"
        except Exception as exc:  # whatever goes wrong, keep trying: never take qqsim down
            reason = _describe(exc)
        log.warning("%s %s (%s): %s; reconnecting in %d ms", link.tag, target.url,
                    target.role, reason, round(retry_s * 1000))
        await trio.sleep(retry_s)


async def _connect_once(host: TransportHost, link: BotLink, config: WebsocketClientConfig,
                        target: Target, facts: WireFacts) -> None:
    headers = [(name.encode("latin-1"), value.encode("utf-8")) for name, value in
               wire.reverse_ws_headers(facts, link.self_id, config.token, target.role)]
    # trio-websocket's connect_timeout bounds the handshake, but after it fires the
    # connection's reader task keeps the nursery open until the peer closes the TCP
    # stream (25-110 s seen). This scope is the enforced deadline: connecting and
    # handshaking, then (re-armed) closing; while the session runs there is none.
    timeout = facts.reverse_ws_handshake_timeout
    opened = False
    with trio.CancelScope(deadline=trio.current_time() + timeout) as deadline:
        async with open_websocket_url(
            target.url, _ssl_context(target.url, config.verifyCertificate),
            extra_headers=headers, max_message_size=wire.LIMITS.frame_max,
            connect_timeout=timeout, disconnect_timeout=CLOSE_TIMEOUT,
        ) as connection:
            deadline.deadline = math.inf
            opened = True
            log.info("%s connected to %s (%s)", link.tag, target.url, target.role)
            try:
                await run_session(host, link, WebSocketTransport(connection), events=target.events,
                                  api=target.api, heartbeat_ms=config.heartInterval)
            finally:
                deadline.deadline = trio.current_time() + CLOSE_TIMEOUT
    if deadline.cancelled_caught and not opened:
        raise ConnectionTimeout


def _ssl_context(url: str, verify: bool) -> ssl.SSLContext | None:
    if not url.startswith("wss:"):
        return None
    context = ssl.create_default_context()
    if not verify:  # NapCat's verifyCertificate: false = TLS rejectUnauthorized off
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _describe(exc: Exception) -> str:
    if isinstance(exc, ConnectionTimeout | trio.TooSlowError):
        return "the handshake timed out"
    if isinstance(exc, ConnectionRejected):
        return f"the bot refused the handshake with HTTP {exc.status_code}"
    if isinstance(exc, OSError | HandshakeError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"
