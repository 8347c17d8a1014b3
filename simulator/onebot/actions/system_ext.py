"""NapCat's system extras: exiting, compatibility stubs, packets, share cards and keys.

Keys (clientkey, rkeys) and raw packets have no counterpart in a simulated QQ:
their answers are synthesized, deterministic (derived from the bot and the
world clock) and shaped exactly as NapCat returns them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, TypedDict

from ...errors import BadParams, InvalidState, Why
from ..context import ActionContext
from ..params import NoParams, Params, Str
from ..registry import Backing, Origin, action
from ._util import avatar_url, loose_int

# -- exiting and compatibility stubs ---------------------------------------------------

#: What a bot sees in ``bot_offline`` after it called ``bot_exit``.
EXIT_TAG = "退出登录"
EXIT_MESSAGE = "账号已通过 bot_exit 退出登录 (qqsim 仍在运行)"


@action("bot_exit", origin=Origin.NAPCAT, void=True)
def bot_exit(ctx: ActionContext, p: NoParams) -> None:
    """Log the bot out: it goes offline and gets ``bot_offline`` (qqsim keeps running)."""
    # NapCat's process exits and never answers; a simulator must outlive its bots.
    ctx.world.profiles.go_offline(ctx.self_id, EXIT_TAG, EXIT_MESSAGE)


@action("get_online_clients", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED)
def get_online_clients(ctx: ActionContext, p: NoParams) -> list[dict[str, Any]]:
    """Always an empty list, as NapCat answers (it never reads the device list)."""
    return []


class ModelVariants(TypedDict):
    model_show: str
    need_pay: bool


class ModelShow(TypedDict):
    variants: ModelVariants


class ModelParams(Params):
    model: Str | None = None


@action("_get_model_show", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED)
def get_model_show(ctx: ActionContext, p: ModelParams) -> list[ModelShow]:
    """The device model QQ shows for the account: always "napcat"."""
    return [{"variants": {"model_show": "napcat", "need_pay": False}}]


@action("_set_model_show", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED, void=True)
def set_model_show(ctx: ActionContext, p: NoParams) -> None:
    """Accepted and ignored, as in NapCat (a compatibility stub)."""


@action("get_guild_list", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED, void=True)
def get_guild_list(ctx: ActionContext, p: NoParams) -> None:
    """A compatibility stub with no data: NapCat has no guild (channel) support."""


@action("get_guild_service_profile", origin=Origin.GOCQ, backing=Backing.SYNTHESIZED,
        void=True)
def get_guild_service_profile(ctx: ActionContext, p: NoParams) -> None:
    """A compatibility stub with no data: NapCat has no guild (channel) support."""


@action("test_auto_register_01", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def test_auto_register_01(ctx: ActionContext, p: NoParams) -> str:
    """NapCat's router self-test: answers "AutoRegister Router Test"."""
    return "AutoRegister Router Test"


@action("test_auto_register_02", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def test_auto_register_02(ctx: ActionContext, p: NoParams) -> str:
    """NapCat's second router self-test: answers "AutoRegister Router Test"."""
    return "AutoRegister Router Test"


# -- packets ----------------------------------------------------------------------------


@action("nc_get_packet_status", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED, void=True)
def nc_get_packet_status(ctx: ActionContext, p: NoParams) -> None:
    """Succeeds with no data: qqsim's packet backend is always available."""


class PacketParams(Params):
    cmd: Str
    data: Str
    rsp: Any = True


def _hex_prefix(text: str) -> bytes:
    # Buffer.from(text, "hex") stops at the first pair that is not hex.
    out = bytearray()
    for i in range(0, len(text) - 1, 2):
        try:
            out.append(int(text[i:i + 2], 16))
        except ValueError:
            break
    return bytes(out)


# Declared with data (the team's rule for this conditional case): with rsp=false NapCat
# omits ``data``, qqsim answers ``data: null``.
@action("send_packet", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def send_packet(ctx: ActionContext, p: PacketParams) -> str | None:
    """Send a raw packet; with ``rsp`` the answer is a hex string, else null."""
    if not isinstance(p.rsp, bool | str):
        raise BadParams(Why.EXPECTED_UNION)
    wants_answer = p.rsp if isinstance(p.rsp, bool) else p.rsp == "true"
    if not wants_answer:
        return None
    # No QQ server answers here: the reply is a digest of the request, not a real packet.
    body = _hex_prefix(p.data)
    return hashlib.sha256(p.cmd.encode() + b"\x00" + body).hexdigest()


# -- share cards ----------------------------------------------------------------------


def _ark(app: str, view: str, ver: str, prompt: str, contact: dict[str, str],
         ctime: int) -> str:
    token = hashlib.md5(f"{app}-{contact['contact']}-{ctime}".encode()).hexdigest()
    ark = {"app": app, "bizsrc": "", "config": {"autosize": 1, "ctime": ctime, "token": token,
                                                 "type": "normal"},
           "desc": "", "meta": {"contact": contact}, "prompt": prompt, "ver": ver,
           "view": view}
    return json.dumps(ark, ensure_ascii=False, separators=(",", ":"))


def user_card(ctx: ActionContext, user_id: int) -> str | None:
    account = ctx.world.accounts.find(user_id)
    if account is None:
        return None
    contact = {"avatar": avatar_url(user_id), "contact": f"QQ号：{user_id}",
               "jumpUrl": "mqqapi://card/show_pslcard?src_type=internal&source=sharecard"
                          f"&version=1&uin={user_id}",
               "nickname": account.nickname, "tag": "推荐联系人"}
    return _ark("com.tencent.contact.lua", "contact", "0.0.0.1",
                f"推荐联系人：{account.nickname}", contact, ctx.world.now())


def group_card(ctx: ActionContext, group_id: int) -> str | None:
    group = ctx.world.groups.find(group_id)
    if group is None:
        return None
    contact = {"avatar": f"https://p.qlogo.cn/gh/{group_id}/{group_id}/100",
               "contact": f"群号：{group_id}",
               "jumpUrl": f"https://qm.qq.com/q/{hashlib.md5(str(group_id).encode()).hexdigest()}",
               "nickname": group.name, "tag": "推荐群聊"}
    return _ark("com.tencent.troopsharecard", "contact", "1.0.0.1", f"推荐群聊：{group.name}",
                contact, ctx.world.now())


class SharePeerParams(Params):
    user_id: Str | None = None
    group_id: Str | None = None
    phone_number: Str = ""


@action("send_ark_share", origin=Origin.NAPCAT, aliases=("ArkSharePeer",))
def send_ark_share(ctx: ActionContext, p: SharePeerParams) -> dict[str, Any]:
    """The recommendation card (ark JSON) of a user or group; nothing is sent."""
    if p.group_id:
        card = group_card(ctx, loose_int(p.group_id) or 0)
        return _card_result("arkJson", card)
    if p.user_id:
        card = user_card(ctx, loose_int(p.user_id) or 0)
        return _card_result("arkMsg", card)
    raise InvalidState(Why.CARD_TARGET_MISSING)


def _card_result(key: str, card: str | None) -> dict[str, Any]:
    if card is None:  # the kernel's answer for an unknown peer
        return {"result": 1, "errMsg": "peer not found", key: ""}
    return {"result": 0, "errMsg": "", key: card}


class ShareGroupParams(Params):
    group_id: Str


@action("send_group_ark_share", origin=Origin.NAPCAT, aliases=("ArkShareGroup",))
def send_group_ark_share(ctx: ActionContext, p: ShareGroupParams) -> str | None:
    """A group's recommendation card as an ark JSON string (null for an unknown group)."""
    return group_card(ctx, loose_int(p.group_id) or 0)


# -- keys -------------------------------------------------------------------------------

#: How long QQ's download keys stay valid, in seconds.
RKEY_TTL = 3600
_RKEY_TYPES = ((10, "private"), (20, "group"))


def _key_window(ctx: ActionContext) -> int:
    return ctx.world.now() // RKEY_TTL * RKEY_TTL


def _rkey(ctx: ActionContext, kind: int, created: int) -> str:
    digest = hashlib.sha512(f"qqsim-rkey-{ctx.self_id}-{kind}-{created}".encode()).digest()
    return "&rkey=CAQS" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:80]


class Clientkey(TypedDict):
    clientkey: str


@action("get_clientkey", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_clientkey(ctx: ActionContext, p: NoParams) -> Clientkey:
    """A clientkey for QQ web logins (stable for an hour, accepted by nothing real)."""
    seed = f"qqsim-clientkey-{ctx.self_id}-{_key_window(ctx)}".encode()
    return {"clientkey": (hashlib.sha512(seed).hexdigest()[:96]).upper()}


class Rkey(TypedDict):
    type: str
    rkey: str
    created_at: int
    ttl: int


@action("get_rkey", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_rkey(ctx: ActionContext, p: NoParams) -> list[Rkey]:
    """The current private and group download keys (rkeys) for media URLs."""
    created = _key_window(ctx)
    return [{"type": name, "rkey": _rkey(ctx, kind, created), "created_at": created,
             "ttl": RKEY_TTL} for kind, name in _RKEY_TYPES]


@action("nc_get_rkey", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def nc_get_rkey(ctx: ActionContext, p: NoParams) -> list[dict[str, Any]]:
    """The rkeys as the packet answer lists them (``ttl`` is a 64-bit number, a string)."""
    created = _key_window(ctx)
    return [{"rkey": _rkey(ctx, kind, created), "ttl": str(RKEY_TTL), "time": created,
             "type": kind} for kind, _name in _RKEY_TYPES]


class RkeyServer(TypedDict):
    private_rkey: str
    group_rkey: str
    expired_time: int
    name: str


@action("get_rkey_server", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_rkey_server(ctx: ActionContext, p: NoParams) -> RkeyServer:
    """Both rkeys and when they expire, in the shape of NapCat's rkey server."""
    created = _key_window(ctx)
    return {"private_rkey": _rkey(ctx, 10, created), "group_rkey": _rkey(ctx, 20, created),
            "expired_time": created + RKEY_TTL, "name": "NapCat 4"}


class UinRange(TypedDict):
    minUin: str
    maxUin: str


# QQ's official robot accounts, as the kernel lists them.
_ROBOT_UIN_RANGES = [("3328144510", "3328144510"), ("2854196301", "2854216399"),
                     ("66600000", "66600000"), ("3889000000", "3889999999"),
                     ("4010000000", "4019999999")]


@action("get_robot_uin_range", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_robot_uin_range(ctx: ActionContext, p: NoParams) -> list[UinRange]:
    """QQ number ranges reserved for QQ's official robots."""
    return [{"minUin": low, "maxUin": high} for low, high in _ROBOT_UIN_RANGES]



# -- mini-program cards -------------------------------------------------------------------

_MINI_APPS = {
    "bili": ("1109937557", "哔哩哔哩", "cfc5f7b05b44b5956502edaecf9d2240",
             "https://miniapp.gtimg.cn/public/appicon/51f90239b78a2e4994c11215f4c4ba15_200.jpg"),
    "weibo": ("1109224783", "微博", "e482a3cc4e574d9b772e96ba6eec9ba2",
              "https://miniapp.gtimg.cn/public/appicon/35bbb44dc68e65194cfacfb206b8f1f7_200.jpg"),
}
_CARD_FIELDS = ("title", "desc", "picUrl", "jumpUrl")
_APP_FIELDS = ("iconUrl", "appId", "scene", "templateType", "businessType", "verType",
               "shareType", "versionId", "sdkId", "withShareTicket")


class MiniAppParams(Params):
    """Either a template (``type`` bili/weibo) or a full mini-program description."""

    type: Any = None
    title: Any = None
    desc: Any = None
    picUrl: Any = None
    jumpUrl: Any = None
    webUrl: Any = None
    rawArkData: Any = None
    iconUrl: Any = None
    appId: Any = None
    scene: Any = None
    templateType: Any = None
    businessType: Any = None
    verType: Any = None
    shareType: Any = None
    versionId: Any = None
    sdkId: Any = None
    withShareTicket: Any = None


def _mini_app_fields(p: MiniAppParams) -> dict[str, str]:
    """The request NapCat would build, or BadParams when neither schema matches."""
    values = p.model_dump()
    wanted = _CARD_FIELDS if p.type is not None else (*_CARD_FIELDS, *_APP_FIELDS)
    optional = ("webUrl", "rawArkData")
    if (p.type is not None and p.type not in _MINI_APPS) or any(
        not isinstance(values[k], str) for k in wanted
    ) or any(values[k] is not None and not isinstance(values[k], str) for k in optional):
        raise BadParams(Why.EXPECTED_UNION)
    fields = {k: values[k] for k in wanted}
    if p.type is not None:
        app_id, _name, version, icon = _MINI_APPS[p.type]
        fields.update(appId=app_id, versionId=version, iconUrl=icon, scene="1")
    return fields


def _mini_app_meta(ctx: ActionContext, fields: dict[str, str], web_url: str) -> dict[str, Any]:
    account = ctx.world.accounts.get(ctx.self_id)
    return {"detail_1": {
        "appid": fields["appId"], "appType": 0, "title": fields["title"],
        "desc": fields["desc"], "icon": fields["iconUrl"], "preview": fields["picUrl"],
        "url": fields["jumpUrl"], "scene": int(fields.get("scene") or 1),
        "host": {"uin": ctx.self_id, "nick": account.nickname},
        "shareTemplateId": "8C8E89B49BE609866298ADDFF2DBABA4", "shareTemplateData": {},
        "showLittleTail": "", "gamePoints": "", "gamePointsUrl": "", "shareOrigin": 0,
        "qqdocurl": web_url,
    }}


@action("get_mini_app_ark", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_mini_app_ark(ctx: ActionContext, p: MiniAppParams) -> dict[str, Any]:
    """A mini-program share card (ark) from a bili/weibo template or a full description."""
    fields = _mini_app_fields(p)
    now = ctx.world.now()
    token = hashlib.md5(f"{fields['appId']}-{fields['jumpUrl']}-{now}".encode()).hexdigest()
    config = {"type": "normal", "width": 0, "height": 0, "forward": 1, "autoSize": 0,
              "ctime": now, "token": token}
    meta = _mini_app_meta(ctx, fields, p.webUrl or "")
    prompt = f"[QQ小程序]{fields['title']}"
    app, view, ver = "com.tencent.miniapp_01", "view_8C8E89B49BE609866298ADDFF2DBABA4", "1.0.0.19"
    if p.rawArkData == "true":
        raw = {"appName": app, "appView": view, "ver": ver, "desc": fields["desc"],
               "prompt": prompt, "metaData": meta, "config": config}
        return {"data": raw}
    return {"data": {"ver": ver, "prompt": prompt, "config": config, "app": app, "view": view,
                     "meta": meta, "miniappShareOrigin": 3, "miniappOpenRefer": "10002"}}
