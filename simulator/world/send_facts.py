"""What sending a group message needs to know about its sender, kept at hand.

Every group message checks the sender's membership, mute and role, the group's
whole-mute, and copies the sender's nickname, card and the group's name into the
message. Read from the ORM rows that was ~7 attribute reads and three identity-map
lookups per message; ``SenderFacts`` holds them as plain slots instead.

The facts are derived from SQLite (through the session's rows, so they see what the
session sees) and never written to: ``Groups`` drops a group's facts wherever its
members or its own row change (``Groups._commit_members``, ``mute_all``, ``rename``)
and all of them in ``Groups.forget`` (a rollback, an account change, a snapshot
restored: ``WorldCore.forget_derived``). ``last_sent_time`` is the one field kept in
step by hand, by ``Groups.spoke`` right after the sender's UPDATE.
"""

from __future__ import annotations

from .tables import AccountRow, GroupRow, MemberRow

#: Senders kept at most, in all groups; past it everything is read again (a 100k-people
#: world does not keep a fact for each of its 210k memberships).
SENDER_LIMIT = 20_000


class SenderFacts:
    """One member's facts for sending in one group (see the module's docstring)."""

    __slots__ = ("card", "group_name", "last_sent_time", "mute_until", "nickname", "role",
                 "whole_mute")

    def __init__(self, member: MemberRow, group: GroupRow, account: AccountRow) -> None:
        self.role: str = member.role
        self.card: str = member.card
        self.mute_until: int = member.mute_until
        self.last_sent_time: int = member.last_sent_time
        self.nickname: str = account.nickname
        self.group_name: str = group.name
        self.whole_mute: bool = group.whole_mute


class SenderCache:
    """``SenderFacts`` by group, then by user; invalidated by ``Groups`` only."""

    def __init__(self) -> None:
        self._groups: dict[int, dict[int, SenderFacts]] = {}
        self._count = 0

    def get(self, group_id: int, user_id: int) -> SenderFacts | None:
        members = self._groups.get(group_id)
        return None if members is None else members.get(user_id)

    def keep(self, group_id: int, user_id: int, facts: SenderFacts) -> None:
        if self._count >= SENDER_LIMIT:
            self.clear()
        self._groups.setdefault(group_id, {})[user_id] = facts
        self._count += 1

    def drop(self, group_id: int) -> None:
        members = self._groups.pop(group_id, None)
        if members is not None:
            self._count -= len(members)

    def clear(self) -> None:
        self._groups.clear()
        self._count = 0
