"""Routes that show what went over the wire, and the media and forwards messages carry.

    GET /api/actions?limit&bot_id&chat&kind&message_id   actions bots called, oldest first
    GET /api/frames?limit&bot_id&chat&kind&message_id    event frames sent to bots
    GET /api/connections                                 live bot connections and listeners
    GET /api/messages/<id>                               a message and the traffic behind it
    GET /api/forwards/<id>                               the nodes of a forward message
    GET /api/media/<name>                                stored media bytes (image, file...)

Filters: ``bot_id``; ``chat`` = ``group:<id>`` or ``private:<user id>``; ``kind`` =
a substring of an action name or of ``post_type.detail`` (``notice.group_recall``);
``message_id`` = records naming that message (in parameters, response or event).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from quart import Response, request
from quart_trio import QuartTrio

from ..app import ActionRecord, FrameRecord
from ..errors import NotFound
from .common import MalformedRequest, limit_arg, query_int, reply
from .views import (
    TrafficFilter,
    action_json,
    connections_json,
    frame_json,
    message_json,
    reactions_json,
)

if TYPE_CHECKING:
    from ..app import Simulator

Record = TypeVar("Record", ActionRecord, FrameRecord)

DEFAULT_LIMIT = 100
# Raster images are shown inline, typed by their bytes (QQ names a PNG "<md5>.jpg" too);
# anything else (SVG, HTML...) is a download, so media never runs script in our origin.
IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"BM", "image/bmp"))


def image_type(data: bytes) -> str | None:
    """The MIME type of a raster image, from its first bytes; None if it is not one."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_MAGIC if data.startswith(magic)), None)


def traffic_filter() -> TrafficFilter:
    try:
        return TrafficFilter(
            bot_id=query_int("bot_id"),
            chat=request.args.get("chat", ""),
            kind=request.args.get("kind", ""),
            message_id=query_int("message_id"),
        )
    except ValueError as exc:
        raise MalformedRequest(str(exc)) from None


def _latest(records: Iterable[Record], limit: int) -> list[Record]:
    matches = traffic_filter()
    kept = [record for record in records if matches(record)]
    return kept[-limit:] if limit else []


def add_routes(app: QuartTrio, sim: Simulator) -> None:
    @app.get("/api/actions")
    async def actions() -> Response:
        records = _latest(list(sim.actions), limit_arg(DEFAULT_LIMIT))
        return reply({"actions": [action_json(r) for r in records]})

    @app.get("/api/frames")
    async def frames() -> Response:
        records = _latest(list(sim.frames), limit_arg(DEFAULT_LIMIT))
        return reply({"frames": [frame_json(r) for r in records]})

    @app.get("/api/connections")
    async def connections() -> Response:
        return reply(connections_json(sim))

    @app.get("/api/messages/<int:message_id>")
    async def message(message_id: int) -> Response:
        return reply(_message_with_traffic(sim, message_id))

    @app.get("/api/forwards/<forward_id>")
    async def forward(forward_id: str) -> Response:
        return reply({"forward_id": forward_id, "nodes": sim.world.media.forward(forward_id)})

    @app.get("/api/media/<name>")
    async def media(name: str) -> Response:
        return _media_response(sim, name)


def _message_with_traffic(sim: Simulator, message_id: int) -> dict[str, Any]:
    found = sim.world.messages.get(message_id)
    matches = TrafficFilter(message_id=message_id)
    return {
        "message": message_json(found),
        "reactions": reactions_json(sim, message_id),
        "actions": [action_json(r) for r in sim.actions if matches(r)],
        "frames": [frame_json(r) for r in sim.frames if matches(r)],
    }


def _media_response(sim: Simulator, name: str) -> Response:
    stored = sim.world.media.get(name)
    if stored.data is None:
        # A URL the bot gave: qqsim remembers it but never fetches it (no outbound network).
        raise NotFound(f"media {name} is only a remote reference ({stored.source}); "
                       "qqsim did not download it")
    kind = image_type(stored.data)
    response = Response(stored.data, status=200)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    if kind is not None:
        response.content_type = kind
    else:
        response.content_type = "application/octet-stream"
        filename = request.args.get("name") or stored.name
        safe = PurePosixPath(filename).name.replace('"', "") or stored.name
        response.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(safe, safe='')}"
        )
    return response
