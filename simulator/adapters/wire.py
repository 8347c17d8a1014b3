"""The wire rules every adapter shares: decoding requests, checking tokens, encoding frames.

This is the one place that knows how NapCat reads bytes off the wire, so the
HTTP and WebSocket adapters cannot drift apart the way NapCat's own did.
NapCat is JavaScript; where its behaviour on odd input follows from JS
semantics (object spread, truthiness, ``String(x)``), the helpers below
reproduce that, so a bot sees the same answer from qqsim.
"""

from __future__ import annotations

import hmac
import resource
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl

import trio

from ..errors import ConfigError
from ..onebot.context import ConnectionSettings
from ..onebot.envelope import NO_ECHO
from ..onebot.envelope import encode as encode  # adapters encode frames through ``wire``
from ..onebot.profiles import NAPCAT_WIRE, Transport, WireFacts
from . import json_budget
from .json_budget import BadJson as BadJson  # raised by the parsers below
from .json_budget import TooManyValues as TooManyValues

#: What ``parse_query`` yields: one string per key, or a list when the key repeats.
Query = dict[str, str | list[str]]


def connection_bound() -> int:
    """Connections one listener may hold, from the process's file-descriptor limit.

    A quarter of the soft limit (qqsim usually runs three listeners, and needs descriptors
    for its world file, media and outbound connections), within [32, 16384]: 256 under the
    common 1024, and running out anyway only drops unauthenticated connections (``guard``).
    """
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        soft = 1024
    if soft == resource.RLIM_INFINITY or soft < 0:
        soft = 1 << 20
    return max(32, min(soft // 4, 16384))


@dataclass(frozen=True)
class Limits:
    """What one request may cost a listener; ``LIMITS`` is read when a listener starts.

    ``qqsim run`` sets it from its limit flags (``with_values``); tests replace it
    (``dataclasses.replace``) to get short deadlines.
    """

    #: An HTTP request body (after the token check; unauthenticated bodies are never read).
    #: Base64 media of a few MB fits; bigger files go by path or URL, or over a WebSocket.
    http_body_max: int = 8 * 1024 * 1024
    #: A WebSocket frame: NapCat's own limit.
    frame_max: int = 50 * 1024 * 1024
    #: Seconds to receive a whole HTTP body, from the moment the request is admitted.
    body_seconds: float = 30.0
    #: Seconds a connection may take to send a request head (or stay idle between requests).
    head_seconds: float = 5.0
    #: Seconds a WebSocket client may take to complete its opening handshake.
    handshake_seconds: float = 10.0
    #: JSON values one frame or body may hold, counted before it is parsed (``json_budget``):
    #: the stdlib parser holds the loop up to ~0.25 µs a value, so 30-40 ms at most here.
    #: Base64 media holds none, a long text few; a forward of 5,000 text nodes ~140,000.
    json_values_max: int = 150_000
    #: Connections one listener holds at once. Past it, the oldest connection that has not
    #: shown a token yet is dropped; when all have, new ones wait in the backlog.
    connections: int = field(default_factory=connection_bound)

    def with_values(self, **values: float | None) -> Limits:
        """These limits with the given fields changed (None: unchanged); each must be > 0."""
        changed: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if value <= 0:
                raise ConfigError(f"limit {name.replace('_', '-')} must be positive, "
                                  f"not {value:g}")
            changed[name] = value if name.endswith("seconds") else int(value)
        return replace(self, **changed)


LIMITS = Limits()

#: Texts up to this length may be parsed leniently (JSON5, forms) on the event loop:
#: about 20 ms of pure-Python json5 at the limit.
LENIENT_INLINE_MAX = 2 * 1024
#: Past this length a text that is not strict JSON is refused as bad JSON without trying
#: JSON5 (which costs about 9 µs a character: 0.6 s here, 18 s for 2 MB).
JSON5_MAX = 64 * 1024

#: Past this length, ``read_json5`` lets other tasks run between parsing and answering.
YIELD_AFTER_PARSE = 1024 * 1024

_worker: trio.lowlevel.RunVar[trio.CapacityLimiter] = trio.lowlevel.RunVar("qqsim_wire_worker")
_T = TypeVar("_T")


def parse_json5(text: str) -> object:
    """Parse ``text`` as JSON5, as NapCat does for HTTP bodies and WebSocket frames.

    Texts longer than ``JSON5_MAX`` must be strict JSON; one holding more values than
    ``LIMITS.json_values_max`` raises ``TooManyValues`` unparsed. On the event loop, use
    ``read_json5``: it parses long lenient texts in a worker thread.
    """
    limit = LIMITS.json_values_max
    counted = json_budget.check(text, limit)
    try:
        # The stdlib parser is far quicker than pure-Python json5, and every text it
        # accepts means the same thing in JSON5.
        return json_budget.loads(text, limit, counted)
    except TooManyValues:
        raise
    except (ValueError, RecursionError):
        return _lenient(text)


async def read_json5(text: str) -> object:
    """``parse_json5`` without holding the event loop: a long lenient parse runs in a thread.

    Strict JSON (what every JSON library writes) stays on the loop: the stdlib parser
    reads a 50 MB base64 media frame in about 60 ms. The values are counted first, a few
    MB per step (``json_budget``), and a text with too many is refused unparsed.
    """
    limit = LIMITS.json_values_max
    # An ordinary frame is short: not counted, and no await (a coroutine) to learn that.
    counted = 0 if json_budget.short(text, limit) else await json_budget.check_async(text, limit)
    try:
        value = json_budget.loads(text, limit, counted)  # see ``parse_json5``
    except TooManyValues:
        raise
    except (ValueError, RecursionError):
        if len(text) <= LENIENT_INLINE_MAX or len(text) > JSON5_MAX:
            return _lenient(text)
        return await off_loop(_lenient, text)
    if len(text) > YIELD_AFTER_PARSE:
        # Parsing a big frame and answering it are then two steps of the event loop, not
        # one twice as long (a 45 MB frame parses in ~50 ms, its answer can cost as much).
        await trio.lowlevel.checkpoint()
    return value


def _lenient(text: str) -> object:
    if len(text) > JSON5_MAX:
        raise BadJson(f"not strict JSON, and too long ({len(text)} characters) for JSON5")
    # Loaded by the first text strict JSON refuses: most bots never send one, and an idle
    # server does not hold the parser (start-up memory, issue 10).
    import json5

    try:
        return json5.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadJson(str(exc)) from None


async def off_loop(function: Callable[[str], _T], text: str) -> _T:
    """``function(text)`` in a worker thread, one at a time for the whole process."""
    try:
        limiter = _worker.get()
    except LookupError:
        limiter = trio.CapacityLimiter(1)
        _worker.set(limiter)
    return await trio.to_thread.run_sync(function, text, limiter=limiter,
                                         abandon_on_cancel=True)


def parse_query(text: str) -> Query:
    """A query string (or form body) the way Express reads it: repeated keys become lists."""
    collected: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        values = collected.get(key)
        if values is None:
            collected[key] = [value]
        else:
            values.append(value)  # linear: a body of one key repeated stays cheap
    return {key: values[0] if len(values) == 1 else values
            for key, values in collected.items()}


def decode_body(body: bytes, *, form: bool) -> dict[str, Any]:
    """An HTTP request body as NapCat reads it: a form, or JSON5 whatever the Content-Type.

    Raises ``BadJson`` for a body that is neither; an empty body is ``{}``.
    """
    text = body.decode("utf-8", errors="replace")
    if form:
        return dict(parse_query(text))
    return _spread(parse_json5(text) if text else {})


async def read_body(body: bytes, *, form: bool) -> dict[str, Any]:
    """``decode_body`` without holding the event loop (see ``read_json5``)."""
    text = body.decode("utf-8", errors="replace")
    if form:
        if len(text) <= LENIENT_INLINE_MAX:
            return dict(parse_query(text))
        return dict(await off_loop(parse_query, text))
    return _spread(await read_json5(text) if text else {})


def _spread(value: object) -> dict[str, Any]:
    """What ``{...value}`` gives in JavaScript: NapCat spreads the parsed body into an object."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list | str):
        return {str(index): item for index, item in enumerate(value)}
    return {}


def client_token(query_token: object, authorization: str | None) -> str:
    """The token a client presents: ``access_token`` if a non-empty string, else the header.

    NapCat keeps what follows the last ``Bearer `` in ``Authorization``, so a bare
    token without the prefix also works.
    """
    if isinstance(query_token, str) and query_token:
        return query_token
    return (authorization or "").rsplit("Bearer ", 1)[-1]


def token_matches(expected: str, presented: str) -> bool:
    """Constant-time comparison, so response timing does not leak the token."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def authorized(configured: str, query_token: object, authorization: str | None) -> bool:
    """NapCat's check: none at all when no token is configured."""
    return not configured or token_matches(configured, client_token(query_token, authorization))


def token_refusal(
    configured: str, query_token: object, authorization: str | None,
    facts: WireFacts = NAPCAT_WIRE,
) -> int | None:
    """None when the client may in; else the HTTP status the implementation refuses with.

    NapCat answers 403 whether the token is missing or wrong; go-cqhttp 401 when
    missing, 403 when wrong, and reads the header before the query string.
    """
    if not configured:
        return None
    query = query_token if isinstance(query_token, str) and query_token else ""
    header = _header_token(authorization, facts)
    presented = (header or query) if facts.token_header_first else (query or header)
    if not presented and not authorization:
        return facts.http_missing_token_status
    return None if token_matches(configured, presented) else facts.http_wrong_token_status


def _header_token(authorization: str | None, facts: WireFacts) -> str:
    if not authorization:
        return ""
    if facts.token_after_first_space:
        return authorization.partition(" ")[2]
    return authorization.rsplit("Bearer ", 1)[-1]


def signature(secret: str, body: bytes) -> str:
    """The ``X-Signature`` of a webhook body: ``sha1=`` + hex HMAC-SHA1 keyed by the secret."""
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, "sha1").hexdigest()


def webhook_headers(
    facts: WireFacts, self_id: int, token: str, body: bytes
) -> dict[str, str]:
    """The headers of one event POST (NapCat: lower-case names, no Authorization)."""
    headers = {"Content-Type": "application/json", facts.webhook_self_id_header: str(self_id)}
    if facts.webhook_user_agent:
        headers["User-Agent"] = facts.webhook_user_agent
    if token:
        headers[facts.webhook_signature_header] = signature(token, body)
    return headers


def reverse_ws_headers(
    facts: WireFacts, self_id: int, token: str, role: str = "Universal"
) -> list[tuple[str, str]]:
    """The handshake headers qqsim sends when it connects out to a bot."""
    headers = [(facts.self_id_header, str(self_id))]
    if token or facts.auth_header_without_token:
        # NapCat sends the scheme even with an empty token: "Bearer ". HTTP strips a
        # header value's trailing whitespace (RFC 9110 §5.5), so a bot reads "Bearer"
        # either way; h11 refuses to send the space, so it is left off here.
        headers.append(("Authorization", f"{facts.auth_scheme} {token}".rstrip()))
    headers.append((facts.role_header, role))
    headers.append(("User-Agent", facts.user_agent))
    return headers


class Frame(NamedTuple):
    """One WebSocket request: ``echo`` is NO_ECHO when the frame had none (or null).

    A named tuple: one is built per request frame, and a tuple builds fastest.
    """

    action: str
    params: object
    echo: Any


def split_frame(text: str) -> Frame | None:
    """Read a WebSocket request frame as NapCat does.

    Raises ``BadJson`` when NapCat answers "json解析失败" (unparsable, or ``null``,
    whose ``.echo`` throws inside NapCat's try block). Returns None for a bare
    number, string or boolean: NapCat throws outside any handler and never answers.
    """
    if len(text) <= json_budget.HOOKS_AFTER and len(text) <= LIMITS.json_values_max:
        # An ordinary frame (``json_budget.short``): ``parse_json5`` without its count,
        # which it skips for such a text, and two calls less.
        try:
            value = json_budget.loads(text, 0, 0)
        except (ValueError, RecursionError):
            value = _lenient(text)
        return frame_of(value)
    return frame_of(parse_json5(text))


async def read_frame(text: str) -> Frame | None:
    """``split_frame`` without holding the event loop (see ``read_json5``)."""
    return frame_of(await read_json5(text))


def frame_of(value: object) -> Frame | None:
    """The request in a parsed frame (see ``split_frame``)."""
    if not isinstance(value, dict):
        if value is None:
            raise BadJson("the frame is null")
        if isinstance(value, list):
            # An array is an object in JS: no action, so NapCat says "不支持的API undefined".
            return Frame("undefined", {}, NO_ECHO)
        return None
    action = value.get("action", _NO_ACTION)
    if type(action) is not str:  # the usual name needs no conversion
        action = "undefined" if action is _NO_ACTION else _js_string(action)
    params = value.get("params")
    if type(params) is not dict and _js_falsy(params):  # an object is truthy in JS
        params = {}
    echo = value.get("echo")
    # NapCat uses `echo ?? ''`: an explicit null echo is answered like a missing one. Built
    # without the named tuple's Python ``__new__``: one per request frame.
    return _new_tuple(Frame, (action, params, NO_ECHO if echo is None else echo))


_new_tuple = tuple.__new__


_NO_ACTION: Any = object()


def _js_falsy(value: object) -> bool:
    # JS truthiness, not Python's: an empty list or object is truthy.
    if value is None or value is False or value == "":
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0 or value != value  # 0 and NaN
    return False


def _js_string(value: object) -> str:
    """``String(value)`` in JS, which NapCat uses to name an unknown action."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def connection_settings(config: Any, transport: Transport) -> ConnectionSettings:
    """A connection's settings from its NapCat adapter entry.

    Entries without ``reportSelfMessage`` (the plain HTTP server) never report
    the bot's own messages, as in NapCat.
    """
    return ConnectionSettings(
        transport=transport, message_format=config.messagePostFormat,
        report_self_message=getattr(config, "reportSelfMessage", False), name=config.name,
    )
