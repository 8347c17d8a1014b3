"""The world's clock: wall-clock seconds that tests and scenarios can move.

The world never calls ``time.time()`` itself; it asks a ``Clock``. ``SystemClock``
follows the machine. ``ManualClock`` starts at a fixed instant and only moves
when told, so timestamps, mute expiry and request ages are reproducible.

Both can be advanced, and both tell their listeners when they are: that is
how code waiting on world time (heartbeats, timed faults, ``Simulator.sleep_world``)
wakes up when a test or a scenario jumps the clock forward. This module stays
free of trio so the world can import it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

#: Called with the number of seconds the clock just moved forward.
ClockListener = Callable[[float], None]


class Clock(Protocol):
    """Anything that tells the current Unix time in seconds."""

    def now(self) -> float: ...


@runtime_checkable
class SteerableClock(Protocol):
    """A clock that tests and scenarios can move forward and listen to."""

    #: True when the clock moves by itself with real time (between advances).
    follows_real_time: bool

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None: ...

    def add_listener(self, listener: ClockListener) -> None: ...

    def remove_listener(self, listener: ClockListener) -> None: ...


class _Advancing:
    """Forward-only advancing with listeners, shared by both clocks."""

    def __init__(self) -> None:
        self._listeners: list[ClockListener] = []

    def add_listener(self, listener: ClockListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: ClockListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._move(seconds)
        for listener in list(self._listeners):
            listener(seconds)

    def now(self) -> float:
        raise NotImplementedError

    def set_to(self, instant: float) -> None:
        """Show ``instant`` now, earlier or later: a restored snapshot brings its time back.

        Listeners are not told (nothing elapsed); whoever restores wakes its sleepers.
        """
        self._move(instant - self.now())

    def _move(self, seconds: float) -> None:
        raise NotImplementedError


class SystemClock(_Advancing):
    """The machine's clock, shifted by however far the world was advanced."""

    follows_real_time = True

    def __init__(self) -> None:
        super().__init__()
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """How far the world was advanced past real time, in seconds."""
        return self._offset

    def _move(self, seconds: float) -> None:
        self._offset += seconds


class ManualClock(_Advancing):
    """A clock that stands still until ``advance`` moves it."""

    follows_real_time = False

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 00:00 UTC
        super().__init__()
        self._now = start

    def now(self) -> float:
        return self._now

    def _move(self, seconds: float) -> None:
        self._now += seconds


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(value: str | float | int) -> float:
    """Seconds in a duration: a number of seconds, or text such as ``10m``, ``1h30m``, ``500ms``.

    Units: ``ms``, ``s``, ``m`` (minutes), ``h``, ``d``. Raises ``ValueError``
    for anything else, including negative values.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value}")
        return float(value)
    text = value.strip().replace(" ", "")
    try:
        return parse_duration(float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a duration: {value!r} (write e.g. 30s, 10m, 1h30m, 2d, 500ms)")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float) -> str:
    """A short readable duration: ``90`` → ``1m30s``."""
    if seconds < 1 and seconds:
        return f"{round(seconds * 1000)}ms"
    whole, out = int(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            out.append(f"{whole // size}{unit}")
            whole %= size
    fraction = seconds - int(seconds)
    if fraction >= 0.001:
        return "".join(out) + f"{round(fraction * 1000)}ms"
    return "".join(out) or "0s"
