"""NapCat's Express middleware before any route of an HTTP listener: CORS preflight, the
token, the body (``admit``); shared by the HTTP API (``http_server``) and its event stream
(``http_streams``)."""

from __future__ import annotations

from typing import Any

from ..link import BotLink
from . import guard, wire
from .http_exchange import HTML, Answer, Exchange, TooLarge, TooSlow, answer

FORM = "application/x-www-form-urlencoded"
TEXT = HTML  # Express's res.send(string)
JSON = "application/json; charset=utf-8"  # Express's res.json
#: How long a connection whose request was answered before its body was read stays open:
#: long enough for the answer to leave, then it is closed.
LINGER_SECONDS = 0.5


async def admit(
    link: BotLink, token: str, exchange: Exchange
) -> tuple[Answer | None, dict[str, Any], wire.Query]:
    """NapCat's middleware before any route: CORS preflight, token, body parsing.

    Returns the answer that ends the request here, if any; else the parsed
    body and query string. Unlike NapCat (which parses the body first, so bad
    JSON is a 400 even without a token), the token is checked before the body
    is looked at: an unauthenticated request is answered and its connection
    closed (``LINGER_SECONDS``) whatever it sends.
    """
    facts = link.profile.wire
    method = exchange.method
    if facts.http_methods and method not in facts.http_methods:
        return _bare(404), {}, {}
    if method == "OPTIONS":
        return _preflight(exchange), {}, {}
    query = wire.parse_query(exchange.query_string.decode("utf-8", "replace"))
    refusal = wire.token_refusal(token, query.get("access_token"),
                                 exchange.headers.get("authorization"), facts)
    client, server = exchange.scope.get("client"), exchange.scope.get("server")
    if refusal is not None:
        guard.linger(client, server, LINGER_SECONDS)  # its body, if any, is never used
        return answer(refusal, facts.http_token_failure_body), {}, {}
    guard.trust(client, server)
    limits = wire.LIMITS
    try:
        raw = await exchange.body(limits.body_seconds)
        form = exchange.mimetype == FORM
        if facts.http_json_needs_content_type and not form and (
                "application/json" not in exchange.headers.get("content-type", "")):
            raw = b""  # go-cqhttp ignores a body of any other type
        body = await wire.read_body(raw, form=form)
    except TooLarge:
        guard.linger(client, server, LINGER_SECONDS)
        return _limit(413, f"request body over {limits.http_body_max} bytes"), {}, {}
    except TooSlow:
        guard.linger(client, server, LINGER_SECONDS)
        return _limit(408, f"request body not received within {limits.body_seconds:g} s"
                      ), {}, {}
    except wire.BadJson:
        if not facts.http_bad_json_body:
            return _bare(400), {}, {}
        return answer(400, facts.http_bad_json_body), {}, {}
    return None, body, query


def _bare(status: int) -> Answer:
    """A status with no body and no Content-Type (Go's ``WriteHeader`` alone)."""
    return answer(status, content_type=None)


def _limit(status: int, message: str) -> Answer:
    """A request refused for its size or slowness: NapCat's error shape, ``{"message"}``."""
    return answer(status, wire.encode({"message": message}), JSON, [("Connection", "close")])


def _preflight(exchange: Exchange) -> Answer:
    """What the ``cors`` package answers to any OPTIONS request."""
    extra = [("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")]
    requested = exchange.headers.get("access-control-request-headers")
    if requested:
        extra.append(("Access-Control-Allow-Headers", requested))
    extra.append(("Vary", "Access-Control-Request-Headers"))
    return answer(204, "", TEXT, extra)
