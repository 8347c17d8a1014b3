"""The response envelope, per transport, exactly as the profile's implementation sends it.

NapCat: key order status, retcode, data, message, wording, echo, stream;
``data`` absent for void actions; echo rules differ between HTTP and WebSocket
(see the reference's error matrix).
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

from ..jsontext import compact, encode_basestring
from .dispatch import ABSENT, Outcome
from .profiles import Failure, Profile, Transport
from .stream import ERROR_PACKET

STREAM_ACTION = "stream-action"

#: Marks "the request carried no echo" (distinct from an explicit null echo).
NO_ECHO: Any = object()

_BASE36 = string.digits + string.ascii_lowercase


def random_echo() -> str:
    return "".join(random.choices(_BASE36, k=11))


def _echo_for(outcome: Outcome, transport: Transport, echo: Any, profile: Profile) -> Any:
    if transport is Transport.HTTP:
        if outcome.failure is Failure.BAD_PARAMS:
            return None
        if echo is NO_ECHO:
            return random_echo() if profile.http_random_echo else None
        return echo
    if echo is NO_ECHO:
        return None if outcome.failure is Failure.UNKNOWN_ACTION else ""
    return echo


def response(
    outcome: Outcome, transport: Transport, profile: Profile, echo: Any = NO_ECHO
) -> dict[str, Any]:
    """The JSON object a bot receives for ``outcome``."""
    failure = outcome.failure
    message = outcome.message
    body: dict[str, Any]
    if failure is None:
        body = {"status": "ok", "retcode": 0}
        if outcome.data is not ABSENT:
            body["data"] = outcome.data
        elif not profile.omit_void_data:
            body["data"] = None
    else:
        retcodes = profile.http_retcodes if transport is Transport.HTTP else profile.ws_retcodes
        body = {"status": "failed", "retcode": retcodes[failure],
                "data": dict(ERROR_PACKET) if _streamed(outcome, transport) else None}
        if failure is Failure.UNKNOWN_ACTION:
            message = profile.unknown_action_text[transport].format(name=outcome.action)
    body["message"] = message
    if profile.wording_on_success:
        body["wording"] = message
        # The usual answer's echo, as ``_echo_for`` gives it, without the call.
        body["echo"] = echo if echo is not NO_ECHO and transport is not Transport.HTTP else (
            _echo_for(outcome, transport, echo, profile))
    else:
        code = profile.unknown_action_code if failure is Failure.UNKNOWN_ACTION else outcome.code
        _go_tail(body, outcome, transport, echo, code)
    if profile.envelope_extras:
        body.update(profile.envelope_extras)
        if outcome.stream and "stream" in body and _streamed(outcome, transport):
            body["stream"] = STREAM_ACTION
    return body


def _go_tail(body: dict[str, Any], outcome: Outcome, transport: Transport, echo: Any,
             code: str) -> None:
    """go-cqhttp's ``OK``/``Failed`` (``coolq/api.go``): ``msg`` and ``wording`` only on a
    failure; ``echo`` only over WebSocket and only when sent. Go writes a map's keys
    sorted, so the envelope's are too."""
    if not outcome.ok:
        body["msg"] = code
        body["wording"] = body["message"]
    if echo is not NO_ECHO and transport is not Transport.HTTP:
        body["echo"] = echo
    ordered = sorted(body.items())
    body.clear()
    body.update(ordered)


def bad_json_frame(profile: Profile, text: str) -> dict[str, Any]:
    """The answer to a WebSocket frame that is not JSON: NapCat's 1400 failure, or
    go-cqhttp's unknown-action answer (it reads the frame's ``action`` as "")."""
    if profile.bad_json_is_unknown_action:
        return response(Outcome("", failure=Failure.UNKNOWN_ACTION), Transport.WS_SERVER,
                        profile)
    return failure_frame(1400, text, profile)


def _streamed(outcome: Outcome, transport: Transport) -> bool:
    # NapCat's HTTP path reports a stream action's bad parameters like any other action's.
    return outcome.stream and not (
        transport is Transport.HTTP and outcome.failure is Failure.BAD_PARAMS
    )


def frames(
    outcome: Outcome, transport: Transport, profile: Profile, echo: Any = NO_ECHO
) -> list[dict[str, Any]]:
    """Every envelope for ``outcome``: a stream action's packets, then the final one."""
    if echo is NO_ECHO and transport is Transport.HTTP and profile.http_random_echo:
        echo = random_echo()  # one request, one echo: every packet carries the same
    final = response(outcome, transport, profile, echo)
    if not outcome.packets:  # the usual case: no stream, nothing more to build
        return [final]
    packet_echo = _echo_for(Outcome(outcome.action), transport, echo, profile)
    packets = []
    for packet in outcome.packets:
        body: dict[str, Any] = {"status": "ok", "retcode": 0, "data": packet, "message": "",
                                "wording": "", "echo": packet_echo}
        body.update(profile.envelope_extras)
        body["stream"] = STREAM_ACTION
        packets.append(body)
    return [*packets, final]


def failure_frame(retcode: int, message: str, profile: Profile, echo: Any = None) -> dict[str, Any]:
    """A failure envelope not tied to an action (bad JSON frame, bad token)."""
    body: dict[str, Any] = {
        "status": "failed",
        "retcode": retcode,
        "data": None,
        "message": message,
        "wording": message,
        "echo": echo,
    }
    body.update(profile.envelope_extras)
    return body


#: Stand-ins ``UsualAnswer`` writes its template with: each is found exactly once in the text.
_DATA_MARK = "\ue000qqsim data\ue001"
_ECHO_MARK = "\ue000qqsim echo\ue001"


class UsualAnswer:
    """A profile's usual answer over one transport, written once: a success with data, no
    message, no stream, and an echo. ``answer`` puts a call's data and echo into it, the
    same envelope and text as ``response`` and ``encode`` give, without building the
    constant keys and walking them on every call (the C encoder's cost is per key)."""

    __slots__ = ("body", "head", "middle", "profile", "tail")

    def __init__(self, profile: Profile, transport: Transport) -> None:
        self.profile = profile
        body = response(Outcome("", data=_DATA_MARK), transport, profile, _ECHO_MARK)
        text, data, echo = compact(body), compact(_DATA_MARK), compact(_ECHO_MARK)
        #: None when the marks are not where ``answer`` puts the values (then it never does).
        self.body: dict[str, Any] | None = None
        self.head = self.middle = self.tail = ""
        if body.get("data") is _DATA_MARK and body.get("echo") is _ECHO_MARK and (
                text.count(data) == 1 and text.count(echo) == 1
                and text.index(data) < text.index(echo)):
            self.body = body
            self.head, rest = text.split(data)
            self.middle, self.tail = rest.split(echo)

    def answer(self, outcome: Outcome, echo: Any) -> dict[str, Any] | None:
        """``response(outcome, ...)`` if it is the usual answer, else None."""
        template = self.body
        if template is None or outcome.failure is not None or echo is NO_ECHO or (
                outcome.stream or outcome.message or outcome.packets or outcome.delay):
            return None
        data = outcome.data
        if data is ABSENT:
            return None
        body = template.copy()  # the keys in the template's order, as ``response`` sets them
        body["data"] = data
        body["echo"] = echo
        return body

    def text(self, body: dict[str, Any]) -> str:
        """``encode(body)`` for an envelope ``answer`` gave."""
        echo = body["echo"]
        text = "".join((self.head, _data_text(body["data"]), self.middle,
                        encode_basestring(echo) if type(echo) is str else compact(echo),
                        self.tail))
        return text if text.isascii() else _sendable(text, body)


def _data_text(data: Any) -> str:
    """``compact(data)``; a send's ``{"message_id": n}`` (any one key and a plain int) is
    written without the encoder, which costs ~5x as much for so small an object."""
    if type(data) is dict and len(data) == 1:
        for key, value in data.items():
            if type(key) is str and type(value) is int:
                return f"{{{encode_basestring(key)}:{int.__repr__(value)}}}"
    return compact(data)


def encode(body: object) -> str:
    """One outgoing frame or response body: compact JSON with raw UTF-8, as JSON.stringify."""
    text = compact(body)
    if text.isascii():  # most frames: nothing to check
        return text
    return _sendable(text, body)


def _sendable(text: str, body: object) -> str:
    """``text`` (``compact(body)``, not ASCII) as it may go out."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (a bot may send one) cannot go out as UTF-8; JS escapes it.
        return json.dumps(body, separators=(",", ":"))
    return text
