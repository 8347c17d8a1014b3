"""Emoji reactions ("表情回应"): who reacted to which message with which face.

A reaction is a QQ face id (type "1", up to three digits) or a Unicode emoji
given as its code point in decimal (type "2", longer ids), the rule QQNT uses.
Each person holds at most one reaction of each kind on a message. Group
members see every change as it happens; private chats carry reactions too,
but QQ announces nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Field, SQLModel, col, func, select

from ..errors import InvalidState, NotFound, PermissionDenied, Why
from .core import WorldCore
from .events import MessageReacted
from .groups import Groups
from .messages import Messages
from .snapshots import Message


class ReactionRow(SQLModel, table=True):
    __tablename__ = "reaction"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(index=True)
    user_id: int
    emoji_id: str
    emoji_type: str
    time: int = 0


@dataclass(frozen=True)
class ReactionCount:
    emoji_id: str
    emoji_type: str
    count: int


def emoji_type_of(emoji_id: str) -> str:
    """QQNT's rule: ids longer than three characters are Unicode emoji (type 2)."""
    return "2" if len(emoji_id) > 3 else "1"


class Reactions:
    def __init__(self, core: WorldCore, messages: Messages, groups: Groups) -> None:
        self._core = core
        self._db = core.session
        self._messages = messages
        self._groups = groups

    def react(self, user_id: int, message_id: int, emoji_id: str, *, add: bool = True) -> bool:
        """Add (or take back) ``user_id``'s reaction; returns whether anything changed."""
        if not emoji_id:
            raise InvalidState(Why.EMPTY_EMOJI_ID, message_id=message_id)
        message = self._messages.find(message_id)
        if message is None or message.recalled:
            raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=message_id)
        self._check_can_react(user_id, message)
        existing = self._db.exec(
            select(ReactionRow).where(ReactionRow.message_id == message_id,
                                      ReactionRow.user_id == user_id,
                                      ReactionRow.emoji_id == emoji_id)
        ).first()
        if (existing is not None) == add:
            return False
        if add:
            self._db.add(ReactionRow(message_id=message_id, user_id=user_id, emoji_id=emoji_id,
                                     emoji_type=emoji_type_of(emoji_id), time=self._core.now()))
        else:
            self._db.delete(existing)
        self._core.commit()
        self._announce(message, user_id, emoji_id, add)
        return True

    def _check_can_react(self, user_id: int, message: Message) -> None:
        if message.chat_type == "group":
            if self._groups.find_member(message.group_id, user_id) is None:
                raise PermissionDenied(Why.NOT_A_MEMBER, user_id=user_id,
                                       group_id=message.group_id)
        elif user_id not in (message.sender_id, message.peer_id):
            raise PermissionDenied(Why.NOT_IN_PRIVATE_CHAT, user_id=user_id,
                                   message_id=message.message_id)

    def _announce(self, message: Message, user_id: int, emoji_id: str, add: bool) -> None:
        if message.chat_type != "group":
            return  # QQ pushes reaction notices for group messages only
        count = sum(c.count for c in self.counts(message.message_id) if c.emoji_id == emoji_id)
        self._core.emit(MessageReacted(
            time=self._core.now(), audience=self._groups.bot_members(message.group_id),
            group_id=message.group_id, message_id=message.message_id, operator_id=user_id,
            emoji_id=emoji_id, count=count, is_add=add,
        ))

    def counts(self, message_id: int) -> list[ReactionCount]:
        """Each kind of reaction on a message with how many hold it, first used first."""
        rows = self._db.exec(
            select(ReactionRow.emoji_id, ReactionRow.emoji_type, func.count(),
                   func.min(ReactionRow.id))
            .where(ReactionRow.message_id == message_id)
            .group_by(col(ReactionRow.emoji_id), col(ReactionRow.emoji_type))
            .order_by(func.min(ReactionRow.id))
        ).all()
        return [ReactionCount(emoji_id, emoji_type, int(n)) for emoji_id, emoji_type, n, _ in rows]

    def reactors(self, message_id: int, emoji_id: str, emoji_type: str | None = None) -> list[int]:
        """Who holds this reaction on the message, earliest first."""
        query = select(ReactionRow.user_id).where(ReactionRow.message_id == message_id,
                                                  ReactionRow.emoji_id == emoji_id)
        if emoji_type is not None:
            query = query.where(ReactionRow.emoji_type == emoji_type)
        return list(self._db.exec(query.order_by(col(ReactionRow.id))).all())
