"""One HTTP request or WebSocket handshake over plain ASGI, served as quart-trio served it.

The bot's HTTP listener was a Quart app; Quart (with Flask, Werkzeug and Jinja) cost
about 9 MB of start-up memory and 2 ms to build per test, for one catch-all route.
This is the part of it that route used, with the same wire behaviour:

* the request body is read by a task of its own from the start, as Quart reads it,
  and a disconnect cancels the handler (a ``no_reply`` fault then ends with the
  client); ``Exchange.body`` caps it (``TooLarge`` when the declared or received
  length passes the cap) and gives it a deadline (``TooSlow``);
* answers carry the headers Quart wrote, in its order (``content-type``, then
  ``content-length`` or none for a stream, then the route's own);
* a WebSocket handshake can be refused with an HTTP answer, and a session has a
  ``FrameTransport`` (``SocketTransport``) fed by the same kind of reader task.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import trio

from .session import TransportClosed

log = logging.getLogger("qqsim.http")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Header = tuple[str, str]

HTML = "text/html; charset=utf-8"  # Quart's default type for a text answer
#: Quart's queue of received WebSocket messages (quart-trio's memory channel).
SOCKET_QUEUE = 10
_ERROR_PAGE = ("<!doctype html>\n<html lang=en>\n<title>{code} {name}</title>\n<h1>{name}</h1>"
               "\n<p>{text}</p>\n")


class TooLarge(Exception):
    """The body is longer than the cap (declared so, or as received)."""


class TooSlow(Exception):
    """The body did not arrive whole before its deadline."""


@dataclass
class Answer:
    """A response: status, headers in the order sent, and a body or a stream of chunks."""

    status: int
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""
    stream: AsyncGenerator[bytes, None] | None = None


def answer(status: int, text: str | bytes = "", content_type: str | None = HTML,
           extra: list[Header] | None = None) -> Answer:
    """What ``quart.Response(text, status, content_type=...)`` sends; ``content_type=None``
    drops the header (a Quart response whose Content-Type was deleted)."""
    body = text.encode() if isinstance(text, str) else text
    headers = [("content-type", content_type)] if content_type is not None else []
    headers.append(("content-length", str(len(body))))
    return Answer(status, [*headers, *(extra or [])], body)


def error_page(status: int, name: str, text: str, extra: list[Header] | None = None) -> Answer:
    """Werkzeug's HTML error page (what Quart answers for a 405 or a crashed handler);
    Werkzeug puts its own headers (``Allow``) before the length."""
    body = _ERROR_PAGE.format(code=status, name=name, text=text).encode()
    headers = [("content-type", HTML), *(extra or []), ("content-length", str(len(body)))]
    return Answer(status, headers, body)


def _encoded(headers: list[Header]) -> list[tuple[bytes, bytes]]:
    # As quart.utils.encode_headers: names lower case, values as UTF-8.
    return [(name.lower().encode(), value.encode()) for name, value in headers]


class Exchange:
    """One HTTP request: what the handler reads of it, and how its answer is sent."""

    def __init__(self, scope: Scope, body_max: int) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.query_string: bytes = scope.get("query_string", b"")
        self.headers: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            # The first of a repeated header counts, as Werkzeug's ``Headers.get``.
            self.headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        self._max = body_max
        self._data = bytearray()
        self._complete = trio.Event()
        self._failed: Exception | None = None
        declared = content_length(self.headers)
        if declared is not None and declared > body_max:
            self._failed = TooLarge()

    @property
    def mimetype(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    async def body(self, seconds: float) -> bytes:
        """The whole body, within ``seconds``; raises ``TooLarge`` or ``TooSlow``."""
        if self._failed is not None:
            raise self._failed
        with trio.move_on_after(seconds) as waited:
            await self._complete.wait()
        if waited.cancelled_caught:
            raise TooSlow
        if self._failed is not None:
            raise self._failed
        return bytes(self._data)

    async def read(self, receive: Receive, handler: trio.CancelScope) -> None:
        """Take in the body as it comes (all of it, as Quart does); on disconnect, cancel
        the handler."""
        while True:
            message = await receive()
            if message["type"] == "http.request":
                self._append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._complete.set()
            elif message["type"] == "http.disconnect":
                handler.cancel()
                return

    def _append(self, chunk: bytes) -> None:
        if not chunk or self._failed is not None:
            return
        self._data.extend(chunk)
        if len(self._data) > self._max:
            self._failed = TooLarge()
            self._complete.set()


def content_length(headers: dict[str, str]) -> int | None:
    """The declared body length, as Werkzeug reads it (None for a chunked body)."""
    if "chunked" in headers.get("transfer-encoding", "").lower() or (
            "content-length" not in headers):
        return None
    try:
        return max(0, int(headers["content-length"].strip()))
    except ValueError:
        return 0


Handler = Callable[[Exchange], Awaitable[Answer]]


async def serve_exchange(scope: Scope, receive: Receive, send: Send, handler: Handler,
                         body_max: int, after: list[Header]) -> None:
    """Answer one HTTP request with ``handler``, ``after`` appended to every answer's
    headers (Quart's ``after_request``)."""
    exchange = Exchange(scope, body_max)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(exchange.read, receive, nursery.cancel_scope)
        try:
            reply = await handler(exchange)
        except Exception:  # Quart answers a crashed handler with its 500 page
            log.exception("the HTTP handler failed on %s %s", exchange.method,
                          scope.get("path"))
            reply = error_page(500, "Internal Server Error", INTERNAL_TEXT)
        reply.headers.extend(after)
        await send_answer(send, reply)
        nursery.cancel_scope.cancel()


INTERNAL_TEXT = ("The server encountered an internal error and was unable to complete your "
                 "request. Either the server is overloaded or there is an error in the "
                 "application.")


async def send_answer(send: Send, reply: Answer, kind: str = "http.response") -> None:
    await send({"type": f"{kind}.start", "status": reply.status,
                "headers": _encoded(reply.headers)})
    if reply.stream is not None:
        # Closed on the way out, even cancelled, as Quart closes a streamed body: the
        # stream's own cleanup (an SSE client's disconnection) runs now, not when collected.
        async with aclosing(reply.stream) as chunks:
            async for chunk in chunks:
                await send({"type": f"{kind}.body", "body": chunk, "more_body": True})
    elif reply.body:
        await send({"type": f"{kind}.body", "body": reply.body, "more_body": True})
    await send({"type": f"{kind}.body", "body": b"", "more_body": False})


class SocketTransport:
    """An ASGI WebSocket as a ``session.FrameTransport``, fed by ``serve_socket``'s reader."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._in, self._out = trio.open_memory_channel[str | bytes](SOCKET_QUEUE)
        self.accepted = False
        self.closed = False

    async def accept(self) -> None:
        if not self.accepted:
            self.accepted = True
            await self._send({"type": "websocket.accept", "subprotocol": None, "headers": []})

    async def send(self, text: str) -> None:
        try:
            await self._send({"type": "websocket.send", "bytes": None, "text": text})
        except Exception as exc:  # hypercorn refuses a send once the peer is gone
            raise TransportClosed from exc

    async def receive(self) -> str:
        message = await self._out.receive()
        return message if isinstance(message, str) else message.decode("utf-8", "replace")

    async def close(self, code: int = 1000) -> None:
        if not self.closed:
            self.closed = True
            await self._send({"type": "websocket.close", "code": code, "reason": ""})

    async def read(self, receive: Receive, handler: trio.CancelScope) -> None:
        while True:
            event = await receive()
            if event["type"] == "websocket.receive":
                await self._in.send(event.get("bytes") or event.get("text") or "")
            elif event["type"] == "websocket.disconnect":
                handler.cancel()
                return


SocketHandler = Callable[[SocketTransport], Awaitable[Answer | None]]


async def serve_socket(scope: Scope, receive: Receive, send: Send,
                       handler: SocketHandler) -> None:
    """Run ``handler`` on one WebSocket handshake: an ``Answer`` it returns before
    accepting refuses the handshake with that HTTP response; once it returns, an
    accepted socket is closed (1000), as Quart does."""
    transport = SocketTransport(send)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(transport.read, receive, nursery.cancel_scope)
        try:
            refusal = await handler(transport)
        except Exception:
            log.exception("the WebSocket handler failed on %s", scope.get("path"))
            refusal = error_page(500, "Internal Server Error", INTERNAL_TEXT)
        if refusal is not None and not transport.accepted:
            await send_answer(send, refusal, "websocket.http.response")
        elif transport.accepted:
            await transport.close()
        nursery.cancel_scope.cancel()
