"""Records as the plain data ``marshal`` takes, and cut to a size (``simulator.recording``).

``plain`` turns what a record holds into plain data; ``shortened`` cuts long strings and
lists, saying how much was left out; ``without_huge_strings`` cuts a call's parameters
before anything marshals them, only when one is huge.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
from typing import Any

#: ``shortened`` cuts strings longer than this many characters...
MAX_STRING = 512
#: ...and lists and tuples longer than this.
MAX_ITEMS = 100
#: A call's parameters with a string (or bytes) longer than this are recorded cut, before
#: anything marshals them (``without_huge_strings``): a 45 MB parameter was marshalled
#: whole for the call log and again for the transcript, ~75 ms on the event loop. Message
#: text is capped at 1 MiB characters, so a message qqsim accepts is recorded whole.
HUGE_STRING = 1024 * 1024
#: ``without_huge_strings`` looks at this many values at most: its cost stays bounded on
#: a call with thousands of items (lists that long are cut when their block is sealed).
HUGE_WALK_MAX = 2048


def plain(value: Any) -> Any:
    """``value`` as the plain data marshal takes: enums and other subclasses as their
    base type, dataclasses and sets as dicts and sorted lists, anything else as its repr."""
    if value is None or type(value) in (bool, int, float, str, bytes):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value) if type(value) in (list, tuple) else [
            plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, int):  # bool and int subclasses (IntEnum is caught above)
        return bool(value) if isinstance(value, bool) else int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    return repr(value)


#: Values ``shortened`` keeps as they are, checked inline: a large record is mostly these.
_KEPT = frozenset({int, float, bool, type(None)})


def shortened(value: Any, max_string: int = MAX_STRING, max_items: int = MAX_ITEMS,
              fate: str = "kept") -> Any:
    """``value`` with strings longer than ``max_string`` and lists longer than ``max_items``
    cut, each saying how much was left out ("…[qqsim: N more chars not <fate>]")."""
    def cut(value: Any) -> Any:
        if type(value) is dict:  # the common case first, its plain values without a call
            return {k: v if type(v) in _KEPT or (type(v) is str and len(v) <= max_string)
                    else cut(v) for k, v in value.items()}
        if isinstance(value, str):
            if len(value) <= max_string:
                return value
            return value[:max_string] + (f"…[qqsim: {len(value) - max_string} more chars "
                                         f"not {fate}]")
        if isinstance(value, bytes):
            return value if len(value) <= max_string else value[:max_string]
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            kept = [cut(v) for v in value[:max_items]]
            if len(value) > max_items:
                kept.append(f"…[qqsim: {len(value) - max_items} more items not {fate}]")
            return kept if isinstance(value, list) else tuple(kept)
        return value

    return cut(value)


def without_huge_strings(value: Any) -> Any:
    """``value`` itself when none of the first ``HUGE_WALK_MAX`` values in it is a string or
    bytes longer than ``HUGE_STRING``; else ``shortened(value)`` (what compaction would keep).

    Cheap on every call: type checks and ``len``, nothing copied or marshalled.
    """
    if type(value) is dict:
        # Most calls: a flat dict of numbers and short strings, checked without the walk.
        for item in value.values():
            kind = type(item)
            if kind is str:
                if len(item) > HUGE_STRING:
                    break
            elif kind is not int and kind is not bool and item is not None:
                break
        else:
            return value
    pending, budget = [value], HUGE_WALK_MAX
    while pending and budget > 0:
        item = pending.pop()
        budget -= 1
        kind = type(item)
        if kind is str or kind is bytes:
            if len(item) > HUGE_STRING:
                return shortened(value)
        elif kind is dict:
            pending.extend(itertools.islice(item.values(), budget))
        elif kind is list or kind is tuple:
            pending.extend(item[:budget])
    return value
