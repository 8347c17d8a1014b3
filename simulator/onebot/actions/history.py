"""Message history, recent chats and read markers (go-cqhttp and NapCat extensions).

Paging follows NapCat over QQNT's ``getMsgsIncludeSelf``: ``message_seq`` is a
message id (short or raw), the anchor is included, pages are oldest first,
and ``reverse_order`` turns the page from "the anchor and what followed" to
"what led up to the anchor". Without an anchor the newest messages come back.
An empty page is an error, as in NapCat.
"""

from __future__ import annotations

from typing import Any, TypedDict

from ...errors import InvalidState, NotFound, Why
from ...world.history import ChatRef, RecentChat
from ..context import ActionContext
from ..params import Bool, Int, NoParams, Params, Str
from ..registry import Origin, action
from ._lookup import MessageList, NumOrStr, seen_by_ref, stored_object

# QQNT's chat types as get_recent_contact reports them.
CHAT_TYPE_FRIEND, CHAT_TYPE_GROUP, CHAT_TYPE_TEMP = 1, 2, 100


class _HistoryParams(Params):
    message_seq: Str | None = None
    count: Int = 20
    reverse_order: Bool = False
    reverseOrder: Bool = False  # NapCat's legacy spelling; either one turns the page
    disable_get_url: Bool = False
    parse_mult_msg: Bool = True
    quick_reply: Bool = False  # a speed hint for reply look-ups; changes nothing here


class GroupHistoryParams(_HistoryParams):
    group_id: Str


class FriendHistoryParams(_HistoryParams):
    user_id: Str


def _page(ctx: ActionContext, chat: ChatRef | None, p: _HistoryParams) -> MessageList:
    # NapCat treats absent, "" and "0" alike: no anchor, the newest messages.
    messages = []
    if chat is not None and p.message_seq in (None, "", "0"):
        messages = ctx.world.history.page(ctx.self_id, chat, anchor=None, count=p.count,
                                          older=False)
    elif chat is not None:
        anchor = seen_by_ref(ctx, p.message_seq)
        if anchor is not None and ChatRef.of(anchor, ctx.self_id) == chat:
            messages = ctx.world.history.page(ctx.self_id, chat, anchor=anchor, count=p.count,
                                              older=p.reverse_order or p.reverseOrder)
    if not messages:
        if p.message_seq is None:
            raise NotFound(Why.HISTORY_EMPTY)
        raise NotFound(Why.HISTORY_ANCHOR_NOT_FOUND, seq=p.message_seq)
    return {"messages": [
        stored_object(ctx, m, parse_mult_msg=p.parse_mult_msg,
                      disable_get_url=p.disable_get_url)
        for m in messages
    ]}


@action("get_group_msg_history", origin=Origin.GOCQ)
def get_group_msg_history(ctx: ActionContext, p: GroupHistoryParams) -> MessageList:
    """A page of a group's history, oldest first (``message_seq`` is a message id)."""
    group_id = int(p.group_id) if p.group_id.isdigit() else 0
    in_group = ctx.world.groups.find_member(group_id, ctx.self_id) is not None
    return _page(ctx, ChatRef("group", group_id) if in_group else None, p)


@action("get_friend_msg_history", origin=Origin.NAPCAT)
def get_friend_msg_history(ctx: ActionContext, p: FriendHistoryParams) -> MessageList:
    """A page of the private chat with ``user_id`` (friend or temp chat), oldest first."""
    if not p.user_id.isdigit() or ctx.world.accounts.find(int(p.user_id)) is None:
        raise NotFound(Why.HISTORY_PEER_NOT_FOUND, user_id=p.user_id)
    return _page(ctx, ChatRef("private", int(p.user_id)), p)


# -- recent contacts ---------------------------------------------------------------------


class RecentContactParams(Params):
    count: NumOrStr = 10


class RecentContact(TypedDict):
    lastestMsg: dict[str, Any]  # NapCat's key really is spelt "lastestMsg"
    peerUin: str
    remark: str
    msgTime: str
    chatType: int
    msgId: str
    sendNickName: str
    sendMemberName: str
    peerName: str


@action("get_recent_contact", origin=Origin.NAPCAT)
def get_recent_contact(ctx: ActionContext, p: RecentContactParams) -> list[RecentContact]:
    """The bot's chats with their newest message, most recent first (``count`` of them)."""
    text = str(p.count).strip()
    count = int(text) if text.lstrip("-").isdigit() else 0
    return [_contact(ctx, recent) for recent in ctx.world.history.recent(ctx.self_id, count)]


def _contact(ctx: ActionContext, recent: RecentChat) -> RecentContact:
    # The peer's name and the friend remark come with the chat: a look-up per chat (the
    # bot's whole friend list, each time) cost seconds for a bot with thousands of chats.
    chat, message = recent.chat, recent.message
    if chat.chat_type == "group":
        chat_type = CHAT_TYPE_GROUP
    else:
        chat_type = CHAT_TYPE_TEMP if recent.friend_remark is None else CHAT_TYPE_FRIEND
    return {
        "lastestMsg": stored_object(ctx, message),
        "peerUin": str(chat.peer_id),
        "remark": recent.friend_remark or "",
        "msgTime": str(message.time),
        "chatType": chat_type,
        "msgId": recent.nt_msg_id,
        "sendNickName": message.sender_nickname,
        "sendMemberName": message.sender_card if chat.chat_type == "group" else "",
        "peerName": recent.peer_name,
    }


# -- read markers ------------------------------------------------------------------------


class MarkReadParams(Params):
    message_id: Str | None = None
    user_id: NumOrStr | None = None
    group_id: Str | None = None


def _chat_to_mark(ctx: ActionContext, p: MarkReadParams) -> ChatRef:
    """NapCat's precedence: the chat of ``message_id``, else ``user_id``, else ``group_id``."""
    if p.message_id:
        message = seen_by_ref(ctx, p.message_id)
        if message is not None:
            return ChatRef.of(message, ctx.self_id)
    if p.user_id:
        user = str(p.user_id)
        if not user.isdigit() or ctx.world.accounts.find(int(user)) is None:
            raise NotFound(Why.PRIVATE_CHAT_NOT_FOUND, user_id=user)
        return ChatRef("private", int(user))
    if not p.group_id:
        raise InvalidState(Why.READ_TARGET_MISSING)
    group_id = int(p.group_id) if p.group_id.isdigit() else 0
    if ctx.world.groups.find_member(group_id, ctx.self_id) is None:
        raise InvalidState(Why.READ_NOT_IN_GROUP, group_id=p.group_id)
    return ChatRef("group", group_id)


def _mark(ctx: ActionContext, p: MarkReadParams) -> None:
    ctx.world.reads.mark_read(ctx.self_id, _chat_to_mark(ctx, p))


@action("mark_msg_as_read", origin=Origin.GOCQ)
def mark_msg_as_read(ctx: ActionContext, p: MarkReadParams) -> None:
    """Mark a whole chat read: the chat of ``message_id``, else ``user_id``, else ``group_id``."""
    _mark(ctx, p)


@action("mark_private_msg_as_read", origin=Origin.NAPCAT)
def mark_private_msg_as_read(ctx: ActionContext, p: MarkReadParams) -> None:
    """Mark a chat read; the same handler as ``mark_msg_as_read`` in NapCat."""
    _mark(ctx, p)


@action("mark_group_msg_as_read", origin=Origin.NAPCAT)
def mark_group_msg_as_read(ctx: ActionContext, p: MarkReadParams) -> None:
    """Mark a chat read; the same handler as ``mark_msg_as_read`` in NapCat."""
    _mark(ctx, p)


@action("_mark_all_as_read", origin=Origin.NAPCAT)
def mark_all_as_read(ctx: ActionContext, p: NoParams) -> None:
    """Mark every group and private chat of the bot read."""
    ctx.world.reads.mark_all_read(ctx.self_id)
