"""Status, version, credentials and media look-ups (OneBot 11 standard)."""

from __future__ import annotations

import base64
import hashlib
from typing import TypedDict

from ...errors import InvalidState, NotFound, Why
from ..context import ActionContext
from ..params import NoParams, Params, Str
from ..registry import Backing, Origin, action
from ._media_files import FileParams, MediaFile, media_file


class Status(TypedDict):
    online: bool
    good: bool
    stat: dict[str, object]


@action("get_status", origin=Origin.SPEC)
def get_status(ctx: ActionContext, p: NoParams) -> Status:
    """Whether the bot is online (not once logged out, as by ``bot_exit``); ``stat`` is empty.

    NapCat reads ``selfInfo.online`` and always says ``good``.
    """
    return {"online": ctx.world.accounts.is_online(ctx.self_id), "good": True, "stat": {}}


class VersionInfo(TypedDict):
    app_name: str
    protocol_version: str
    app_version: str


@action("get_version_info", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def get_version_info(ctx: ActionContext, p: NoParams) -> VersionInfo:
    """The implementation the profile imitates (NapCat 4.18 by default)."""
    return {"app_name": ctx.profile.app_name, "protocol_version": "v11",
            "app_version": ctx.profile.app_version}


class YesResult(TypedDict):
    yes: bool


@action("can_send_image", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def can_send_image(ctx: ActionContext, p: NoParams) -> YesResult:
    """Always yes, as in NapCat."""
    return {"yes": True}


@action("can_send_record", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def can_send_record(ctx: ActionContext, p: NoParams) -> YesResult:
    """Always yes, as in NapCat."""
    return {"yes": True}


@action("set_restart", origin=Origin.SPEC, backing=Backing.SYNTHESIZED, void=True)
def set_restart(ctx: ActionContext, p: NoParams) -> None:
    """Accepted and ignored: the simulated QQ keeps running (NapCat restarts its process)."""


@action("clean_cache", origin=Origin.SPEC, backing=Backing.SYNTHESIZED, void=True)
def clean_cache(ctx: ActionContext, p: NoParams) -> None:
    """Accepted; qqsim keeps media in the world, so there is no cache to drop."""


# -- credentials: derived from the account, stable for a world ---------------


def _skey(self_id: int) -> str:
    return "@" + hashlib.sha1(f"qqsim-skey-{self_id}".encode()).hexdigest()[:9]


def csrf_token(skey: str) -> int:
    """QQ's ``bkn``/``g_tk``: the DJB-style hash of the skey every QQ web API checks."""
    value = 5381
    for char in skey:
        value += (value << 5) + ord(char)
    return value & 0x7FFFFFFF


def _cookies(self_id: int, domain: str) -> str:
    skey = _skey(self_id)
    p_skey = hashlib.sha1(f"qqsim-pskey-{self_id}-{domain}".encode()).hexdigest()[:44]
    return f"p_skey={p_skey}; p_uin=o{self_id}; skey={skey}; uin=o{self_id}"


class DomainParams(Params):
    domain: Str


class Cookies(TypedDict):
    cookies: str
    bkn: str


@action("get_cookies", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def get_cookies(ctx: ActionContext, p: DomainParams) -> Cookies:
    """Web cookies for ``domain`` (well-formed, stable, and accepted by nothing real)."""
    return {"cookies": _cookies(ctx.self_id, p.domain),
            "bkn": str(csrf_token(_skey(ctx.self_id)))}


class CsrfToken(TypedDict):
    token: int


@action("get_csrf_token", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def get_csrf_token(ctx: ActionContext, p: NoParams) -> CsrfToken:
    """The bkn computed from the bot's skey, as QQ computes it."""
    return {"token": csrf_token(_skey(ctx.self_id))}


class Credentials(TypedDict):
    cookies: str
    token: int


@action("get_credentials", origin=Origin.SPEC, backing=Backing.SYNTHESIZED)
def get_credentials(ctx: ActionContext, p: DomainParams) -> Credentials:
    """Cookies and CSRF token together."""
    return {"cookies": _cookies(ctx.self_id, p.domain),
            "token": csrf_token(_skey(ctx.self_id))}


# -- media -------------------------------------------------------------------


@action("get_image", origin=Origin.SPEC)
def get_image(ctx: ActionContext, p: FileParams) -> MediaFile:
    """A local copy of an image a message carried, by its segment ``file`` name."""
    return media_file(ctx, p, "image", None)


#: The formats GetRecord.ts converts to; its schema takes any string.
RECORD_FORMATS = ("mp3", "amr", "wma", "m4a", "spx", "ogg", "wav", "flac")


class RecordParams(FileParams):
    out_format: Str


@action("get_record", origin=Origin.SPEC)
def get_record(ctx: ActionContext, p: RecordParams) -> MediaFile:
    """A voice message's file converted to ``out_format`` (bytes are not transcoded).

    As GetRecord.ts: the file is found first; the converted copy is the
    downloaded path plus ``.<out_format>`` (``X.amr.mp3``), given as ``file``
    and ``url``, with ``base64``; ``file_name`` stays the voice's own name. An
    empty ``out_format`` converts nothing.
    """
    name = p.file or p.file_id
    media = ctx.world.media.find(name) if name else None
    if media is None or media.kind != "record":
        raise NotFound(Why.MEDIA_NOT_FOUND, name=name)
    data = media.data or b""
    if not p.out_format:
        path = ctx.files.export(media.name, data)
        return {"file": path, "url": path, "file_size": str(media.size),
                "file_name": media.name}
    if p.out_format not in RECORD_FORMATS:
        raise InvalidState(Why.BAD_OUT_FORMAT, out_format=p.out_format)
    path = ctx.files.export(f"{media.name}.{p.out_format}", data)
    return {"file": path, "url": path, "file_size": str(media.size), "file_name": media.name,
            "base64": base64.b64encode(data).decode()}
