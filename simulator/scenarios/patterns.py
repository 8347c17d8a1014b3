"""What a bot did, and patterns to match it against: calls, messages, texts.

The matching half of the expectations (``expect.py`` waits on them): each
``match_*`` compares one thing the bot did with a pattern and says how close
it came, so a failure can name the nearest miss.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..onebot.codec import MessageFormatError, to_segments
from ..transcript import Entry

Segment = Mapping[str, Any]


class ExpectationFailed(AssertionError):
    """An expectation did not hold; ``str()`` is the whole report.

    ``summary`` is the report without its excerpt of the transcript, for a
    report that shows the whole transcript anyway (a failed scenario).
    """

    def __init__(self, report: str, summary: str | None = None) -> None:
        super().__init__(report)
        self.report = report
        self.summary = report if summary is None else summary


@dataclass(frozen=True)
class Call:
    """A call the bot made, as the transcript recorded it (``n`` = its entry number)."""

    n: int
    bot: int
    connection: str
    action: str
    params: Any
    response: dict[str, Any]
    time: int
    fault: str | None = None

    @classmethod
    def of(cls, entry: Entry) -> Call:
        return cls(entry["n"], entry["bot"], entry["conn"], entry["action"], entry["params"],
                   entry.get("response") or {}, entry["time"], entry.get("fault"))

    @property
    def ok(self) -> bool:
        return self.response.get("status") == "ok"

    @property
    def data(self) -> Any:
        return self.response.get("data")

    def describe(self) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=repr)
        outcome = "no answer" if not self.response else (
            "ok" if self.ok else f"failed {self.response.get('retcode')}")
        return f"#{self.n} {self.action} {params} → {outcome}"


@dataclass(frozen=True)
class Said:
    """A message the bot posted in the world (its stored, received form)."""

    n: int
    message_id: int
    chat_type: str
    group_id: int
    sender_id: int
    peer_id: int
    segments: list[dict[str, Any]]
    raw_message: str

    @classmethod
    def of(cls, entry: Entry) -> Said:
        m = entry["facts"]["message"]
        return cls(entry["n"], m["message_id"], m["chat_type"], m["group_id"], m["sender_id"],
                   m["peer_id"], m["segments"], m["raw_message"])

    def describe(self) -> str:
        where = f"group {self.group_id}" if self.chat_type == "group" else f"to {self.peer_id}"
        return f"#{self.n} message {self.message_id} in {where}: {self.raw_message!r}"


@dataclass(frozen=True)
class Match:
    """How a call or message compares with a pattern: ``misses`` say what differed."""

    misses: tuple[str, ...]
    checked: int

    @property
    def ok(self) -> bool:
        return not self.misses

    @property
    def score(self) -> int:
        return self.checked - len(self.misses)


@dataclass(frozen=True)
class TextPattern:
    """Conditions on a message: its text (text segments joined, trimmed), mentions, reply."""

    text: str | None = None
    contains: str | None = None
    regex: str | None = None
    at: tuple[str, ...] = ()
    reply_to: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.text, self.contains, self.regex,
                                           self.reply_to)) or bool(self.at)

    def check(self, segments: Sequence[Segment] | None, misses: list[str]) -> int:
        """Append what differs to ``misses``; return how many conditions were checked."""
        if segments is None:
            misses.append("no message in the call")
            return 1
        text = message_text(segments)
        checked = 0
        for wanted, holds, how in (
            (self.text, lambda w: text == w.strip(), "text"),
            (self.contains, lambda w: w in text, "text containing"),
            (self.regex, lambda w: re.search(w, text) is not None, "text matching"),
        ):
            if wanted is not None:
                checked += 1
                if not holds(wanted):
                    misses.append(f"{how}: wanted {wanted!r}, got {text!r}")
        if self.at:
            checked += 1
            mentioned = mentions(segments)
            missing = [qq for qq in self.at if qq not in mentioned]
            if missing:
                misses.append(f"at: wanted {list(self.at)}, mentioned {mentioned}")
        if self.reply_to is not None:
            checked += 1
            target = reply_target(segments)
            if target != self.reply_to:
                misses.append(f"reply to: wanted {self.reply_to}, got {target}")
        return checked

    def describe(self) -> list[str]:
        out = []
        for key in ("text", "contains", "regex"):
            if getattr(self, key) is not None:
                out.append(f"{key}={getattr(self, key)!r}")
        if self.at:
            out.append(f"at={list(self.at)}")
        if self.reply_to is not None:
            out.append(f"reply_to={self.reply_to}")
        return out


@dataclass(frozen=True)
class ActionPattern:
    """A call the bot should make: action names or globs, a parameter subset, its message."""

    action: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    message: TextPattern = field(default_factory=TextPattern)
    ok: bool | None = None
    bot: int | None = None

    def describe(self) -> str:
        parts = ["|".join(self.action) if self.action else "any action"]
        if self.params:
            parts.append(json.dumps(dict(self.params), ensure_ascii=False, default=repr))
        parts += self.message.describe()
        if self.ok is not None:
            parts.append("succeeding" if self.ok else "failing")
        return " ".join(parts)


@dataclass(frozen=True)
class MessagePattern:
    """A message the bot should post: where (group, or private peer) and what."""

    group: int | None = None
    to: int | None = None
    message: TextPattern = field(default_factory=TextPattern)

    def describe(self) -> str:
        where = (f"in group {self.group}" if self.group is not None
                 else f"to {self.to}" if self.to is not None else "anywhere")
        return " ".join(["a message", where, *self.message.describe()])


# -- reading messages out of calls -------------------------------------------


def call_segments(action: str, params: Any) -> list[Segment] | None:
    """The message a call sends, as segments (None when it sends none)."""
    if not isinstance(params, Mapping):
        return None
    if action == ".handle_quick_operation":
        operation = params.get("operation")
        body = operation.get("reply") if isinstance(operation, Mapping) else None
    else:
        body = params.get("message", params.get("messages"))
    if body is None:
        return None
    auto_escape = params.get("auto_escape") in (True, "true", 1)
    try:
        return list(to_segments(body, auto_escape=auto_escape))
    except MessageFormatError:
        return None


def message_text(segments: Iterable[Segment]) -> str:
    return "".join(str((s.get("data") or {}).get("text", "")) for s in segments
                   if s.get("type") == "text").strip()


def mentions(segments: Iterable[Segment]) -> list[str]:
    return [str((s.get("data") or {}).get("qq")) for s in segments if s.get("type") == "at"]


def reply_target(segments: Iterable[Segment]) -> int | None:
    for s in segments:
        if s.get("type") == "reply":
            ident = str((s.get("data") or {}).get("id", ""))
            return int(ident) if ident.lstrip("-").isdigit() else None
    return None


def same(wanted: Any, got: Any) -> bool:
    """Loose equality, as NapCat coerces: 100100 equals "100100"; dicts match as subsets."""
    if isinstance(wanted, Mapping):
        return isinstance(got, Mapping) and all(k in got and same(v, got[k])
                                                for k, v in wanted.items())
    if isinstance(wanted, list | tuple):
        return isinstance(got, list | tuple) and len(got) == len(wanted) and all(
            same(w, g) for w, g in zip(wanted, got, strict=True))
    if wanted == got:
        return True
    scalar = (str, int, float, bool)
    return isinstance(wanted, scalar) and isinstance(got, scalar) and str(wanted) == str(got)


def match_action(call: Any, pattern: ActionPattern) -> Match:
    """Compare one call (a ``Call`` or an ``app.ActionRecord``) with ``pattern``."""
    misses: list[str] = []
    checked = 0
    bot = getattr(call, "bot", getattr(call, "bot_id", None))
    if pattern.bot is not None:
        checked += 1
        if bot != pattern.bot:
            misses.append(f"bot: wanted {pattern.bot}, got {bot}")
    if pattern.action:
        checked += 2  # the name counts double: a right name is the nearer miss
        if not any(fnmatch.fnmatchcase(call.action, p) for p in pattern.action):
            misses.append(f"action: wanted {'|'.join(pattern.action)}, got {call.action}")
    params = call.params if isinstance(call.params, Mapping) else {}
    for key, wanted in pattern.params.items():
        checked += 1
        if key not in params:
            misses.append(f"params.{key}: wanted {wanted!r}, missing")
        elif not same(wanted, params[key]):
            misses.append(f"params.{key}: wanted {wanted!r}, got {params[key]!r}")
    if pattern.message.active:
        checked += pattern.message.check(call_segments(call.action, call.params), misses)
    if pattern.ok is not None:
        checked += 1
        succeeded = (call.response or {}).get("status") == "ok"
        if succeeded != pattern.ok:
            misses.append(f"outcome: wanted {'ok' if pattern.ok else 'a failure'}, got "
                          f"{'ok' if succeeded else 'a failure'}")
    return Match(tuple(misses), checked)


def match_message(said: Said, pattern: MessagePattern) -> Match:
    misses: list[str] = []
    checked = 0
    if pattern.group is not None:
        checked += 1
        if said.chat_type != "group" or said.group_id != pattern.group:
            misses.append(f"group: wanted {pattern.group}, got "
                          f"{said.group_id if said.chat_type == 'group' else 'a private chat'}")
    if pattern.to is not None:
        checked += 1
        if said.chat_type != "private" or said.peer_id != pattern.to:
            misses.append(f"private chat with: wanted {pattern.to}, got "
                          f"{said.peer_id if said.chat_type == 'private' else 'a group'}")
    if pattern.message.active:
        checked += pattern.message.check(said.segments, misses)
    return Match(tuple(misses), checked)
