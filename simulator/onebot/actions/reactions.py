"""Emoji reactions on messages (NapCat): set one, list who reacted."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, TypedDict

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ...errors import InvalidState, NotFound, Why
from ...world import Message
from ...world.reactions import emoji_type_of
from ..context import ActionContext
from ..params import Int, Params, Str
from ..registry import Origin, action
from ._lookup import NumOrStr, can_see, seen_by_short_id
from ._nt import NtResult, nt_ok
from ._util import avatar_url

# NapCat's get_emoji_likes reads pages of 15, at most 200 of them when asked for all.
LIKES_PAGE_SIZE = 15
MAX_LIKES_PAGES = 200


# -- set_msg_emoji_like ------------------------------------------------------------------


def _set_flag(value: Any) -> Any:
    """NapCat: ``set ?? true``; a string means "true" or not, anything else its truthiness."""
    if value is None:
        return True
    if isinstance(value, str):
        return value == "true"
    if isinstance(value, bool | int | float):
        return bool(value)
    raise PydanticCustomError("literal_error", "Expected union value")


class SetEmojiLikeParams(Params):
    message_id: NumOrStr
    emoji_id: NumOrStr
    set: Annotated[bool, BeforeValidator(_set_flag)] = True


@action("set_msg_emoji_like", origin=Origin.NAPCAT)
def set_msg_emoji_like(ctx: ActionContext, p: SetEmojiLikeParams) -> NtResult:
    """React to a message with a face or emoji as the bot (``set`` false takes it back)."""
    message = seen_by_short_id(ctx, p.message_id)
    if message is None:
        raise NotFound(Why.UNSEEN_MESSAGE, message_id=p.message_id)
    if not p.emoji_id:
        raise InvalidState(Why.EMOJI_ID_NOT_FOUND, message_id=p.message_id)
    if message.recalled:
        raise NotFound(Why.FIND_MSG_ERROR, message_id=p.message_id)
    ctx.world.reactions.react(ctx.self_id, message.message_id, str(p.emoji_id), add=p.set)
    return nt_ok()


# -- fetch_emoji_like --------------------------------------------------------------------


class FetchEmojiLikeParams(Params):
    message_id: NumOrStr
    emojiId: NumOrStr
    emojiType: NumOrStr
    count: NumOrStr = 20
    cookie: Str = ""


class Liker(TypedDict):
    tinyId: str
    nickName: str
    headUrl: str


class EmojiLikesPage(TypedDict):
    emojiLikesList: list[Liker]
    cookie: str
    isLastPage: bool
    isFirstPage: bool
    result: int
    errMsg: str


def _cookie(offset: int) -> str:
    return base64.urlsafe_b64encode(f"qqsim-emoji-like:{offset}".encode()).decode()


def _offset(cookie: str) -> int:
    """Where a page cookie points; an empty or foreign cookie starts from the top."""
    try:
        text = base64.urlsafe_b64decode(cookie.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return 0
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "qqsim-emoji-like" and number.isdigit() else 0


def likers_page(
    ctx: ActionContext, message: Message, emoji_id: str, emoji_type: str, cookie: str, count: int
) -> EmojiLikesPage:
    """One page of who reacted, as QQNT's ``getMsgEmojiLikesList`` returns it."""
    reactors = ctx.world.reactions.reactors(message.message_id, emoji_id, emoji_type)
    start = _offset(cookie)
    page = reactors[start:start + count]
    end = start + len(page)
    return {
        # QQNT reports a reactor's tinyId; for QQ accounts it carries the QQ number.
        "emojiLikesList": [{"tinyId": str(uid), "nickName": _nickname(ctx, uid),
                            "headUrl": avatar_url(uid)} for uid in page],
        "cookie": _cookie(end),
        "isLastPage": end >= len(reactors),
        "isFirstPage": start == 0,
        "result": 0,
        "errMsg": "",
    }


def _nickname(ctx: ActionContext, user_id: int) -> str:
    account = ctx.world.accounts.find(user_id)
    return account.nickname if account else ""


@action("fetch_emoji_like", origin=Origin.NAPCAT)
def fetch_emoji_like(ctx: ActionContext, p: FetchEmojiLikeParams) -> EmojiLikesPage:
    """One page of who reacted with ``emojiId``/``emojiType`` (page on with ``cookie``)."""
    message = seen_by_short_id(ctx, p.message_id)
    if message is None:
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    text = str(p.count).strip()
    count = int(text) if text.isdigit() and int(text) > 0 else 20
    return likers_page(ctx, message, str(p.emojiId), str(p.emojiType), p.cookie, count)


# -- get_emoji_likes ---------------------------------------------------------------------


class GetEmojiLikesParams(Params):
    message_id: Str
    emoji_id: Str
    group_id: Str | None = None
    emoji_type: Str | None = None
    count: Int = 0


class EmojiLiker(TypedDict):
    user_id: str
    nick_name: str


class EmojiLikeList(TypedDict):
    emoji_like_list: list[EmojiLiker]


def _is_short_id(text: str) -> bool:
    """NapCat's test: an integer in int32 range (JavaScript ``Number("")`` is 0)."""
    stripped = text.strip() or "0"
    return stripped.lstrip("-").isdigit() and -(2**31) <= int(stripped) < 2**31


def _liked_message(ctx: ActionContext, p: GetEmojiLikesParams) -> Message:
    if _is_short_id(p.message_id):
        message = seen_by_short_id(ctx, p.message_id.strip() or "0")
    else:
        if not p.group_id:
            raise InvalidState(Why.LONG_ID_NEEDS_GROUP, message_id=p.message_id)
        found = ctx.world.history.find_by_nt_id(p.message_id.strip())
        in_group = found is not None and found.chat_type == "group" and (
            str(found.group_id) == p.group_id)
        message = found if found is not None and in_group and can_see(ctx, found) else None
    if message is None:
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    return message


@action("get_emoji_likes", origin=Origin.NAPCAT)
def get_emoji_likes(ctx: ActionContext, p: GetEmojiLikesParams) -> EmojiLikeList:
    """Everyone who reacted with ``emoji_id`` (``count`` 0: all of them)."""
    message = _liked_message(ctx, p)
    emoji_type = p.emoji_type if p.emoji_type is not None else emoji_type_of(p.emoji_id)
    pages = MAX_LIKES_PAGES if p.count == 0 else -(-p.count // LIKES_PAGE_SIZE)
    likers: list[EmojiLiker] = []
    cookie = ""
    for _ in range(max(pages, 0)):
        page = likers_page(ctx, message, p.emoji_id, emoji_type, cookie, LIKES_PAGE_SIZE)
        likers += [{"user_id": x["tinyId"], "nick_name": x["nickName"]}
                   for x in page["emojiLikesList"]]
        if page["isLastPage"] or not page["cookie"]:
            break
        cookie = page["cookie"]
    return {"emoji_like_list": likers[: p.count] if p.count > 0 else likers}
