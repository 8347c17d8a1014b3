"""The bot side of every transport, behind one interface, for the contract battery.

``start(kind)`` runs a simulator whose bot 10001 is reachable through one
transport kind and yields ``(sim, bot)``, where ``bot`` is a ``BotSide``: what
a bot holds after connecting (it calls actions and receives events). Kinds:

==========  =================================================================
ws-server   forward WebSocket (``websocketServers``)
http-ws     the WebSocket on an HTTP server's port (``enableWebsocket``)
sse-ws      the WebSocket on an SSE server's port (it honours ``reportSelfMessage``)
ws-client   reverse WebSocket (``websocketClients``): qqsim connects to the bot
http        HTTP API (``httpServers``): actions only, no events in NapCat
sse         HTTP API + ``GET /_events`` (``httpSseServers``)
webhook     HTTP POST (``httpClients``) for events + the HTTP API for actions
==========  =================================================================
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import trio
from bots.peers import ReverseWsServer, WebhookReceiver
from trio_websocket import WebSocketConnection, open_websocket_url

from simulator import ManualClock, SimulatorConfig
from simulator.app import Simulator, serve
from simulator.config import (
    HttpClientConfig,
    HttpServerConfig,
    HttpSseServerConfig,
    NetworkConfig,
    OneBotConfig,
    WebsocketClientConfig,
    WebsocketServerConfig,
)

TOKEN = "s3cret"
BOT = 10001
HEARTBEAT_MS = 100
RECONNECT_MS = 100
NO_ECHO = object()


@dataclass(frozen=True)
class Kind:
    name: str
    #: Whether the bot's actions travel as WebSocket frames (else HTTP requests).
    ws_api: bool
    events: bool
    #: Lifecycle connect + heartbeats (the WebSocket transports only, in NapCat).
    meta: bool
    #: qqsim connects to the bot (the bot owns the server).
    qqsim_connects: bool = False

    def __str__(self) -> str:
        return self.name


KINDS = [
    Kind("ws-server", ws_api=True, events=True, meta=True),
    Kind("http-ws", ws_api=True, events=True, meta=True),
    Kind("sse-ws", ws_api=True, events=True, meta=True),
    Kind("ws-client", ws_api=True, events=True, meta=True, qqsim_connects=True),
    Kind("http", ws_api=False, events=False, meta=False),
    Kind("sse", ws_api=False, events=True, meta=False),
    Kind("webhook", ws_api=False, events=True, meta=False, qqsim_connects=True),
]
BY_NAME = {kind.name: kind for kind in KINDS}


class BotSide:
    """One bot connection, whatever the transport."""

    kind: Kind

    async def call(self, action: str, params: Any = None, echo: Any = NO_ECHO) -> Any:
        raise NotImplementedError

    async def send_raw(self, text: str) -> Any:
        """Send bytes that are not a valid request; return what the bot gets back."""
        raise NotImplementedError

    async def next_frame(self) -> dict[str, Any]:
        """The next event-stream item, heartbeats and lifecycle included."""
        raise NotImplementedError

    async def next_event(self) -> dict[str, Any]:
        """The next event that is not a meta event."""
        while True:
            frame = await self.next_frame()
            if frame.get("post_type") != "meta_event":
                return frame

    async def close(self) -> None:
        raise NotImplementedError


def request_frame(action: str, params: Any, echo: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"action": action, "params": params or {}}
    if echo is not NO_ECHO:
        frame["echo"] = echo
    return frame


class WsBot(BotSide):
    """The bot side of a WebSocket (it either dialled qqsim or accepted qqsim's dial)."""

    def __init__(self, kind: Kind, ws: WebSocketConnection) -> None:
        self.kind = kind
        self.ws = ws
        self._stashed: deque[dict[str, Any]] = deque()

    async def call(self, action: str, params: Any = None, echo: Any = NO_ECHO) -> Any:
        return await self.send_raw(json.dumps(request_frame(action, params, echo)))

    async def send_raw(self, text: str) -> Any:
        await self.ws.send_message(text)
        while True:  # responses and events share the socket: stash events for later
            frame = json.loads(await self.ws.get_message())
            if "post_type" not in frame:
                return frame
            self._stashed.append(frame)

    async def next_frame(self) -> dict[str, Any]:
        if self._stashed:
            return self._stashed.popleft()
        frame: dict[str, Any] = json.loads(await self.ws.get_message())
        return frame

    async def close(self) -> None:
        await self.ws.aclose()


class HttpBot(BotSide):
    """Actions over the HTTP API; events from SSE, a webhook receiver, or nowhere."""

    def __init__(self, kind: Kind, client: httpx.AsyncClient) -> None:
        self.kind = kind
        self.client = client
        self.events: trio.MemoryReceiveChannel[dict[str, Any]] | None = None
        self.webhook: WebhookReceiver | None = None
        self.sse_scope: trio.CancelScope | None = None

    async def call(self, action: str, params: Any = None, echo: Any = NO_ECHO) -> Any:
        body = dict(params or {})
        if echo is not NO_ECHO:
            body["echo"] = echo
        response = await self.client.post(f"/{action}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def send_raw(self, text: str) -> Any:
        response = await self.client.post("/get_status", content=text,
                                          headers={"Content-Type": "application/json"})
        return response.status_code, response.text

    async def next_frame(self) -> dict[str, Any]:
        if self.webhook is not None:
            event: dict[str, Any] = (await self.webhook.next_post()).event
            return event
        if self.events is None:
            raise AssertionError(f"{self.kind} delivers no events")
        return await self.events.receive()

    async def close(self) -> None:
        if self.sse_scope is not None:
            self.sse_scope.cancel()
        await self.client.aclose()


def onebot_config(kind: Kind, *, token: str = TOKEN, fmt: str = "array",
                  report_self: bool = False, peer_url: str = "") -> OneBotConfig:
    """Bot 10001's NapCat config exposing exactly the transports ``kind`` needs."""
    common: dict[str, Any] = {"enable": True, "token": token, "messagePostFormat": fmt}
    network = NetworkConfig()
    if kind.name == "ws-server":
        network.websocketServers = [WebsocketServerConfig(
            port=0, heartInterval=HEARTBEAT_MS, reportSelfMessage=report_self, **common)]
    elif kind.name == "http-ws":
        network.httpServers = [HttpServerConfig(port=0, enableWebsocket=True, **common)]
    elif kind.name == "sse-ws":
        network.httpSseServers = [HttpSseServerConfig(
            port=0, enableWebsocket=True, reportSelfMessage=report_self, **common)]
    elif kind.name == "ws-client":
        network.websocketClients = [WebsocketClientConfig(
            url=peer_url, heartInterval=HEARTBEAT_MS, reconnectInterval=RECONNECT_MS,
            reportSelfMessage=report_self, **common)]
    elif kind.name == "http":
        network.httpServers = [HttpServerConfig(port=0, **common)]
    elif kind.name == "sse":
        network.httpSseServers = [HttpSseServerConfig(port=0, reportSelfMessage=report_self,
                                                      **common)]
    elif kind.name == "webhook":
        network.httpServers = [HttpServerConfig(port=0, **common)]
        network.httpClients = [HttpClientConfig(url=peer_url, reportSelfMessage=report_self,
                                                **common)]
    return OneBotConfig(network=network)


def http_url(sim: Simulator) -> str:
    return next(e.url for e in sim.endpoints if e.kind in ("http", "sse"))


def heartbeat_ms(kind: Kind) -> int:
    """The heartbeat interval ``kind`` announces: an HTTP server's WebSocket has NapCat's
    fixed 30 s; the others are configured with ``HEARTBEAT_MS``."""
    return 30000 if kind.name in ("http-ws", "sse-ws") else HEARTBEAT_MS


@asynccontextmanager
async def start(kind: Kind, *, token: str = TOKEN, client_token: str = TOKEN,
                fmt: str = "array", report_self: bool = False, profile: str = "napcat",
                ) -> AsyncIterator[tuple[Simulator, BotSide]]:
    """A simulator serving bot 10001 over ``kind`` and a bot connected to it.

    The world runs on a ``ManualClock``: heartbeats come only when a test moves it
    (``sim.advance``), so none interleaves with the frames a test reads.
    """
    async with AsyncExitStack() as stack:
        peer_url = ""
        webhook: WebhookReceiver | None = None
        reverse: ReverseWsServer | None = None
        if kind.name == "webhook":
            webhook = await stack.enter_async_context(WebhookReceiver().running())
            peer_url = webhook.url
        elif kind.name == "ws-client":
            reverse = await stack.enter_async_context(ReverseWsServer().running())
            peer_url = reverse.url
        config = SimulatorConfig(
            bots={BOT: onebot_config(kind, token=token, fmt=fmt, report_self=report_self,
                                     peer_url=peer_url)},
            control_port=None, profile=profile,
        )
        sim = Simulator(config, clock=ManualClock())
        stack.callback(sim.close)
        nursery = await stack.enter_async_context(trio.open_nursery())
        stack.callback(nursery.cancel_scope.cancel)
        await nursery.start(serve, sim)
        STOPPERS[id(sim)] = nursery.cancel_scope
        bot = await connect(kind, sim, stack, client_token, webhook, reverse)
        yield sim, bot


#: How to stop each running simulator (its adapters' cancel scope), for shutdown tests.
STOPPERS: dict[int, trio.CancelScope] = {}


def stop(sim: Simulator) -> None:
    """Stop serving: every adapter of ``sim`` is cancelled, as leaving open_simulator does."""
    STOPPERS.pop(id(sim)).cancel()


async def connect(kind: Kind, sim: Simulator, stack: AsyncExitStack, token: str,
                  webhook: WebhookReceiver | None, reverse: ReverseWsServer | None
                  ) -> BotSide:
    if kind.ws_api:
        ws = await open_ws(kind, sim, stack, token, reverse)
        if token == TOKEN:
            # Events flow once qqsim has subscribed the connection (before that they are
            # lost, as in NapCat); a real bot waits for the lifecycle frame instead.
            await sim.wait_connected(BOT)
        return WsBot(kind, ws)
    client = await stack.enter_async_context(httpx.AsyncClient(
        base_url=http_url(sim), headers={"Authorization": f"Bearer {token}"} if token else {}))
    bot = HttpBot(kind, client)
    if kind.name == "sse":
        bot.events, bot.sse_scope = await open_sse(stack, client, sim)
    elif kind.name == "webhook":
        bot.webhook = webhook
    return bot


async def open_ws(kind: Kind, sim: Simulator, stack: AsyncExitStack, token: str,
                  reverse: ReverseWsServer | None) -> WebSocketConnection:
    auth = [("Authorization", f"Bearer {token}")] if token else []
    if kind.name == "ws-client":
        assert reverse is not None
        _, ws = await reverse.next_connection()
        return ws
    if kind.name == "ws-server":
        url = sim.url("ws") + "/"
    else:
        url = http_url(sim).replace("http://", "ws://") + "/"
    connection: WebSocketConnection = await stack.enter_async_context(
        open_websocket_url(url, extra_headers=auth))
    return connection


async def open_sse(stack: AsyncExitStack, client: httpx.AsyncClient, sim: Simulator
                   ) -> tuple[trio.MemoryReceiveChannel[dict[str, Any]], trio.CancelScope]:
    """Open ``GET /_events``; its events arrive on the returned channel until the scope ends."""
    send, receive = trio.open_memory_channel[dict[str, Any]](100)
    nursery = await stack.enter_async_context(trio.open_nursery())
    stack.callback(nursery.cancel_scope.cancel)

    async def read(task_status: trio.TaskStatus[trio.CancelScope] = trio.TASK_STATUS_IGNORED
                   ) -> None:
        # A scope of its own: cancelling the nursery's would cancel the test body too.
        with trio.CancelScope() as scope:
            async with client.stream("GET", "/_events", timeout=None) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                task_status.started(scope)
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        await send.send(json.loads(line[len("data: "):]))
        await send.aclose()

    connected = len(sim.connections)
    scope = await nursery.start(read)
    await sim.wait_connected(BOT, connected + 1)
    return receive, scope
