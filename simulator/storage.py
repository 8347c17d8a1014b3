"""qqsim's own file storage: the only place action parameters may read or write.

A path given by a bot (``file://...`` or a bare path) is resolved and must
stay inside the storage root after following ``..`` and symlinks.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .errors import InvalidState


class Storage:
    def __init__(self, root: str | None = None) -> None:
        self._owned = root is None  # a temporary root is removed on close
        self.root = Path(root or tempfile.mkdtemp(prefix="qqsim-")).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _inside(self, raw_path: str) -> Path:
        candidate = Path(raw_path)
        path = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidState(
                f"文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, uri= {raw_path}"
            )
        return path

    def read(self, path: str) -> bytes:
        try:
            return self._inside(path).read_bytes()
        except OSError:
            raise InvalidState(f"文件处理失败: 识别URL失败, uri= {path}") from None

    def list_dir(self, path: str) -> list[str] | None:
        """Files under directory ``path`` (relative paths, sorted); None if not a directory."""
        folder = self._inside(path)
        if not folder.is_dir():
            return None
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    def export(self, name: str, data: bytes) -> str:
        path = self._inside(f"media/{Path(name).name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.stat().st_size != len(data):
            path.write_bytes(data)
        return str(path)

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)
