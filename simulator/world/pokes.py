"""Pokes (戳一戳): a nudge in a group or a private chat, shown to everyone there.

QQ shows a poke as a gray tip in the chat, not as a message, so pokes leave no
history; bots in the chat hear about them as ``notify``/``poke`` notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import Accounts
from .core import WorldCore
from .events import DomainEvent
from .groups import Groups

# The verb QQ shows when nobody customised their poke action.
DEFAULT_ACTION = "戳了戳"


@dataclass(frozen=True)
class Poked(DomainEvent):
    """``user_id`` poked ``target_id`` in group ``group_id`` (0: in the private chat
    between ``user_id`` and ``peer_id``)."""

    user_id: int
    target_id: int
    group_id: int
    peer_id: int
    action: str
    suffix: str


class Pokes:
    def __init__(self, core: WorldCore, accounts: Accounts, groups: Groups) -> None:
        self._core = core
        self._accounts = accounts
        self._groups = groups

    def poke(self, user_id: int, target_id: int, *, group_id: int = 0, peer_id: int = 0
             ) -> bool:
        """Poke ``target_id``; return whether QQ delivered it.

        In a group both must be members. In a private chat the peer (``peer_id``,
        default the target) must be a friend; the target is the peer or oneself.
        QQ drops an impossible poke without an error, and so does this.
        """
        self._accounts.get(user_id)
        if group_id:
            return self._poke_in_group(user_id, target_id, group_id)
        peer_id = peer_id or target_id
        if target_id not in (peer_id, user_id) or not self._accounts.is_friend(user_id, peer_id):
            return False
        audience = self._accounts.bot_ids({user_id, peer_id})
        self._announce(audience, user_id, target_id, 0, peer_id)
        return True

    def _poke_in_group(self, user_id: int, target_id: int, group_id: int) -> bool:
        if self._groups.find(group_id) is None:
            return False
        members = (self._groups.find_member(group_id, uid) for uid in (user_id, target_id))
        if any(member is None for member in members):
            return False
        self._announce(self._groups.bot_members(group_id), user_id, target_id, group_id, 0)
        return True

    def _announce(self, audience: frozenset[int], user_id: int, target_id: int,
                  group_id: int, peer_id: int) -> None:
        self._core.emit(Poked(time=self._core.now(), audience=audience, user_id=user_id,
                              target_id=target_id, group_id=group_id, peer_id=peer_id,
                              action=DEFAULT_ACTION, suffix=""))
