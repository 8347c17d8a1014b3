"""qqsim's own file storage: the only place action parameters may read or write.

A path given by a bot (``file://...`` or a bare path) is resolved and must
stay inside the storage root after following ``..`` and symlinks.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from .errors import InvalidState
from .why import Why

_MAKING_ROOT = threading.Lock()


class Storage:
    def __init__(self, root: str | None = None) -> None:
        self._owned = root is None  # a temporary root is removed on close
        self._root: Path | None = None
        if root is not None:
            self._root = Path(root).resolve()
            self._root.mkdir(parents=True, exist_ok=True)

    @property
    def root(self) -> Path:
        """The storage folder; a temporary one is made on first use (most test worlds
        never store a file, and making and removing a folder is a fixture's largest cost)."""
        if self._root is None:
            with _MAKING_ROOT:  # a worker thread may export the first file (onebot.media)
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="qqsim-")).resolve()
        return self._root

    def _inside(self, raw_path: str) -> Path:
        candidate = Path(raw_path)
        try:
            path = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        except (OSError, ValueError):  # a NUL byte, a name too long: no such file
            raise InvalidState(Why.URL_UNRECOGNISED, uri=raw_path) from None
        if not path.is_relative_to(self.root):
            raise InvalidState(Why.PATH_OUTSIDE_STORAGE, uri=raw_path)
        return path

    def read(self, path: str) -> bytes:
        try:
            return self._inside(path).read_bytes()
        except OSError:
            raise InvalidState(Why.URL_UNRECOGNISED, uri=path) from None

    def list_dir(self, path: str) -> list[str] | None:
        """Files under directory ``path`` (relative paths, sorted); None if not a directory."""
        folder = self._inside(path)
        try:
            if not folder.is_dir():
                return None
        except OSError:  # a name too long for the file system
            return None
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    def export(self, name: str, data: bytes) -> str:
        """Write ``data`` as ``media/<name>`` (unless a file of its size is there) and return
        its absolute path. Safe to call from a worker thread."""
        path = self._inside(f"media/{Path(name).name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.stat().st_size != len(data):
            # Written aside, then renamed: a big file is written in a worker thread
            # (``onebot.media``) while the loop may export the same name.
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            partial.write_bytes(data)
            os.replace(partial, path)
        return str(path)

    def close(self) -> None:
        if self._owned and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
