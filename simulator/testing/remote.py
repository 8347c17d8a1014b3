"""Objects of the simulator's thread, usable from the test's thread.

``Remote(host, get)`` stands for whatever ``get()`` returns on the
simulator's thread (a ``Person``, the ``World``, its ``groups`` service, the
``FaultPlan``...). Reading an attribute or calling a method runs on that
thread; plain results (snapshots, numbers, lists of them) come back as they
are, while simulator objects (services, the clock) come back as further
``Remote``s. So ``qq.world.groups.member(100100, 20003)`` reads the world
where it lives, and ``qq.person(20003).send_group_msg(...)`` changes it there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .host import Host


def _is_value(value: object) -> bool:
    """True for what may cross threads as is: data, not simulator machinery."""
    if value is None or isinstance(value, str | bytes | int | float | bool):
        return True
    if isinstance(value, list | tuple | set | frozenset | dict):
        return True
    if dataclasses.is_dataclass(value) or isinstance(value, type):
        return True
    module = type(value).__module__
    return not module.startswith("simulator.")


class Remote:
    """A stand-in, on the test's thread, for an object living on the simulator's thread."""

    def __init__(self, host: Host, get: Callable[[], Any], label: str) -> None:
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "_get", get)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        get, label, host = self._get, f"{self._label}.{name}", self._host

        def read() -> Any:
            return getattr(get(), name)

        value = host.call(read)
        if callable(value) and not isinstance(value, type):
            return _RemoteMethod(host, read, label)
        if _is_value(value):
            return value
        return Remote(host, read, label)

    def __setattr__(self, name: str, value: Any) -> None:
        self._host.call(lambda: setattr(self._get(), name, value))

    def __repr__(self) -> str:
        return f"<{self._label} on qqsim's thread>"


class _RemoteMethod:
    def __init__(self, host: Host, get: Callable[[], Any], label: str) -> None:
        self._host = host
        self._get = get
        self._label = label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self._host.call(lambda: self._get()(*args, **kwargs))
        if _is_value(value):
            return value
        label = self._label + "()"
        return Remote(self._host, lambda: value, label)

    def __repr__(self) -> str:
        return f"<{self._label} on qqsim's thread>"
