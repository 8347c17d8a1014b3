"""Essence messages, group notices (announcements) and QQ's AI voices in groups.

The essence setters pass the kernel's answer through as NapCat does: a
refusal (not an admin, already essence...) is a successful call whose
``errCode`` is not 0, and the world does not change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from typing import Any

from ...errors import InvalidState, NotFound, PermissionDenied, Why, WorldError
from ...world import Message
from ...world.bulletins import Essence, Notice, NoticeImage, message_random
from ...world.media import Media
from ..compose import Chat
from ..context import ActionContext
from ..images import image_size
from ..media import media_url, resolve_media
from ..params import GroupIdParams, Id, Int, Params, Str
from ..registry import Backing, Origin, action
from ._lookup import seen_by_short_id
from ._nt import NtResult, nt_ok
from ._sending import MessageIdResult, deliver
from ._util import bot_group

NO_PERMISSION = 10003
OTHER_FAILURE = -1
#: NapCat builds a notice image upload with these sizes when it cannot read the picture's.
DEFAULT_NOTICE_IMAGE = (540, 300)
NOTICE_PAGE = 20


def digest_result(essence: Essence | None, error: WorldError | None = None) -> dict[str, Any]:
    """The kernel's answer to adding or removing an essence message."""
    if error is not None:
        code = NO_PERMISSION if isinstance(error, PermissionDenied) else OTHER_FAILURE
        return {"errCode": code, "errMsg": str(error),
                "rsp": {"wording": str(error), "digestUin": "0", "digestTime": 0, "msg": None,
                        "errorCode": code}}
    assert essence is not None
    msg = {"groupCode": str(essence.group_id), "msgSeq": essence.seq,
           "msgRandom": essence.random, "msgContent": [], "textSize": "0", "picSize": "0",
           "videoSize": "0", "senderUin": str(essence.sender_id), "senderTime": 0,
           "addDigestUin": str(essence.operator_id), "addDigestTime": essence.time,
           "startTime": 0, "latestMsgSeq": 0, "opType": 1}
    return {"errCode": 0, "errMsg": "success",
            "rsp": {"wording": "", "digestUin": str(essence.operator_id),
                    "digestTime": essence.time, "msg": msg, "errorCode": 0}}


class EssenceParams(Params):
    message_id: Int | Str


@action("set_essence_msg", origin=Origin.GOCQ)
def set_essence_msg(ctx: ActionContext, p: EssenceParams) -> dict[str, Any]:
    """Make a group message essence (admins); the group's bots get an essence notice."""
    message = seen_by_short_id(ctx, p.message_id)
    if message is None:
        raise NotFound(Why.UNSEEN_MESSAGE, message_id=p.message_id)
    if message.chat_type != "group":
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    try:
        essence = ctx.world.bulletins.add_essence(ctx.self_id, message.message_id)
    except WorldError as exc:
        return digest_result(None, exc)
    return digest_result(essence)


class DeleteEssenceParams(Params):
    message_id: Int | Str | None = None
    msg_seq: Str | None = None
    msg_random: Str | None = None
    group_id: Str | None = None


def _remove(ctx: ActionContext, group_id: int, seq: int, random: int) -> dict[str, Any]:
    try:
        essence = ctx.world.bulletins.remove_essence(ctx.self_id, group_id, seq, random)
    except WorldError as exc:
        return digest_result(None, exc)
    return digest_result(essence)


def synthetic_essence_id(seq: int, random: int, group_id: int) -> int:
    """NapCat's id for an essence entry whose message it cannot fetch (MD5, top bit cleared)."""
    key = json.dumps({"msg_seq": str(seq), "msg_random": str(random),
                      "group_id": str(group_id)}, separators=(",", ":"))
    digest = bytearray(hashlib.md5(key.encode()).digest())
    digest[0] &= 0x7F
    return int(struct.unpack(">i", bytes(digest[:4]))[0])


def _synthetic_entry(ctx: ActionContext, raw_id: int | str) -> Essence | None:
    text = str(raw_id).strip()
    if not text.lstrip("-").isdigit():
        return None
    wanted = int(text)
    for essence in ctx.world.bulletins.essences_in_groups_of(ctx.self_id):
        if synthetic_essence_id(essence.seq, essence.random, essence.group_id) == wanted:
            return essence
    return None


@action("delete_essence_msg", origin=Origin.GOCQ)
def delete_essence_msg(ctx: ActionContext, p: DeleteEssenceParams) -> dict[str, Any]:
    """Take a message out of the essence list (by message, or by msg_seq+msg_random+group)."""
    if p.msg_seq and p.msg_random and p.group_id:
        numbers = (p.group_id, p.msg_seq, p.msg_random)
        if not all(n.isdigit() for n in numbers):
            return digest_result(None, NotFound(Why.ESSENCE_NOT_FOUND,
                                                     group_id=p.group_id, seq=p.msg_seq))
        return _remove(ctx, int(p.group_id), int(p.msg_seq), int(p.msg_random))
    if p.message_id in (None, ""):
        raise InvalidState(Why.ESSENCE_ID_MISSING)
    assert p.message_id is not None
    message = seen_by_short_id(ctx, p.message_id)
    if message is not None:
        if message.chat_type != "group":
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
        return _remove(ctx, message.group_id, message.seq, message_random(message.message_id))
    entry = _synthetic_entry(ctx, p.message_id)
    if entry is None:
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    # NapCat passes seq and random the wrong way round on this path, so QQ finds nothing.
    return _remove(ctx, entry.group_id, entry.random, entry.seq)


def _essence_content(ctx: ActionContext, message: Message) -> list[dict[str, Any]]:
    if ctx.settings.string_format:  # NapCat wraps the CQ string in one text segment
        return [{"type": "text", "data": {"text": message.raw_message}}]
    return list(message.segments)


def _web_content(message: Message | None) -> list[dict[str, Any]]:
    """What QQ's essence web page keeps of a message: its text and its pictures."""
    content: list[dict[str, Any]] = []
    for segment in message.segments if message else []:
        if segment["type"] == "text":
            content.append({"type": "text", "data": {"text": segment["data"].get("text", "")}})
        elif segment["type"] == "image":
            content.append({"type": "image",
                            "data": {"file": "", "url": segment["data"].get("url", "")}})
    return content


@action("get_essence_msg_list", origin=Origin.GOCQ)
def get_essence_msg_list(ctx: ActionContext, p: GroupIdParams) -> list[dict[str, Any]]:
    """The group's essence messages, most recently set first, with their content."""
    bot_group(ctx, p.group_id)
    entries = []
    for essence in ctx.world.bulletins.essences(p.group_id):
        message = ctx.world.messages.find(essence.message_id)
        retrievable = message is not None and not message.recalled
        entries.append({
            "msg_seq": essence.seq, "msg_random": essence.random,
            "sender_id": essence.sender_id, "sender_nick": essence.sender_nick,
            "operator_id": essence.operator_id, "operator_nick": essence.operator_nick,
            "message_id": essence.message_id if retrievable
            else synthetic_essence_id(essence.seq, essence.random, p.group_id),
            "operator_time": essence.time,
            "content": _essence_content(ctx, message) if message and retrievable
            else _web_content(message),
        })
    return entries


# -- notices ---------------------------------------------------------------------


def _notice_image(ctx: ActionContext, uri: str) -> NoticeImage:
    try:
        media: Media = resolve_media(ctx, uri, kind="image")
    except WorldError:
        raise InvalidState(Why.NOTICE_IMAGE_BAD, uri=uri) from None
    if media.data is None:
        raise InvalidState(Why.NOTICE_IMAGE_UNAVAILABLE, uri=uri)
    width, height = image_size(media.data) or DEFAULT_NOTICE_IMAGE
    return NoticeImage(id=media.md5.lower(), width=width, height=height)


def _number(value: int | str, default: int) -> int:
    if isinstance(value, int):
        return value
    return int(value) if value.strip().lstrip("-").isdigit() else default


class SendNoticeParams(Params):
    group_id: Id
    content: Str
    image: Str | None = None
    pinned: Int | Str = 0
    type: Int | Str = 1
    confirm_required: Int | Str = 1
    is_show_edit_card: Int | Str = 0
    tip_window_type: Int | Str = 0


@action("_send_group_notice", origin=Origin.GOCQ, void=True)
def send_group_notice(ctx: ActionContext, p: SendNoticeParams) -> None:
    """Publish a notice (announcement) in the group, optionally with a picture (admins)."""
    images = (_notice_image(ctx, p.image),) if p.image else ()
    try:
        ctx.world.bulletins.publish_notice(
            ctx.self_id, p.group_id, p.content, images=images,
            pinned=_number(p.pinned, 0), notice_type=_number(p.type, 1),
            is_show_edit_card=_number(p.is_show_edit_card, 0),
            tip_window_type=_number(p.tip_window_type, 0),
            confirm_required=_number(p.confirm_required, 1))
    except WorldError as exc:
        raise InvalidState(Why.NOTICE_FAILED, cause=exc) from None


def notice_entry(notice: Notice) -> dict[str, Any]:
    images = [{"id": i.id, "height": str(i.height), "width": str(i.width)}
              for i in notice.images]
    return {
        "notice_id": notice.notice_id,
        "sender_id": notice.sender_id,
        "publish_time": notice.time,
        "message": {"text": notice.text, "image": images, "images": images},
        "settings": {"is_show_edit_card": notice.is_show_edit_card, "remind_ts": 0,
                     "tip_window_type": notice.tip_window_type,
                     "confirm_required": notice.confirm_required},
        "read_num": 0,  # qqsim does not model who read a notice
    }


@action("_get_group_notice", origin=Origin.GOCQ)
def get_group_notice(ctx: ActionContext, p: GroupIdParams) -> list[dict[str, Any]]:
    """The group's notices, pinned first then newest first (QQ's first page: 20)."""
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is None:
        raise NotFound(Why.NOTICES_UNAVAILABLE, group_id=p.group_id)
    return [notice_entry(n) for n in ctx.world.bulletins.notices(p.group_id)[:NOTICE_PAGE]]


class DeleteNoticeParams(Params):
    group_id: Id
    notice_id: Str


@action("_del_group_notice", origin=Origin.GOCQ)
def del_group_notice(ctx: ActionContext, p: DeleteNoticeParams) -> NtResult:
    """Delete a notice (admins); QQ's answer is passed through."""
    try:
        ctx.world.bulletins.delete_notice(ctx.self_id, p.group_id, p.notice_id)
    except WorldError as exc:
        code = NO_PERMISSION if isinstance(exc, PermissionDenied) else OTHER_FAILURE
        return {"result": code, "errMsg": str(exc)}
    return nt_ok()


# -- AI voices (synthesized: QQ's voice service is not simulated) ---------------------


#: QQ's AI voice catalogue as qqsim offers it: (category, [(voice id, display name)]).
AI_VOICES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("推荐", (("lucy-voice-laibixiaoxin", "小新"), ("lucy-voice-houge", "猴哥"),
             ("lucy-voice-suxinjiejie", "酥心御姐"))),
    ("搞怪", (("lucy-voice-guangdong-f1", "广东大姐"), ("lucy-voice-m14", "说书先生"))),
    ("古风", (("lucy-voice-f34", "温柔妹妹"), ("lucy-voice-m8", "儒雅公子"))),
)
AI_VOICE_IDS = frozenset(voice for _, voices in AI_VOICES for voice, _ in voices)


class AiCharactersParams(Params):
    group_id: Id
    chat_type: Int | Str = 1


@action("get_ai_characters", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_ai_characters(ctx: ActionContext, p: AiCharactersParams) -> list[dict[str, Any]]:
    """QQ's AI voice characters by category (a fixed catalogue; [] outside the bot's groups)."""
    if ctx.world.groups.find_member(p.group_id, ctx.self_id) is None:
        return []
    return [{"type": category,
             "characters": [{"character_id": voice, "character_name": name}
                            for voice, name in voices]}
            for category, voices in AI_VOICES]


class AiRecordParams(Params):
    character: Str
    group_id: Id
    text: Str


def _ai_voice(ctx: ActionContext, p: AiRecordParams) -> bytes:
    """The voice QQ would synthesize: a SILK header and what it says (deterministic)."""
    if p.character not in AI_VOICE_IDS or ctx.world.groups.find(p.group_id) is None:
        raise InvalidState(Why.AI_VOICE_FAILED, character=p.character)
    return b"#!SILK_V3" + f"qqsim-ai-voice|{p.character}|{p.text}".encode()


@action("get_ai_record", origin=Origin.NAPCAT, backing=Backing.SYNTHESIZED)
def get_ai_record(ctx: ActionContext, p: AiRecordParams) -> str:
    """The URL of ``text`` read out by an AI voice (the voice is kept, not sent)."""
    media = ctx.world.media.put(_ai_voice(ctx, p), kind="record", ext="amr")
    return media_url(media)


@action("send_group_ai_record", origin=Origin.NAPCAT)
def send_group_ai_record(ctx: ActionContext, p: AiRecordParams) -> MessageIdResult:
    """Say ``text`` in an AI voice in the group (a voice message; message_id is always 0)."""
    voice = "base64://" + base64.b64encode(_ai_voice(ctx, p)).decode()
    deliver(ctx, Chat("group", group_id=p.group_id),
            [{"type": "record", "data": {"file": voice}}])
    return {"message_id": 0}
