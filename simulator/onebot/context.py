"""What a handler knows about the call it serves."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import InvalidState, Why
from ..world import World
from .profiles import NAPCAT, Profile, Transport


@dataclass(frozen=True)
class ConnectionSettings:
    """Per-connection settings from NapCat's adapter config."""

    message_format: str = "array"  # "array" or "string" (NapCat: anything but "string" = array)
    report_self_message: bool = False
    transport: Transport = Transport.WS_SERVER
    name: str = ""

    @property
    def string_format(self) -> bool:
        return self.message_format == "string"


class FileAccess(Protocol):
    """Local files, confined to qqsim's own storage (provided by the app layer)."""

    def read(self, path: str) -> bytes:
        """Bytes of ``path`` if it lies inside the storage; else raise a WorldError."""
        ...

    def export(self, name: str, data: bytes) -> str:
        """Write ``data`` as ``name`` inside the storage and return its absolute path."""
        ...

    def list_dir(self, path: str) -> list[str] | None:
        """Files under directory ``path`` inside the storage; None if it is no directory."""
        ...


class NoFiles:
    """File access for contexts with no storage: every local path is refused."""

    def read(self, path: str) -> bytes:
        raise InvalidState(Why.LOCAL_FILE_OUTSIDE_STORAGE, uri=path)

    def export(self, name: str, data: bytes) -> str:
        raise InvalidState(Why.NO_STORAGE, name=name)

    def list_dir(self, path: str) -> list[str] | None:
        self.read(path)  # refuses every path
        return None


class ContextSource(Protocol):
    """What an ``ActionContext`` is made from, read again on every call so that a link or
    a person made before ``sim.reset()`` acts in the new world (``Simulator`` is one)."""

    @property
    def world(self) -> World: ...

    @property
    def profile(self) -> Profile: ...

    @property
    def storage(self) -> FileAccess: ...


@dataclass
class ActionContext:
    world: World
    self_id: int
    settings: ConnectionSettings = field(default_factory=ConnectionSettings)
    profile: Profile = NAPCAT
    #: Local files: parameters never reach outside qqsim's storage.
    files: FileAccess = field(default_factory=NoFiles)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("qqsim.action"))
