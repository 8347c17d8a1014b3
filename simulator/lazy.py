"""Names a package exports but imports only when first used.

``import simulator`` (and the pytest plugin, which imports ``simulator.testing``)
should not pay for quart, the scenario engine or the OneBot registry before they
are needed: that is start-up time and memory for every test process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str], namespace: dict[str, Any]
                 ) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``name`` from its home module on first use.

    ``homes`` maps each exported name to the relative module defining it; the value
    is kept in ``namespace`` (the package's globals) so the next use is a plain lookup.
    """

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(homes[name], package), name)
        namespace[name] = value
        return value

    return __getattr__
