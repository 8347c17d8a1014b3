"""Strings SQLite can store: the one check every way into qqsim uses.

A JSON or YAML ``"\\ud800"`` escape decodes to a Python ``str`` holding a lone
surrogate. Such a string cannot be encoded as UTF-8, so the database refuses
it at flush time, long after the request was accepted. Transports (through
``onebot.params``), the control API, scenario files and seed files therefore
look for such strings first and refuse them as a bad parameter, naming where
the string was. Imports nothing from the rest of the package, so every layer
may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Where a value sits inside a document: keys and list indexes from the root.
KeyPath = tuple[str | int, ...]

#: Longer keys are shortened in messages (a key may be megabytes long).
SHOWN_KEY_CHARS = 40


@dataclass(frozen=True)
class Unstorable:
    """The first string that cannot be stored, and where it is.

    ``path`` leads to the string; when ``key`` is true the string is the last
    key of ``path`` (a mapping's key), which messages never print.
    """

    path: KeyPath
    key: bool
    code_point: int

    @property
    def place(self) -> KeyPath:
        """The path a message names: a bad key's mapping, else the string itself."""
        return self.path[:-1] if self.key else self.path

    @property
    def problem(self) -> str:
        thing = "a key" if self.key else "the text"
        return (f"{thing} holds a lone surrogate (U+{self.code_point:04X}), which is "
                f"not valid Unicode and cannot be stored")


def storable(value: object) -> bool:
    """True when every string in ``value`` (keys too, at any depth) encodes as UTF-8.

    The fast path, run on every action call: one iterative walk (no recursion
    limit to hit), and ``isascii()``, which is O(1) in CPython, spares encoding
    ASCII strings. Containers are JSON's (dict, list) and tuples.
    """
    stack: list[Any] = [value]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if kind is dict:
            for key, item in node.items():
                if type(key) is str and not key.isascii() and not _encodes(key):
                    return False
                if type(item) is str:
                    if not item.isascii() and not _encodes(item):
                        return False
                elif type(item) in _CONTAINERS:
                    push(item)
        elif kind is list or kind is tuple:
            if len(node) > _SCALARS_SCAN and set(map(type, node)) <= _SCALARS:
                continue  # a long list of numbers: the types are gathered in C (~4x faster)
            for item in node:
                if type(item) is str:
                    if not item.isascii() and not _encodes(item):
                        return False
                elif type(item) in _CONTAINERS:
                    push(item)
        elif kind is str and not _encodes(node):
            return False
    return True


_CONTAINERS = frozenset({dict, list, tuple})
#: What a JSON document holds besides strings and containers: nothing to check in them.
_SCALARS = frozenset({int, float, bool, type(None)})
#: Lists longer than this are first checked for holding scalars only.
_SCALARS_SCAN = 64


def _encodes(text: str) -> bool:
    # UTF-16 refuses exactly the code points UTF-8 does (surrogates), and encodes a CJK
    # text ~9x faster: 15 M characters took 38 ms in one step of the event loop, now 4 ms.
    try:
        text.encode("utf-16-le")
    except UnicodeEncodeError:
        return False
    return True


def find_unstorable(value: object) -> Unstorable | None:
    """The first string of ``value`` that cannot be stored, in document order, or None."""
    if storable(value):
        return None
    return _locate(value)


def _locate(value: object) -> Unstorable | None:
    # Only runs once a bad string is known to exist, so its cost does not matter;
    # still iterative, as a parsed document may nest deeper than Python recurses.
    stack: list[tuple[KeyPath, object]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            bad = _bad_code_point(node)
            if bad is not None:
                return Unstorable(path, False, bad)
        elif isinstance(node, dict):
            children: list[tuple[KeyPath, object]] = []
            for key, item in node.items():
                bad = _bad_code_point(key) if isinstance(key, str) else None
                if bad is not None:
                    return Unstorable((*path, key), True, bad)
                children.append(((*path, key), item))
            stack.extend(reversed(children))
        elif isinstance(node, list | tuple):
            stack.extend(reversed([((*path, i), item) for i, item in enumerate(node)]))
    return None


def _bad_code_point(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return ord(text[exc.start])
    return None


def _shown(key: str | int) -> str:
    text = str(key)
    return text if len(text) <= SHOWN_KEY_CHARS else text[:SHOWN_KEY_CHARS] + "…"


def dotted(path: KeyPath) -> str:
    """``message[0].data.text``: how the control API and scenario errors name a place."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{_shown(part)}" for part in path]
    return "".join(parts).lstrip(".")


def pointer(path: KeyPath) -> str:
    """``/message/0/data/text``: the path TypeBox-style parameter errors end with."""
    return "/" + "/".join(_shown(part) for part in path)


class NotUtf8(ValueError):
    """A file's bytes are not UTF-8 (surrogates encoded as bytes included); ``line`` and
    ``column`` (1-based, in characters) say where the first bad byte is."""

    def __init__(self, line: int, column: int, byte: int) -> None:
        super().__init__(f"not UTF-8 text (byte 0x{byte:02X}): save the file as UTF-8")
        self.line = line
        self.column = column


def decode_utf8(raw: bytes) -> str:
    """``raw`` as text, or ``NotUtf8`` locating the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start:exc.start].decode("utf-8", "replace")) + 1
        raise NotUtf8(raw.count(b"\n", 0, exc.start) + 1, column, raw[exc.start]) from None
