"""SQLModel tables: how the world is stored. Private to ``simulator.world``.

Rows never leave the package; services turn them into frozen snapshots
(``snapshots.py``) so callers cannot change state behind the world's back.
"""

from __future__ import annotations

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class AccountRow(SQLModel, table=True):
    __tablename__ = "account"
    user_id: int = Field(primary_key=True)
    nickname: str
    sex: str = "unknown"
    age: int = 0
    is_bot: bool = False
    qq_level: int = 1
    long_nick: str = ""
    reg_time: int = 0


class FriendshipRow(SQLModel, table=True):
    """One direction of a friendship; a friendship is always stored both ways."""

    __tablename__ = "friendship"
    owner_id: int = Field(primary_key=True)
    friend_id: int = Field(primary_key=True)
    remark: str = ""
    since: int = 0


class GroupRow(SQLModel, table=True):
    __tablename__ = "qgroup"
    group_id: int = Field(primary_key=True)
    name: str
    owner_id: int
    max_member_count: int = 200
    #: Kept in step by add/remove so reading a group costs no COUNT query.
    member_count: int = 0
    whole_mute: bool = False
    created_at: int = 0


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    group_id: int = Field(primary_key=True)
    # Indexed on its own too: "the groups of a person" (temp chats, recent contacts) must
    # not scan every membership of a 100k-people world.
    user_id: int = Field(primary_key=True, index=True)
    role: str = "member"
    card: str = ""
    title: str = ""
    join_time: int = 0
    last_sent_time: int = 0
    level: int = 1
    mute_until: int = 0


class RequestRow(SQLModel, table=True):
    """A friend request or a group join/invite request, addressed to one bot."""

    __tablename__ = "request"
    flag: str = Field(primary_key=True)
    kind: str  # "friend" | "group"
    sub_type: str = ""  # group: "add" | "invite"
    user_id: int  # who asks (or who invites)
    self_id: int  # the bot account that must answer
    group_id: int = 0
    comment: str = ""
    time: int = 0
    state: str = "pending"  # "pending" | "approved" | "rejected"


def chat_key(chat_type: str, a: int, b: int = 0) -> int:
    """One number per conversation: the group id, or both people of a private chat.

    Paging reads one conversation in ``seq`` order; with this key that is one
    range of one index whichever side sent each message. QQ numbers stay below
    2**34, so the pair packs into one 64-bit integer.
    """
    if chat_type == "group":
        return a
    return (min(a, b) << 34) | max(a, b)


#: The condition of the message table's partial indexes.
PRIVATE_ONLY = "chat_type = 'private'"
#: Indexes older files may hold, replaced by the partial ones (dropped on open: ``core``).
OBSOLETE_INDEXES = ("ix_message_sender", "ix_message_peer_id")


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    # Every history read is "one chat, by seq": (chat_type, chat, seq) serves them all
    # without sorting, whatever the chat's size.
    __table_args__ = (
        Index("ix_message_chat_seq", "chat_type", "chat", "seq"),
        # Only private chats are looked up by sender or receiver (``History.recent``):
        # partial indexes spare each group message two B-tree inserts (~25% of its INSERT).
        Index("ix_message_private_sender", "sender_id", sqlite_where=text(PRIVATE_ONLY)),
        Index("ix_message_private_peer", "peer_id", sqlite_where=text(PRIVATE_ONLY)),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(unique=True)
    chat_type: str  # "group" | "private"
    chat: int = 0  # ``chat_key``: the group, or the pair of people
    group_id: int = 0
    sender_id: int
    peer_id: int  # group: the group id; private: the receiver
    seq: int
    time: int
    segments_json: str
    raw_message: str
    recalled: bool = False
    recalled_by: int = 0
    temp_source: int = 0  # group a temp (non-friend) private chat started from
    # What the sender was called when sending (QQ keeps both with the message).
    sender_nickname: str = ""
    sender_card: str = ""


class LikeRow(SQLModel, table=True):
    __tablename__ = "profile_like"
    id: int | None = Field(default=None, primary_key=True)
    from_id: int = Field(index=True)
    to_id: int = Field(index=True)
    day: str
    times: int


class NoticeRow(SQLModel, table=True):
    """A system notice shown in a chat ("… was muted"), placed after message ``after_seq``."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_chat_seq", "chat_type", "chat", "after_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_type: str  # "group" | "private"
    chat: int  # ``chat_key``
    after_seq: int
    time: int
    kind: str  # the world fact's name: MemberMuted, MemberJoined, Poked...
    data_json: str
    names_json: str  # the people it names, by number, as they were called then


class MediaRow(SQLModel, table=True):
    """An image, voice, video or file a message carried, kept inside the world."""

    __tablename__ = "media"
    name: str = Field(primary_key=True)  # "<MD5>.<ext>", as NapCat names received media
    md5: str = Field(index=True)
    size: int
    kind: str  # image | record | video | file
    source: str = ""  # where the sender took it from (a URL is kept, never fetched)
    data: bytes | None = None
    created_at: int = 0


class ForwardRow(SQLModel, table=True):
    """The nodes of a forwarded (merged) message."""

    __tablename__ = "forward"
    forward_id: str = Field(primary_key=True)
    nodes_json: str
    created_at: int = 0


class WorldMetaRow(SQLModel, table=True):
    """Facts about the stored world itself: that it is seeded, where its clock stood."""

    __tablename__ = "world_meta"
    key: str = Field(primary_key=True)
    value: str
