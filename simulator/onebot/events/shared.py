"""One rendering of a group message, shared by every connection that sees it alike.

A group message fans out to each bot in the group, on each of its connections.
For every receiving bot but the sender the event object is the same except
for ``self_id`` (nothing else in it depends on who receives it), given the
connection's message format and the profile. So it is rendered and encoded
once per (format, profile) and each connection only patches ``self_id``, the
first key, in a copy of the object and in the text. Anything else (the
sender's own ``message_sent``, private messages, notices) is rendered per
connection as before.

Memory: entries hold the event weakly and the cache keeps at most
``CAPACITY`` events and ``BUDGET`` bytes of rendered text (a rendered object
counts as much again), oldest out first; a miss only costs a fresh render.
Entries are keyed by event identity, so one cache can serve every simulator
of a thread; ``for_this_thread`` gives each thread its own (simulators of a
process may run in several threads, each in its own trio loop).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...world import events as ev
from ..context import ConnectionSettings
from ..profiles import Profile
from .render import render_event

Event = dict[str, Any]
Encoder = Callable[[object], str]

#: Events kept: enough for every connection's backlog in a burst (the bus hands each
#: connection the same events in the same order, a few at a time).
CAPACITY = 256
#: ...and at most this much rendered text (twice: the text and the object it encodes).
BUDGET = 1024 * 1024


@dataclass(frozen=True)
class Template:
    """A rendered event and its JSON text split around the ``self_id`` value."""

    body: Event
    tail: str  # the text after ``{"self_id":<id>``

    def for_bot(self, self_id: int) -> tuple[Event, str]:
        body = dict(self.body)  # the key keeps its place: ``self_id`` stays first
        body["self_id"] = self_id
        return body, f'{{"self_id":{self_id}{self.tail}'


class _Entry:
    __slots__ = ("event", "size", "templates")

    def __init__(self, event: ev.DomainEvent) -> None:
        self.event = weakref.ref(event)
        self.templates: dict[tuple[bool, int], Template | None] = {}
        self.size = 0  # bytes accounted to its templates


class SharedRenders:
    def __init__(self, capacity: int = CAPACITY, budget: int = BUDGET) -> None:
        self._capacity = capacity
        self._budget = budget
        self._entries: dict[int, _Entry] = {}
        self._bytes = 0

    def render(self, event: ev.DomainEvent, self_id: int, settings: ConnectionSettings,
               profile: Profile, encode: Encoder) -> tuple[Event, str] | None:
        """``(event object, its text)`` for this bot when shareable, else None.

        None means: render it yourself (also when the bot does not see it).
        """
        if not _shareable(event, self_id):
            return None
        entry = self._entry(event)
        key = (settings.string_format, id(profile))
        if key not in entry.templates:
            template = entry.templates[key] = _template(event, self_id, settings, profile,
                                                        encode)
            if template is not None:
                entry.size += 2 * len(template.tail)
                self._bytes += 2 * len(template.tail)
                self._evict()
        template = entry.templates[key]
        return None if template is None else template.for_bot(self_id)

    def _entry(self, event: ev.DomainEvent) -> _Entry:
        entry = self._entries.get(id(event))
        if entry is not None and entry.event() is event:
            return entry
        entry = _Entry(event)  # new, or its id was reused by a younger event
        self._drop(id(event))
        self._entries[id(event)] = entry
        self._evict()
        return entry

    def _evict(self) -> None:
        """Oldest out while over the count or the bytes (the newest entry always stays)."""
        while len(self._entries) > 1 and (len(self._entries) > self._capacity
                                          or self._bytes > self._budget):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size


def _shareable(event: ev.DomainEvent, self_id: int) -> bool:
    return (isinstance(event, ev.MessageCreated) and event.message.chat_type == "group"
            and event.message.sender_id != self_id and self_id in event.audience)


def _template(event: ev.DomainEvent, self_id: int, settings: ConnectionSettings,
              profile: Profile, encode: Encoder) -> Template | None:
    body = render_event(event, self_id, settings, profile)
    if body is None:
        return None
    text = encode(body)
    head = f'{{"self_id":{self_id}'
    if not text.startswith(head + ","):  # a dialect moved ``self_id``: nothing to share
        return None
    return Template(body, text[len(head):])


_local = threading.local()


def for_this_thread() -> SharedRenders:
    """The cache of the calling thread."""
    renders: SharedRenders | None = getattr(_local, "renders", None)
    if renders is None:
        renders = _local.renders = SharedRenders()
    return renders
