"""Fidelity profiles: how one OneBot implementation differs from another.

Handlers never test which implementation they imitate; they read facts from
the profile (which suffixes exist, what a failure's retcode is, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..catalogue.gocq import GOCQ_ERRORS
from ..catalogue.rules import ErrorCatalogue
from .origin import Origin


class Transport(StrEnum):
    """Where a request came in; NapCat answers some failures differently on each."""

    HTTP = "http"
    WS_SERVER = "ws-server"  # forward WebSocket, and the WebSocket on an HTTP server
    WS_CLIENT = "ws-client"  # reverse WebSocket


@dataclass(frozen=True)
class WireFacts:
    """How an implementation behaves on the wire, transport by transport.

    Adapters read these instead of asking which implementation they imitate.
    Defaults are NapCat 4.18's (napcat.md §2); ``GOCQ_WIRE`` below lists
    go-cqhttp's (onebot11.md §1, §11).
    """

    # -- tokens (HTTP API, forward WebSocket, HTTP-embedded WebSocket) --
    #: NapCat reads ``access_token`` first, go-cqhttp the Authorization header first.
    token_header_first: bool = False
    #: NapCat keeps what follows the last ``Bearer ``; go-cqhttp what follows the first space.
    token_after_first_space: bool = False
    #: HTTP status for a missing token and for a wrong one (NapCat: 403 for both).
    http_missing_token_status: int = 403
    http_wrong_token_status: int = 403
    http_token_failure_body: str = '{"message":"token verify failed!"}'
    #: NapCat accepts the upgrade and sends a 1403 frame; go-cqhttp rejects the
    #: handshake with the HTTP statuses above.
    ws_rejects_bad_token_at_handshake: bool = False
    #: Forward-WebSocket paths that carry events but answer no API call (go-cqhttp's
    #: ``/event``); NapCat has none: ``/event`` is universal there.
    event_only_paths: tuple[str, ...] = ()
    #: Extra keys on the forward-WebSocket lifecycle frame (go-cqhttp: ``_post_method``).
    lifecycle_extras: tuple[tuple[str, object], ...] = ()
    # -- reverse WebSocket handshake --
    self_id_header: str = "X-Self-ID"
    role_header: str = "x-client-role"
    user_agent: str = "OneBot/11"
    auth_scheme: str = "Bearer"
    #: NapCat sends ``Authorization: Bearer `` even when no token is set.
    auth_header_without_token: bool = True
    #: go-cqhttp can open separate API and Event connections (``apiUrl``/``eventUrl``).
    split_reverse_ws: bool = False
    #: Seconds to wait for the bot's server to complete the handshake.
    reverse_ws_handshake_timeout: float = 2.0
    # -- HTTP POST webhook --
    webhook_self_id_header: str = "x-self-id"
    webhook_signature_header: str = "x-signature"
    #: None: no User-Agent of qqsim's own choosing is promised (NapCat names none).
    webhook_user_agent: str | None = None
    #: Heartbeats posted to webhooks every so many ms (go-cqhttp); 0: never (NapCat).
    webhook_heartbeat_ms: int = 0
    #: Seconds one POST may take before it counts as failed. NapCat sets no timeout;
    #: qqsim needs one so a receiver that never answers cannot hold a delivery slot.
    webhook_timeout: float = 30.0
    #: Further attempts after a network error, and the pause between them.
    webhook_retries: int = 0
    webhook_retry_interval: float = 0.0
    #: Redirects a webhook POST follows (NapCat's request helper: 5).
    webhook_max_redirects: int = 5
    #: go-cqhttp applies a JSON reply as a quick operation whatever the status;
    #: NapCat only after a 2xx.
    webhook_quick_op_on_error_status: bool = False
    # -- HTTP API --
    #: Methods the HTTP API serves; any other gets an empty 404 (go-cqhttp). Empty: all,
    #: with CORS preflight answered (NapCat's Express app).
    http_methods: tuple[str, ...] = ()
    #: ``/`` runs the body's ``action`` with its ``params`` (go-cqhttp); NapCat says hello.
    http_root_dispatches: bool = False
    #: The body of the 400 for a body that is not JSON (go-cqhttp: empty).
    http_bad_json_body: str = "Invalid JSON"
    #: A body is read as JSON only under a JSON Content-Type (go-cqhttp); NapCat reads any.
    http_json_needs_content_type: bool = False
    #: Body parameters win over the query string's (go-cqhttp); NapCat: the query wins.
    http_body_wins: bool = False


NAPCAT_WIRE = WireFacts()

GOCQ_WIRE = WireFacts(
    token_header_first=True,
    token_after_first_space=True,
    http_missing_token_status=401,
    http_wrong_token_status=403,
    http_token_failure_body="",
    ws_rejects_bad_token_at_handshake=True,
    event_only_paths=("/event", "/event/"),
    lifecycle_extras=(("_post_method", 2),),
    self_id_header="X-Self-ID",
    role_header="X-Client-Role",
    user_agent="CQHttp/4.15.0",
    auth_scheme="Token",
    auth_header_without_token=False,
    split_reverse_ws=True,
    webhook_self_id_header="X-Self-ID",
    webhook_signature_header="X-Signature",
    webhook_user_agent="CQHttp/4.15.0",
    webhook_heartbeat_ms=5000,
    webhook_timeout=5.0,
    webhook_retries=3,
    webhook_retry_interval=1.5,
    webhook_quick_op_on_error_status=True,
    http_methods=("GET", "POST"),
    http_root_dispatches=True,
    http_bad_json_body="",
    http_json_needs_content_type=True,
    http_body_wins=True,
)


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
    #: go-cqhttp's ``msg`` for an unknown action (its catalogue covers the rest).
    unknown_action_code: str = ""
    #: Whether a void action's success omits ``data`` (NapCat) or sends null.
    omit_void_data: bool = True
    #: NapCat puts a random echo on HTTP responses that had none.
    http_random_echo: bool = True
    font: int = 14
    envelope_extras: dict[str, object] = field(default_factory=dict)
    #: Transport behaviour: headers, token rules, webhook and reverse-WebSocket facts.
    wire: WireFacts = NAPCAT_WIRE
    #: How events are reshaped after NapCat's renderers (onebot/events/dialects.py).
    event_dialect: str = "napcat"
    #: How action results are reshaped after NapCat's handlers (onebot/results.py);
    #: None: as the handlers return them (NapCat), with no lookup on the hot path.
    result_dialect: str | None = None
    #: How a failure is worded: None keeps NapCat's text (``catalogue/napcat.py``, which
    #: ``str(error)`` renders); a catalogue gives go-cqhttp's ``msg`` code and wording
    #: (``catalogue/gocq.py``).
    errors: ErrorCatalogue | None = None
    #: Success envelopes carry ``wording`` (NapCat) or only ``message`` (go-cqhttp's ``OK``).
    wording_on_success: bool = True
    #: The response carries ``echo`` only when the request had one (go-cqhttp), on
    #: WebSocket only; HTTP answers carry none.
    echo_only_if_sent: bool = False
    #: A WebSocket frame that is not JSON is answered as an unknown action (go-cqhttp
    #: reads its ``action`` as "") instead of with a 1400 failure.
    bad_json_is_unknown_action: bool = False
    #: Fields of the status object before ``online``/``good`` (heartbeats, get_status),
    #: and whether it carries go-cqhttp's ``stat`` counters.
    status_head: tuple[tuple[str, object], ...] = ()
    status_stat: bool = False
    #: Actions NapCat reports as done even when QQ refused them (``unchecked``) but this
    #: implementation fails (go-cqhttp: a kick or admin change without permission).
    refusals_reported: frozenset[str] = frozenset()
    #: Seconds (world time) a message send QQ refuses (the bot muted, or not in the group)
    #: takes to fail: NapCat does not check first, its kernel call times out
    #: (``timeout.baseTimeout``, plus time for media). None: fail at once with qqsim's
    #: own text (``SimulatorConfig.immediate_send_failures``).
    kernel_send_timeout: float | None = 10.0


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
    # OneBot 11 actions go-cqhttp 1.2 does not route (modules/api/api.go).
    unrouted=frozenset({"send_like", "get_cookies", "get_csrf_token", "get_credentials",
                        "get_record", "set_restart", "clean_cache"}),
    alias_suffixes=("_async",),
    http_retcodes={Failure.BAD_PARAMS: 100, Failure.RUNTIME: 100, Failure.UNKNOWN_ACTION: 404},
    ws_retcodes={Failure.BAD_PARAMS: 100, Failure.RUNTIME: 100, Failure.UNKNOWN_ACTION: 404},
    unknown_action_text=dict.fromkeys(Transport, "API不存在"),
    unknown_action_code="API_NOT_FOUND",
    omit_void_data=False,
    http_random_echo=False,
    font=0,
    wire=GOCQ_WIRE,
    event_dialect="gocq",
    result_dialect="gocq",
    errors=GOCQ_ERRORS,
    wording_on_success=False,
    echo_only_if_sent=True,
    bad_json_is_unknown_action=True,
    status_head=(("app_initialized", True), ("app_enabled", True), ("plugins_good", None),
                 ("app_good", True)),
    status_stat=True,
    refusals_reported=frozenset({"set_group_kick", "set_group_admin"}),
    kernel_send_timeout=None,
)

PROFILES = {p.name: p for p in (NAPCAT, GOCQ)}
