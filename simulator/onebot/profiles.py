"""Fidelity profiles: how one OneBot implementation differs from another.

Handlers never test which implementation they imitate; they read facts from
the profile (which suffixes exist, what a failure's retcode is, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .registry import Origin


class Transport(StrEnum):
    """Where a request came in; NapCat answers some failures differently on each."""

    HTTP = "http"
    WS_SERVER = "ws-server"  # forward WebSocket, and the WebSocket on an HTTP server
    WS_CLIENT = "ws-client"  # reverse WebSocket


class Failure(StrEnum):
    BAD_PARAMS = "bad_params"
    RUNTIME = "runtime"
    UNKNOWN_ACTION = "unknown_action"


@dataclass(frozen=True)
class Profile:
    name: str
    app_name: str
    app_version: str
    origins: frozenset[Origin]
    #: Declared actions this implementation does not route (answered as unknown).
    unrouted: frozenset[str]
    #: Name suffixes answered exactly like the plain action.
    alias_suffixes: tuple[str, ...]
    #: retcode per failure kind, for HTTP and for WebSocket transports.
    http_retcodes: dict[Failure, int]
    ws_retcodes: dict[Failure, int]
    unknown_action_text: dict[Transport, str]
    #: Whether a void action's success omits ``data`` (NapCat) or sends null.
    omit_void_data: bool = True
    #: NapCat puts a random echo on HTTP responses that had none.
    http_random_echo: bool = True
    font: int = 14
    envelope_extras: dict[str, object] = field(default_factory=dict)


NAPCAT = Profile(
    name="napcat",
    app_name="NapCat.Onebot",
    app_version="4.18.19",
    origins=frozenset(Origin),
    unrouted=frozenset({"set_group_anonymous", "set_group_anonymous_ban"}),
    alias_suffixes=("_async", "_rate_limited"),
    http_retcodes={Failure.BAD_PARAMS: 400, Failure.RUNTIME: 200, Failure.UNKNOWN_ACTION: 200},
    ws_retcodes={Failure.BAD_PARAMS: 1400, Failure.RUNTIME: 1200, Failure.UNKNOWN_ACTION: 1404},
    unknown_action_text={
        Transport.HTTP: "不支持的Api {name}",
        Transport.WS_SERVER: "不支持的API {name}",
        Transport.WS_CLIENT: "不支持的Api {name}",
    },
    envelope_extras={"stream": "normal-action"},
)

GOCQ = Profile(
    name="gocq",
    app_name="go-cqhttp",
    app_version="v1.2.0",
    origins=frozenset({Origin.SPEC, Origin.GOCQ}),
    unrouted=frozenset(),
    alias_suffixes=("_async",),
    http_retcodes={Failure.BAD_PARAMS: 100, Failure.RUNTIME: 100, Failure.UNKNOWN_ACTION: 404},
    ws_retcodes={Failure.BAD_PARAMS: 100, Failure.RUNTIME: 100, Failure.UNKNOWN_ACTION: 404},
    unknown_action_text=dict.fromkeys(Transport, "API不存在"),
    omit_void_data=False,
    http_random_echo=False,
    font=0,
)

PROFILES = {p.name: p for p in (NAPCAT, GOCQ)}
