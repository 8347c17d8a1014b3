"""One qqsim per database file: an exclusive advisory lock held while the world is open.

SQLite's own locks only serialise transactions; two servers on one file would
both seed it, both count message ids from the same place, and corrupt each
other's world. ``flock`` on a file beside the database is released by the
kernel when the process dies, so a killed server never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import ConfigError


class FileLock:
    def __init__(self, database: str) -> None:
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None
        self._database = database

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"{self._database}: the world file is in use by another qqsim "
                "(stop it, or give another --db)"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
