"""Minimal bot-side servers for the transport tests: what a bot runs when qqsim connects out.

* ``WebhookReceiver``: an HTTP server (hypercorn + quart-trio, port 0) that
  records every POST qqsim makes and answers with whatever the test says
  (a quick operation, an error status, garbage, or a slow reply).
* ``ReverseWsServer``: a trio-websocket server (port 0) that records each
  handshake qqsim makes, optionally refuses it, and hands accepted
  connections to the test.

Both are imported by tests (``from bots.peers import ...``); they use no qqsim
code, so they check qqsim's wire behaviour from the outside.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart import Response, request
from quart_trio import QuartTrio
from trio_websocket import WebSocketConnection, WebSocketRequest, serve_websocket


@dataclass
class Post:
    """One request qqsim made to the webhook."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def event(self) -> Any:
        return json.loads(self.body)


#: What the receiver answers to a post: (status, body), possibly after awaiting something.
Reply = Callable[[Post], Awaitable[tuple[int, str]]]


async def no_content(post: Post) -> tuple[int, str]:
    return 204, ""


class WebhookReceiver:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.reply: Reply = no_content
        self.url = ""
        self._send, self._receive = trio.open_memory_channel[Post](1000)
        self._posted = trio.Event()

    async def next_post(self) -> Post:
        return await self._receive.receive()

    async def wait_posts(self, count: int) -> None:
        """Wait until ``count`` posts have arrived in all (read or not)."""
        while len(self.posts) < count:
            await self._posted.wait()

    async def next_event(self, *, skip_heartbeats: bool = True) -> Any:
        while True:
            event = (await self.next_post()).event
            if not (skip_heartbeats and event.get("meta_event_type") == "heartbeat"):
                return event

    def _app(self) -> QuartTrio:
        app = QuartTrio("webhook-receiver")

        @app.route("/", defaults={"path": ""}, methods=["POST"])
        @app.route("/<path:path>", methods=["POST"])
        async def hook(path: str) -> Response:
            post = Post("/" + path, {k.lower(): v for k, v in request.headers.items()},
                        await request.get_data(as_text=False))
            self.posts.append(post)
            self._send.send_nowait(post)
            self._posted.set()
            self._posted = trio.Event()
            status, body = await self.reply(post)
            return Response(body, status=status, content_type="application/json")

        return app

    @asynccontextmanager
    async def running(self, path: str = "/hook") -> AsyncIterator[WebhookReceiver]:
        config = Config()
        config.bind = ["127.0.0.1:0"]
        config.graceful_timeout = 0.5
        async with trio.open_nursery() as nursery:
            binds = await nursery.start(partial(serve, self._app(), config))
            self.url = binds[0] + path
            try:
                yield self
            finally:
                nursery.cancel_scope.cancel()


@dataclass
class Handshake:
    """The opening request qqsim sent to the bot's reverse-WebSocket server."""

    path: str
    headers: dict[str, str]  # lower-case names


class ReverseWsServer:
    def __init__(self) -> None:
        self.handshakes: list[Handshake] = []
        #: HTTP status to refuse handshakes with (None: accept).
        self.refuse_with: int | None = None
        self.url = ""
        self._send, self._receive = trio.open_memory_channel[
            tuple[Handshake, WebSocketConnection]](100)
        self._handshaken = trio.Event()

    async def next_connection(self) -> tuple[Handshake, WebSocketConnection]:
        return await self._receive.receive()

    async def next_handshake(self) -> Handshake:
        """Wait until qqsim tries (again) to connect; return that attempt."""
        seen = len(self.handshakes)
        while len(self.handshakes) == seen:
            await self._handshaken.wait()
        return self.handshakes[seen]

    async def _handle(self, ws_request: WebSocketRequest) -> None:
        handshake = Handshake(ws_request.path, {k.decode().lower(): v.decode()
                                                for k, v in ws_request.headers})
        self.handshakes.append(handshake)
        self._handshaken.set()
        self._handshaken = trio.Event()
        if self.refuse_with is not None:
            await ws_request.reject(self.refuse_with)
            return
        connection = await ws_request.accept()
        self._send.send_nowait((handshake, connection))
        # trio-websocket closes the connection when this handler returns: keep it open
        # until the test (or qqsim) closes it and the server stops.
        await trio.sleep_forever()

    @asynccontextmanager
    async def running(self, path: str = "/onebot") -> AsyncIterator[ReverseWsServer]:
        async with trio.open_nursery() as nursery:
            server = await nursery.start(partial(serve_websocket, self._handle, "127.0.0.1", 0,
                                                 None, max_message_size=64 * 1024 * 1024))
            self.url = f"ws://127.0.0.1:{server.port}{path}"
            try:
                yield self
            finally:
                nursery.cancel_scope.cancel()
