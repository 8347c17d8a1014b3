"""How many JSON values a frame or body may hold, checked before and while it is parsed.

The stdlib parser holds the GIL for a whole ``json.loads``, so a parse cannot be moved off
the event loop, and its cost follows the number of values, not the bytes: 50 MB of long
strings (base64 media) parse in ~50 ms, 2 MB of ``[1,1,1,…]`` in ~40 ms, 45 MB of it in
~860 ms. So a text is refused before it is parsed when it holds more values than
``Limits.json_values_max`` (``qqsim run --json-values-max``).

Values are counted as the text's commas, colons, ``[`` and ``{`` (every value after the
first in a container follows a comma, every key a colon, every container opens with a
bracket): a C-speed count per character, run in chunks so that the count of a 50 MB text
never holds the loop more than a few ms at a time. Strings holding those characters count
too, which errs on the safe side; so do backslashes, ``ESCAPES_PER_VALUE`` to a value
(escapes are what makes a long string slow to parse). Two costs the count cannot see are
paid for while parsing: a number with a fraction or an exponent costs up to ~0.8 µs to
convert (about four small values: it counts as ``FLOAT_WEIGHT``), and a number longer than
``NUMBER_CHARS_MAX`` characters (an integer costs quadratically in its digits: 80 µs for
4300) makes a long text not strict JSON, so it is refused as bad JSON (a short one is
still read, by the lenient parser).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import trio

from ..onebot.envelope import NO_ECHO

#: Characters each of which stands for (at most) one JSON value.
COUNTED = (",", ":", "[", "{")
#: Characters counted in one go: four passes over 4 Mi characters take ~5 ms.
SCAN_CHUNK = 4 * 1024 * 1024
#: Texts up to this length are parsed without the number hooks: the worst a short text's
#: numbers can cost is a few ms, and every ordinary frame is short.
HOOKS_AFTER = 64 * 1024
#: What one number with a fraction or exponent counts for (``1.2345678901234567e-300``
#: takes ~0.8 µs to convert; the costliest counted value, a 24-digit integer, ~0.2 µs).
FLOAT_WEIGHT = 4
#: Escapes in strings (``\n``, ``\u4e00``) cost ~10 ns each to decode: so many count as
#: one value (a Python bot escapes every CJK character: a 1 MiB-character text is 65,536).
ESCAPES_PER_VALUE = 16
#: Longer numbers make a long text not strict JSON (no JSON writer emits them for data:
#: JavaScript's and Python's longest float is 24 characters, a 64-bit integer 20).
NUMBER_CHARS_MAX = 24
#: Parsing a text also costs ~1 ms per MB of it, values or not (50 MB of base64 media
#: parse in ~50 ms). So a long text may hold fewer values: the bound falls in proportion to
#: its length, to none at ``FULL_LENGTH`` (NapCat's frame cap), so that its characters and
#: values together stay within the ~50 ms the bound is chosen for. A 37 MB media frame (the
#: most a 50 MB frame carries) holds ~20 values; ``LENGTH_FLOOR`` are always allowed.
FULL_LENGTH = 50 * 1024 * 1024
LENGTH_FLOOR = 1000
#: How far from either end of a refused text ``echo_of`` looks for its echo.
ECHO_WINDOW = 4096

FLAG = "--json-values-max"
_ECHO_KEY = re.compile(r'"echo"\s*:\s*')
_TAIL = re.compile(r"\s*}\s*")


class BadJson(ValueError):
    """A request body or frame that JSON5 cannot parse (``wire`` re-exports it)."""


class TooManyValues(BadJson):
    """A text with more JSON values than the bound; ``echo`` is its echo when one was
    found cheaply (see ``echo_of``), else ``NO_ECHO``."""

    def __init__(self, limit: int, echo: Any = NO_ECHO, length: int = 0) -> None:
        size = f" for its {length / 1e6:.0f} MB" if length > LENGTH_SHOWN else ""
        super().__init__(f"request refused: it holds more than {limit} JSON values{size} "
                         f"(qqsim's limit, {FLAG})")
        self.limit = limit
        self.echo = echo


#: Texts longer than this name their length when refused (the bound depends on it).
LENGTH_SHOWN = 1_000_000


def allowance(length: int, limit: int) -> int:
    """The values a text of ``length`` characters may hold under ``limit`` (see
    ``FULL_LENGTH``)."""
    share = max(0.0, 1.0 - length / FULL_LENGTH)
    return max(min(limit, LENGTH_FLOOR), int(limit * share))


def _chunks(text: str) -> Iterator[tuple[int, int]]:
    for start in range(0, len(text), SCAN_CHUNK):
        yield start, min(start + SCAN_CHUNK, len(text))


def _count(text: str, start: int, end: int) -> int:
    total = 0
    for char in COUNTED:
        total += _occurrences(text, char, start, end)
    return total + _occurrences(text, "\\", start, end) // ESCAPES_PER_VALUE


def _occurrences(text: str, char: str, start: int, end: int) -> int:
    # find() is memchr (~1 ms for 50 MB): most of a big frame is a base64 string without
    # any of these, and count() (~14 ms for 50 MB) is then skipped.
    first = text.find(char, start, end)
    return 0 if first < 0 else text.count(char, first, end)


def check(text: str, limit: int) -> int:
    """The values ``text`` holds; ``TooManyValues`` when over ``limit`` (in one go)."""
    if len(text) <= limit and len(text) <= HOOKS_AFTER:  # ``short``, without its call
        return 0
    limit = allowance(len(text), limit)
    total = 0
    for start, end in _chunks(text):
        total += _count(text, start, end)
        if total > limit:
            raise TooManyValues(limit, echo_of(text), len(text))
    return total


async def check_async(text: str, limit: int) -> int:
    """``check`` letting other tasks run between chunks; returns the count."""
    if short(text, limit):
        return 0
    limit = allowance(len(text), limit)
    total = 0
    for start, end in _chunks(text):
        if start:
            await trio.lowlevel.checkpoint()
        total += _count(text, start, end)
        if total > limit:
            raise TooManyValues(limit, echo_of(text), len(text))
    return total


def short(text: str, limit: int) -> bool:
    """Too short to hold more than ``limit`` values, and parsed without hooks: not counted
    (counting costs as much as parsing an ordinary frame; ``check`` then returns 0)."""
    return len(text) <= limit and len(text) <= HOOKS_AFTER


#: The scanner (C) a default ``json.JSONDecoder`` parses with, and the whitespace JSON
#: allows around a value: ``loads`` calls them directly.
_DECODER: Any = json.JSONDecoder()  # typeshed does not list ``scan_once``
_SCAN: Callable[[str, int], tuple[object, int]] = _DECODER.scan_once
_SPACE = re.compile(r"[ \t\n\r]*")


def loads(text: str, limit: int, counted: int) -> object:
    """``json.loads(text)``, refusing costly numbers past the ``counted`` values
    (``check``'s count): raises ``TooManyValues``, or ``ValueError`` for a number longer
    than ``NUMBER_CHARS_MAX`` or anything else that is not strict JSON."""
    if len(text) <= HOOKS_AFTER:
        # What ``json.loads`` does, without its three Python layers and regex matches per
        # frame: a frame rarely has whitespace around its value.
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:
            return json.loads(text)  # leading whitespace, or no value: its own answer
        if end != len(text) and _SPACE.fullmatch(text, end) is None:
            raise json.JSONDecodeError("Extra data", text, end)
        return value
    limit = allowance(len(text), limit)
    budget = limit - counted

    def parse_float(number: str) -> float:
        nonlocal budget
        budget -= FLOAT_WEIGHT - 1  # its comma or colon is already counted
        if budget < 0:
            raise TooManyValues(limit, echo_of(text), len(text))
        if len(number) > NUMBER_CHARS_MAX:
            raise ValueError("number too long")
        return float(number)

    def parse_int(number: str) -> int:
        if len(number) > NUMBER_CHARS_MAX:
            raise ValueError("number too long")
        return int(number)

    # A decoder per call: its float budget is this text's. Building one costs ~2 µs.
    decoder = json.JSONDecoder(parse_float=parse_float, parse_int=parse_int)
    return decoder.decode(text)


def echo_of(text: str) -> Any:
    """The echo of a refused request when it is cheap to find: an ``"echo"`` key near the
    start whose prefix opens exactly one object, or the last key of the object. Else
    ``NO_ECHO`` (the refusal then carries none)."""
    head = text[:ECHO_WINDOW]
    at = head.find('"echo"')
    if at >= 0 and head.count("{", 0, at) - head.count("}", 0, at) == 1 and (
            head.count("[", 0, at) == head.count("]", 0, at)):
        found = _value_at(head, at, last=False)
        if found is not NO_ECHO:
            return found
    tail = text[-ECHO_WINDOW:]
    at = tail.rfind('"echo"')
    return NO_ECHO if at < 0 else _value_at(tail, at, last=True)


def _value_at(window: str, at: int, *, last: bool) -> Any:
    key = _ECHO_KEY.match(window, at)
    if key is None:
        return NO_ECHO
    try:
        value, end = json.JSONDecoder().raw_decode(window, key.end())
    except ValueError:  # cut by the window, or not JSON
        return NO_ECHO
    if last and _TAIL.fullmatch(window, end) is None:
        return NO_ECHO  # not the top object's last key
    return NO_ECHO if value is None else value
