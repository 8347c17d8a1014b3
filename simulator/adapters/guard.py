"""The accept loop of every listener qqsim serves: bounded, and calm when out of descriptors.

Each listener holds at most ``wire.LIMITS.connections`` connections. A connection
is *trusted* once it has shown a valid token (or made a request on a listener that
has none); until then it may be dropped. When the listener is full, or ``accept``
fails for lack of file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM), the oldest
untrusted connection (of this listener, or of any when out of descriptors) is closed
to make room. With none to drop,
the loop waits: for a connection to end when the listener is full, or backs off
(0.1 s doubling to 1 s) when out of descriptors. Either starts a burst that is
logged once, and once more after ``QUIET_SECONDS`` of calm, so a flood neither
spins nor fills the log (``trio.serve_listeners`` logs every failed accept, 10 a second).

Unauthenticated connections cannot stay long anyway: an HTTP request without the
token is answered before its body is read, a request head must arrive within
``head_seconds`` and a WebSocket handshake within ``handshake_seconds``.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio

log = logging.getLogger("qqsim.guard")

#: What ``accept`` fails with when the process or the machine is out of resources.
CAPACITY_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS})
BACKOFF_FIRST = 0.1
BACKOFF_MAX = 1.0
#: A burst of trouble (full, or out of descriptors) ends after this long without any.
QUIET_SECONDS = 5.0
#: What is read and discarded, at most, from a client answered before its body was read
#: (403, 413, 408), so that it sees the answer rather than a reset (``drain``).
DRAIN_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 5.0
DRAIN_CHUNK = 256 * 1024

#: Where a connection comes from and arrives: (peer host, peer port, local port).
Key = tuple[str, int, int]

_guards: trio.lowlevel.RunVar[list[Guard]] = trio.lowlevel.RunVar("qqsim_guards")


@dataclass(eq=False)
class _Connection:
    stream: trio.SocketStream
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    opened: float = field(default_factory=trio.current_time)
    trusted: bool = False
    #: Answered before its body was read: drain what the client still sends before closing.
    draining: bool = False

    def drop(self) -> None:
        self.scope.cancel()
        self.stream.socket.close()  # frees the descriptor now; a blocked reader is woken


def _all_guards() -> list[Guard]:
    try:
        return _guards.get()
    except LookupError:
        guards: list[Guard] = []
        _guards.set(guards)
        return guards


def trust(client: object, server: object) -> None:
    """Mark the connection from ``client`` to ``server`` (ASGI-style ``(host, port)``
    pairs) as having shown a valid token: it is no longer dropped to make room."""
    connection = _find(client, server)
    if connection is not None:
        connection.trusted = True


def linger(client: object, server: object, seconds: float) -> None:
    """Close the connection from ``client`` to ``server`` within ``seconds``.

    For a request answered before its body was read (refused token, too large, too
    slow): hypercorn would otherwise keep such a connection open forever, waiting for
    the rest of a body nobody reads. The answer is already on its way; an authenticated
    connection is then drained (``drain``) rather than reset.
    """
    connection = _find(client, server)
    if connection is not None:
        # Only an authenticated client's body is drained (413, 408): an unauthenticated
        # one (403) keeps costing nothing, at the price of a possible reset.
        connection.draining = connection.trusted
        connection.scope.deadline = min(connection.scope.deadline,
                                        trio.current_time() + seconds)


async def drain(stream: trio.SocketStream, max_bytes: int, seconds: float) -> None:
    """End our side of ``stream`` and read and discard what the peer still sends.

    Closing a socket with unread bytes sends a reset, which makes many clients (those
    that write the whole body before reading, like ``http.client`` and ``requests``)
    lose the answer already sent. Bounded in bytes and time: past either, it is closed.
    """
    try:
        stream.socket.shutdown(socket.SHUT_WR)  # the answer is complete: FIN after it
        with trio.move_on_after(seconds):
            while max_bytes > 0:
                chunk = await stream.receive_some(DRAIN_CHUNK)
                if not chunk:
                    return
                max_bytes -= len(chunk)
    except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
        pass  # gone already


def _find(client: object, server: object) -> _Connection | None:
    if not (isinstance(client, tuple | list) and isinstance(server, tuple | list)):
        return None
    key = (str(client[0]), int(client[1]), int(server[1]))
    for guard in _all_guards():
        connection = guard.connections.get(key)
        if connection is not None:
            return connection
    return None


class Guard:
    """One listener's connections, oldest first."""

    def __init__(self, name: str, limit: int, logger: logging.Logger = log) -> None:
        self.name = name
        self.limit = max(1, limit)
        self.connections: dict[Key, _Connection] = {}
        self.dropped = 0  # connections closed to make room, over the listener's life
        self._log = logger
        self._room = trio.Event()
        self._burst: str | None = None  # why accepting is held up, while it is
        self._burst_until = 0.0
        self._burst_dropped = 0

    def trust_stream(self, stream: trio.SocketStream) -> None:
        """Mark ``stream``'s connection as having shown a valid token (see ``trust``)."""
        for connection in self.connections.values():
            if connection.stream is stream:
                connection.trusted = True
                return

    async def serve(
        self, listeners: list[trio.SocketListener],
        handler: Callable[[trio.SocketStream], Awaitable[object]], *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Accept connections on ``listeners`` and run ``handler`` on each until cancelled."""
        guards = _all_guards()
        guards.append(self)
        try:
            async with trio.open_nursery() as nursery:
                for listener in listeners:
                    nursery.start_soon(self._accept_forever, listener, handler, nursery)
                task_status.started()
        finally:
            guards.remove(self)

    async def _accept_forever(
        self, listener: trio.SocketListener,
        handler: Callable[[trio.SocketStream], Awaitable[object]], nursery: trio.Nursery,
    ) -> None:
        async with listener:
            await self._accept_loop(listener, handler, nursery)

    async def _accept_loop(
        self, listener: trio.SocketListener,
        handler: Callable[[trio.SocketStream], Awaitable[object]], nursery: trio.Nursery,
    ) -> None:
        backoff = BACKOFF_FIRST
        while True:
            if len(self.connections) >= self.limit:
                if self._drop_one([self]):
                    self._trouble(f"at its bound of {self.limit} connections; dropping the "
                                  "oldest unauthenticated ones")
                else:
                    self._trouble(f"{self.limit} connections, all authenticated; new ones "
                                  "wait until one ends")
                    room = self._room
                    await room.wait()
                    continue
            try:
                stream = await listener.accept()
            except OSError as exc:
                if exc.errno not in CAPACITY_ERRNOS:
                    raise
                self._trouble(f"accept failed: {os.strerror(exc.errno or 0)}; dropping "
                              "unauthenticated connections, retrying")
                if not self._drop_one(_all_guards()):
                    await trio.sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            self._calm()
            try:
                peer = stream.socket.getpeername()
                local = stream.socket.getsockname()
            except OSError:  # gone already
                await trio.aclose_forcefully(stream)
                continue
            key = (str(peer[0]), int(peer[1]), int(local[1]))
            connection = _Connection(stream)
            self.connections[key] = connection
            nursery.start_soon(self._run, key, connection, handler)

    async def _run(
        self, key: Key, connection: _Connection,
        handler: Callable[[trio.SocketStream], Awaitable[object]],
    ) -> None:
        try:
            with connection.scope:
                await handler(connection.stream)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass  # dropped, or the peer left mid-write
        finally:
            if connection.draining:
                await drain(connection.stream, DRAIN_BYTES, DRAIN_SECONDS)
            if self.connections.get(key) is connection:
                del self.connections[key]
            self._room.set()
            self._room = trio.Event()
            await trio.aclose_forcefully(connection.stream)

    def _drop_one(self, guards: list[Guard]) -> bool:
        """Close the oldest untrusted connection among ``guards``; False if none."""
        oldest: tuple[Guard, Key, _Connection] | None = None
        for guard in guards:
            for key, connection in guard.connections.items():  # oldest first
                if not connection.trusted:
                    if oldest is None or connection.opened < oldest[2].opened:
                        oldest = (guard, key, connection)
                    break
        if oldest is None:
            return False
        guard, key, connection = oldest
        del guard.connections[key]
        connection.drop()
        guard.dropped += 1
        self._burst_dropped += 1
        return True

    def _trouble(self, why: str) -> None:
        """Log the start of a burst of trouble; a burst lasts until ``QUIET_SECONDS`` of calm."""
        now = trio.current_time()
        if self._burst is None:
            self._burst = why
            self._log.warning("%s: %s", self.name, why)
        self._burst_until = now + QUIET_SECONDS

    def _calm(self) -> None:
        if self._burst is not None and trio.current_time() >= self._burst_until:
            self._log.warning("%s: accepting normally again (%d unauthenticated connections "
                              "dropped meanwhile)", self.name, self._burst_dropped)
            self._burst = None
            self._burst_dropped = 0
