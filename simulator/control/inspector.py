"""Routes that show what went over the wire, and the media and forwards messages carry.

    GET /api/actions?limit&before&bot_id&chat&kind&message_id   actions bots called
    GET /api/frames?limit&before&bot_id&chat&kind&message_id    event frames sent to bots
    GET /api/connections                                 live bot connections and listeners
    GET /api/messages/<id>                               a message and the traffic behind it
    GET /api/forwards/<id>                               the nodes of a forward message
    GET /api/media/<name>                                stored media bytes (image, file...)

Filters: ``bot_id``; ``chat`` = ``group:<id>`` or ``private:<user id>``; ``kind`` =
a substring of an action name or of ``post_type.detail`` (``notice.group_recall``);
``message_id`` = records naming that message (in parameters, response or event).
A list holds the newest ``limit`` matching records (before traffic ``seq`` ``before``,
when given), oldest first, and ``more`` says whether older ones match too; long
strings in them are cut (``listing``: the whole records are in ``sim.actions`` and
``sim.frames``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from quart import Response, request
from quart_trio import QuartTrio

from ..errors import NotFound
from ..traffic import ActionRecord, FrameRecord
from .common import MalformedRequest, limit_arg, query_int, reply
from .listing import MAX_LIMIT, RESPONSE_BUDGET, fit
from .views import (
    TrafficFilter,
    action_json,
    connections_json,
    frame_json,
    message_json,
    reactions_json,
)

if TYPE_CHECKING:
    from ..simulation import Simulator

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


def _latest(records: Iterable[Record], matches: TrafficFilter, limit: int,
            before: int | None = None) -> tuple[list[Record], bool]:
    """The newest ``limit`` matching records (before ``before``), and whether there are more."""
    kept = [record for record in records
            if (before is None or record.seq < before) and matches(record)]
    return (kept[-limit:] if limit else []), len(kept) > limit


def _page(key: str, records: Iterable[Record], to_json: Any) -> Response:
    limit = limit_arg(DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise MalformedRequest(f"'limit' must be at most {MAX_LIMIT}")
    found, more = _latest(records, traffic_filter(), limit, query_int("before"))
    kept, cut_short = fit([to_json(r) for r in reversed(found)])  # newest first
    kept.reverse()
    return reply({key: kept, "more": more or cut_short})


def add_routes(app: QuartTrio, sim: Simulator) -> None:
    @app.get("/api/actions")
    async def actions() -> Response:
        return _page("actions", sim.actions, action_json)

    @app.get("/api/frames")
    async def frames() -> Response:
        return _page("frames", sim.frames, frame_json)

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
    # A message is named by a handful of records; a bound all the same (a bot may loop).
    actions, _ = _latest(sim.actions, matches, DEFAULT_LIMIT)
    frames, _ = _latest(sim.frames, matches, DEFAULT_LIMIT)
    (message,), _ = fit([message_json(found)])
    return {
        "message": message,
        "reactions": reactions_json(sim, message_id),
        "actions": fit([action_json(r) for r in actions], RESPONSE_BUDGET // 3)[0],
        "frames": fit([frame_json(r) for r in frames], RESPONSE_BUDGET // 3)[0],
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
