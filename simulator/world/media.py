"""Media kept by the world: images, voices, videos and files that messages carry."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import func, select

from ..errors import NotFound, Why
from .core import WorldCore
from .tables import ForwardRow, MediaRow


def forward_res_id(number: int) -> str:
    """The res_id of the world's ``number``-th forward: 64 base64 characters, as on QQ.

    Never all digits: NapCat's ``get_forward_msg`` takes a numeric id for a
    message id and anything else for a res_id. Deterministic, so the same
    world built twice gives the same ids.
    """
    seed = f"qqsim forward {number}".encode()
    digest = hashlib.sha256(seed).digest() + hashlib.md5(seed).digest()
    res_id = base64.urlsafe_b64encode(digest).decode()  # no "/": it travels in URLs
    return res_id if not res_id.isdigit() else "F" + res_id[1:]


#: Media larger than this (bytes) is not read back from the database when put again.
READ_BACK_MAX = 1024 * 1024


@dataclass(frozen=True)
class Media:
    name: str
    md5: str
    size: int
    kind: str
    source: str
    data: bytes | None


def _media_of(row: MediaRow) -> Media:
    return Media(row.name, row.md5, row.size, row.kind, row.source, row.data)


class MediaStore:
    def __init__(self, core: WorldCore) -> None:
        self._core = core
        self._db = core.session

    def put(
        self, data: bytes, *, kind: str, ext: str, source: str = "", md5: str | None = None
    ) -> Media:
        """Keep ``data``; the same bytes always get the same name. ``md5``: its upper-case
        hex MD5 when already known (hashed off the event loop: ``onebot.media``)."""
        md5 = md5 or hashlib.md5(data).hexdigest().upper()
        return self._put(f"{md5}.{ext}", md5, len(data), kind, source, data)

    def put_reference(self, source: str, *, kind: str, ext: str) -> Media:
        """Remember a remote URL without fetching it (no outbound network by default)."""
        md5 = hashlib.md5(source.encode()).hexdigest().upper()
        return self._put(f"{md5}.{ext}", md5, 0, kind, source, None)

    def _put(
        self, name: str, md5: str, size: int, kind: str, source: str, data: bytes | None
    ) -> Media:
        if size > READ_BACK_MAX:
            # Known already: its bytes are ``data`` (the name is their MD5), not read back
            # from the database (~2 ms per MB on the event loop).
            known = self._db.exec(select(MediaRow.kind, MediaRow.source)
                                  .where(MediaRow.name == name)).first()
            if known is not None:
                return Media(name, md5, size, known[0], known[1], data)
        row = self._db.get(MediaRow, name)
        if row is None:
            row = MediaRow(name=name, md5=md5, size=size, kind=kind, source=source, data=data,
                           created_at=self._core.now())
            self._db.add(row)
            self._core.commit()
        return _media_of(row)

    def find(self, name: str) -> Media | None:
        row = self._db.get(MediaRow, name)
        if row is None:
            row = self._db.exec(select(MediaRow).where(MediaRow.md5 == name.upper())).first()
        return None if row is None else _media_of(row)

    def get(self, name: str) -> Media:
        media = self.find(name)
        if media is None:
            raise NotFound(Why.MEDIA_NOT_FOUND, name=name)
        return media

    # -- forwards ----------------------------------------------------------

    def put_forward(self, nodes: list[dict[str, Any]]) -> str:
        count = self._db.exec(select(func.count()).select_from(ForwardRow)).one()
        forward_id = forward_res_id(int(count) + 1)
        self._db.add(
            ForwardRow(
                forward_id=forward_id,
                nodes_json=json.dumps(nodes, ensure_ascii=False),
                created_at=self._core.now(),
            )
        )
        self._core.commit()
        return forward_id

    def has_forward(self, forward_id: str) -> bool:
        return self._db.get(ForwardRow, forward_id) is not None

    def forward(self, forward_id: str) -> list[dict[str, Any]]:
        row = self._db.get(ForwardRow, forward_id)
        if row is None:
            raise NotFound(Why.FORWARD_NOT_FOUND, forward_id=forward_id)
        nodes: list[dict[str, Any]] = json.loads(row.nodes_json)
        return nodes
