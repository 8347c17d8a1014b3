"""Routes for snapshots of the world and for the coverage of the surface.

    GET    /api/snapshots                   the saved snapshots: name, world time, size
    POST   /api/snapshots                   {"name"}: save the whole world now under name
    POST   /api/snapshots/<name>/restore    bring the world back to that snapshot
    GET    /api/snapshots/<name>/file       the snapshot as an SQLite file (to keep)
    PUT    /api/snapshots/<name>/file       an SQLite file from ``GET .../file``: keep it as name
    DELETE /api/snapshots/<name>            forget it
    GET    /api/coverage                    what bots met against the profile's surface (JSON);
                                            ``?format=html`` the same as a page

Snapshots travel as request and response bodies: the control API never reads or
writes a path a request names (``qqsim snapshot`` keeps the files on its side).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from quart import Response, request
from quart_trio import QuartTrio

from ..coverage import html_report, json_report
from ..errors import ConfigError
from ..world.snapshot_store import WorldSnapshot
from .common import MalformedRequest, json_object, reply, text

if TYPE_CHECKING:
    from ..simulation import Simulator

#: Snapshot names: short and plain, as they appear in scenario steps and file names.
NAME = re.compile(r"[\w.-]{1,64}")
SQLITE_TYPE = "application/vnd.sqlite3"


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise MalformedRequest("a snapshot name is 1-64 letters, digits, '_', '-' or '.'")
    return value


def _listing(sim: Simulator) -> dict[str, object]:
    return {"snapshots": [{"name": name, "time": int(snap.time),
                           "bytes": len(snap.to_bytes())} for name, snap in sim.snapshots.items()]}


def add_routes(app: QuartTrio, sim: Simulator) -> None:
    def known(name: str) -> WorldSnapshot:
        try:
            return sim.snapshots.get(_name(name))
        except ConfigError as exc:
            raise MalformedRequest(str(exc)) from None

    @app.get("/api/snapshots")
    async def snapshots() -> Response:
        return reply(_listing(sim))

    @app.post("/api/snapshots")
    async def save() -> Response:
        name = _name(text(await json_object(), "name"))
        snap = sim.snapshot(name)
        return reply({"name": name, "time": int(snap.time)})

    @app.post("/api/snapshots/<name>/restore")
    async def restore(name: str) -> Response:
        sim.restore(known(name))
        return reply({"name": name, "time": sim.world.now()})

    @app.get("/api/snapshots/<name>/file")
    async def download(name: str) -> Response:
        return Response(known(name).to_bytes(), content_type=SQLITE_TYPE)

    @app.put("/api/snapshots/<name>/file")
    async def upload(name: str) -> Response:
        chosen = _name(name)
        try:
            data = await request.get_data(as_text=False)
            snap = WorldSnapshot.from_bytes(data if isinstance(data, bytes) else data.encode())
        except ConfigError as exc:
            raise MalformedRequest(str(exc)) from None
        sim.snapshots.put(chosen, snap)
        return reply({"name": chosen, "time": int(snap.time)})

    @app.delete("/api/snapshots/<name>")
    async def forget(name: str) -> Response:
        known(name)
        sim.snapshots.forget(name)
        return reply(_listing(sim))

    @app.get("/api/coverage")
    async def coverage() -> Response:
        coverages = sim.coverage.coverages
        if request.args.get("format") == "html":
            return Response(html_report(coverages), content_type="text/html; charset=utf-8")
        return reply(json_report(coverages))
