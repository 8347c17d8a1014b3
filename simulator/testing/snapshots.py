"""Snapshot files for the ``snapshot`` option: read once per process, restored per test."""

from __future__ import annotations

import threading
from pathlib import Path

from ..world.snapshot_store import WorldSnapshot

_LOADED: dict[tuple[str, int, int], WorldSnapshot] = {}
_LOCK = threading.Lock()  # tests of xdist run one at a time, but threads may build in parallel


def loaded_snapshot(path: str) -> WorldSnapshot:
    """The snapshot in ``path``, read again only when the file changed (mtime or size)."""
    found = Path(path)
    stat = found.stat() if found.is_file() else None
    key = (str(found.resolve()), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    with _LOCK:
        snap = _LOADED.get(key)
        if snap is None:
            snap = _LOADED[key] = WorldSnapshot.load(found)  # ConfigError names a bad file
        return snap
