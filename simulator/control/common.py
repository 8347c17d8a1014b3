"""What every control route shares: JSON replies and reading request bodies and queries."""

from __future__ import annotations

import json
from typing import Any

from quart import Response, request

from ..storable import dotted, find_unstorable


class MalformedRequest(Exception):
    """The request is malformed; the text says what was wrong (answered as 400)."""


class Unavailable(Exception):
    """This qqsim cannot do that yet (answered as 501); the text says what is missing."""


def json_text(body: object) -> str:
    """``body`` as JSON text that always encodes as UTF-8 (raw UTF-8 where it can)."""
    # default=str: action records may hold whatever an in-process caller passed.
    text = json.dumps(body, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A recorded call may hold a lone surrogate (refused, but recorded as sent):
        # escape it as JSON does, rather than fail a reply (500) or the live feed.
        text = json.dumps(body, default=str)
    return text


def reply(body: object, status: int = 200) -> Response:
    return Response(json_text(body), status=status,
                    content_type="application/json; charset=utf-8")


async def json_object() -> dict[str, Any]:
    """The request body, which must be a JSON object sent as ``application/json``."""
    if request.mimetype != "application/json":
        # A cross-site form or fetch can post text/plain without a CORS preflight;
        # requiring the JSON type makes the browser ask first, and we never say yes.
        raise MalformedRequest("send the body as Content-Type: application/json")
    raw = await request.get_data(True, False, False)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise MalformedRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise MalformedRequest("the body must be a JSON object")
    refuse_unstorable(body)
    return body


def refuse_unstorable(body: dict[str, Any]) -> None:
    """Refuse a body holding a string the world cannot store (a lone surrogate, which
    ``json.loads`` makes of a ``"\\ud800"`` escape or of such raw bytes), naming the field."""
    found = find_unstorable(body)
    if found is not None:
        where = repr(dotted(found.place)) if found.place else "the body"
        raise MalformedRequest(f"{where}: {found.problem}")


def integer(body: dict[str, Any], key: str, default: int | None = None) -> int:
    """``body[key]`` as an int; JSON numbers only (a bool is not a number here)."""
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"{key!r} must be an integer")
    return value


def text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise MalformedRequest(f"{key!r} must be a string")
    return value


def flag(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise MalformedRequest(f"{key!r} must be true or false")
    return value


def query_int(name: str, default: int | None = None) -> int | None:
    """An optional integer query parameter (``?limit=20``)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.lstrip("-").isdigit():
        raise MalformedRequest(f"{name!r} must be an integer")
    return int(raw)


def limit_arg(default: int) -> int:
    value = query_int("limit", default)
    assert value is not None
    if value < 0:
        raise MalformedRequest("'limit' must be a non-negative integer")
    return value
