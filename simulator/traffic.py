"""What a bot and qqsim said to each other: one record per call and per event frame.

Kept by ``Simulator`` (``sim.actions``, ``sim.frames``) and heard by its traffic
listeners (the transcript, the console, coverage, the lint). Below ``app`` so that
those listeners need not import the simulator to read a record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The records are frozen dataclasses with their own ``__init__``: the generated one sets
# each field through ``object.__setattr__`` (~1.5k instructions a field, on every call and
# frame); these set the instance's ``__dict__`` at once.


@dataclass(frozen=True, init=False)
class ActionRecord:
    """One action a bot called, with the response it got."""

    bot_id: int
    connection: str
    action: str
    params: Any
    response: dict[str, Any]
    elapsed_ms: float
    time: int
    #: Place in the traffic log that actions share with frames (1, 2, ...).
    seq: int = 0
    #: The fault kind that took this call (``simulator.faults``), if any.
    fault: str | None = None

    def __init__(self, bot_id: int, connection: str, action: str, params: Any,
                 response: dict[str, Any], elapsed_ms: float, time: int, seq: int = 0,
                 fault: str | None = None, entry: int = 0) -> None:
        object.__setattr__(self, "__dict__", {
            "bot_id": bot_id, "connection": connection, "action": action, "params": params,
            "response": response, "elapsed_ms": elapsed_ms, "time": time, "seq": seq,
            "fault": fault, "entry": entry})

    @property
    def entry(self) -> int:
        """``n`` of the call's transcript entry (0: none): the transcript reads its "action"
        entries from the call log by it (``simulator.transcript``). Not a field: records
        compare, print and convert (``asdict``, the control API) as before."""
        entry: int = self.__dict__["entry"]
        return entry


@dataclass(frozen=True, init=False)
class FrameRecord:
    """One event frame handed to a bot connection, as rendered for it."""

    bot_id: int
    connection: str
    event: dict[str, Any]
    time: int
    seq: int

    def __init__(self, bot_id: int, connection: str, event: dict[str, Any], time: int,
                 seq: int, entry: int = 0) -> None:
        object.__setattr__(self, "__dict__", {
            "bot_id": bot_id, "connection": connection, "event": event, "time": time,
            "seq": seq, "entry": entry})

    @property
    def entry(self) -> int:
        """``n`` of the frame's transcript entry (0: none), as ``ActionRecord.entry``."""
        entry: int = self.__dict__["entry"]
        return entry


TrafficListener = Callable[[ActionRecord | FrameRecord], None]


#: Where a kept record's plain form (``action_plain``, ``frame_plain``) has its ``entry``.
ACTION_ENTRY = 9
FRAME_ENTRY = 5


def action_plain(record: ActionRecord) -> tuple[Any, ...]:
    """The record's values in ``__init__``'s order (which sets the whole ``__dict__``, and
    nothing can add to a frozen one): one copy of them, on every call recorded."""
    return tuple(record.__dict__.values())


def action_of(plain: tuple[Any, ...]) -> ActionRecord:
    return ActionRecord(*plain)


def frame_plain(record: FrameRecord) -> tuple[Any, ...]:
    """The record's values in ``__init__``'s order, as ``action_plain``."""
    return tuple(record.__dict__.values())


def frame_of(plain: tuple[Any, ...]) -> FrameRecord:
    return FrameRecord(*plain)
