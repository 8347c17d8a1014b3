"""A world change's facts as plain data, for the transcript's "world" entries.

``fields_of`` gives the dict an entry shows; ``shaped`` the compact form the transcript
keeps (a tuple of values led by its shape's index, no keys), which ``unshaped`` turns back
into that dict. Both convert only the fields seen holding something other than plain data
(``learn``), on every world change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def fields_of(value: Any) -> dict[str, Any]:
    """A dataclass as a dict of its fields, nested dataclasses and sets converted too.

    Runs on every world change (a sent message is a ``MessageCreated`` holding a
    snapshot holding segments), so it copies the instance's ``__dict__`` and converts
    only the fields that held a dataclass, a set or an enum before (``_NESTED``, learnt
    per type). Lists and dicts are kept as they are (snapshots are frozen; their
    segments never change after the send). Anything unexpected is caught when the entry
    is recorded: the log hands ``Transcript.add`` a converted copy (``recording.plain``)
    and ``learn`` notes the field for next time.
    """
    kind = type(value)
    nested = _NESTED.get(kind)
    if nested is None:
        nested = learn(value)
    facts = dict(value.__dict__) if hasattr(value, "__dict__") else {
        name: getattr(value, name) for name in _field_names(kind)}
    for name in nested:
        item = facts[name]
        if type(item) not in _PLAIN_TYPES:
            facts[name] = fields_of(item) if dataclasses.is_dataclass(item) else _plain(item)
    return facts


#: Per dataclass type, the fields seen holding something other than plain data.
_NESTED: dict[type, tuple[str, ...]] = {}


def learn(value: Any) -> tuple[str, ...]:
    kind = type(value)
    seen = set(_NESTED.get(kind, ()))
    for name in _field_names(kind):
        item = getattr(value, name)
        if type(item) not in _PLAIN_TYPES and type(item) not in (list, dict):
            seen.add(name)
    _NESTED[kind] = nested = tuple(sorted(seen))
    _SHAPE_OF.pop(kind, None)  # its shape converts other fields now
    return nested


#: The shapes of world entries' dataclasses (``shaped``): per index, the type's name, its
#: ``__dict__`` keys in order, and the positions converted (its ``_NESTED`` fields then).
#: Only grows (kept entries name their shape by index), by one per distinct shape.
_SHAPES: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = []
_SHAPE_INDEX: dict[tuple[str, tuple[str, ...], tuple[int, ...]], int] = {}
#: Per type, the shape its instances had last: (index, keys, positions converted, whether
#: an instance's keys must be compared). A frozen dataclass's instance has its fields'
#: keys in their order (its ``__init__`` sets them; nothing adds or removes one), so one
#: with as many keys has these; any other type's keys are compared (~1.5k instructions).
_SHAPE_OF: dict[type, tuple[int, tuple[str, ...], tuple[int, ...], bool]] = {}


def shaped(value: Any) -> tuple[Any, ...]:
    """A domain event (or a dataclass in one) as ``(shape, *values)``: what ``fields_of``
    gives, without its keys (``unshaped`` puts them back).

    Kept for every world change: a tuple of values costs marshal less than the dict it
    reads as (a sent message's entry: ~16k instructions instead of ~22k). Converted as
    ``fields_of`` does: the fields of ``_NESTED`` only, a dataclass in one as a nested
    shaped tuple (a field value ``_plain`` converted is never a tuple, so a tuple there
    is one of these), except a frozenset: it is kept as it is and sorted when read, as
    ``_plain`` would have sorted it (``_plain`` never gives a frozenset either).
    """
    shape = _SHAPE_OF.get(type(value))
    state = getattr(value, "__dict__", None)
    if (shape is None or state is None or len(state) != len(shape[1])
            or (shape[3] and tuple(state) != shape[1])):
        shape, state = _shape(value)
    converted = shape[2]
    if not converted:
        return (shape[0], *state.values())
    values = [shape[0], *state.values()]
    for i in converted:
        item = values[i]
        kind = type(item)
        if kind in _PLAIN_TYPES:
            continue
        if kind is frozenset:
            # Every event's audience: kept as it is (marshal takes a set; the same set in
            # each entry of a chunk is written once), sorted when read (``unshaped``).
            continue
        if (inner := _SHAPE_OF.get(kind)) is not None and not inner[2] and not inner[3] \
                and len(fields := item.__dict__) == len(inner[1]):
            # A frozen dataclass of plain fields (a message's snapshot): ``shaped``, inline.
            values[i] = (inner[0], *fields.values())
        elif hasattr(kind, "__dataclass_fields__"):  # ``dataclasses.is_dataclass``, inline
            values[i] = shaped(item)
        else:
            values[i] = _plain(item)
    return tuple(values)


def _shape(value: Any
           ) -> tuple[tuple[int, tuple[str, ...], tuple[int, ...], bool], dict[str, Any]]:
    """``value``'s shape (registered when new) and its fields, in ``__dict__`` order."""
    kind = type(value)
    nested = _NESTED.get(kind)
    if nested is None:
        nested = learn(value)
    state = value.__dict__ if hasattr(value, "__dict__") else {
        name: getattr(value, name) for name in _field_names(kind)}
    names = tuple(state)
    converted = tuple(i + 1 for i, name in enumerate(names) if name in nested)
    shape = (kind.__name__, names, converted)
    index = _SHAPE_INDEX.get(shape)
    if index is None:
        index = _SHAPE_INDEX[shape] = len(_SHAPES)
        _SHAPES.append(shape)
    params = getattr(kind, "__dataclass_params__", None)
    known = (index, names, converted, not (params is not None and params.frozen))
    if hasattr(value, "__dict__"):
        _SHAPE_OF[kind] = known
    return known, state


def unshaped(kept: tuple[Any, ...]) -> dict[str, Any]:
    """The fields ``shaped`` kept, as the dict ``fields_of`` gives (a fresh one)."""
    _, names, converted = _SHAPES[kept[0]]
    facts = dict(zip(names, kept[1:], strict=True))
    for i in converted:
        item = kept[i]
        kind = type(item)
        if kind is tuple:
            facts[names[i - 1]] = unshaped(item)
        elif kind is frozenset:  # kept as it was (``shaped``): what ``_plain`` gives
            facts[names[i - 1]] = sorted(item)
    return facts


def _plain(value: Any) -> Any:
    """Dataclasses and sets as JSON-friendly values (snapshots inside domain events).

    Runs on every world change (a sent message is a ``MessageCreated`` holding a
    snapshot holding segments), so the common cases are tested by exact type first.
    """
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    plain = _PLAIN_TYPES  # checked inline below: most values are plain, calls cost
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in plain else _plain(v)
                for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in plain else _plain(v) for v in value]
    if kind is frozenset:  # every world event's audience: ints, sorted as below
        return sorted([v if type(v) in plain else _plain(v) for v in value])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ((name, getattr(value, name)) for name in _field_names(kind))
        return {name: v if type(v) in plain else _plain(v) for name, v in fields}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def shape_name(kept: tuple[Any, ...]) -> str:
    """The type name of the event a ``shaped`` form was made of."""
    name: str = _SHAPES[kept[0]][0]
    return name
