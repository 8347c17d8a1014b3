"""Acting as a simulated person: what a test or the console does instead of a QQ client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .onebot.codec import to_segments
from .onebot.compose import Chat, compose
from .onebot.context import ActionContext
from .world import Message, Request

if TYPE_CHECKING:
    from .app import Simulator


class Person:
    """A simulated QQ user; every method changes the world as that user's client would."""

    def __init__(self, sim: Simulator, user_id: int) -> None:
        self._sim = sim
        self.user_id = user_id
        self._ctx = ActionContext(
            world=sim.world,
            self_id=user_id,
            profile=sim.profile,
            files=sim.storage,
            allow_remote_media=sim.config.allow_remote_media,
        )

    def send_group_msg(self, group_id: int, message: object, *, auto_escape: bool = False
                       ) -> Message:
        """Say ``message`` (CQ string, one segment or a segment list) in a group."""
        stored, raw = compose(self._ctx, Chat("group", group_id=group_id),
                              to_segments(message, auto_escape=auto_escape))
        return self._sim.world.messages.post_group(self.user_id, group_id, stored, raw)

    def send_private_msg(self, user_id: int, message: object, *, auto_escape: bool = False,
                         via_group: int = 0) -> Message:
        """Write to ``user_id`` privately (a temp chat through a shared group if not friends)."""
        stored, raw = compose(self._ctx, Chat("private", peer_id=user_id),
                              to_segments(message, auto_escape=auto_escape))
        return self._sim.world.messages.post_private(self.user_id, user_id, stored, raw,
                                                     via_group=via_group)

    def recall(self, message_id: int) -> Message:
        return self._sim.world.messages.recall(self.user_id, message_id)

    def add_friend(self, bot_id: int, comment: str = "") -> Request:
        """Send a friend request to a bot account."""
        return self._sim.world.requests.ask_friend(self.user_id, bot_id, comment)

    def ask_to_join(self, group_id: int, comment: str = "") -> list[Request]:
        """Ask to join a group; bot admins of the group receive the request."""
        return self._sim.world.requests.ask_join(self.user_id, group_id, comment)

    def invite_bot(self, bot_id: int, group_id: int) -> Request:
        return self._sim.world.requests.invite(self.user_id, bot_id, group_id)

    def join(self, group_id: int) -> None:
        """Join directly (as if an admin let them in)."""
        self._sim.world.groups.add_member(group_id, self.user_id, kind="approve")

    def leave(self, group_id: int) -> None:
        self._sim.world.groups.leave(group_id, self.user_id)

    def mute(self, group_id: int, user_id: int, duration: int) -> None:
        self._sim.world.groups.mute(self.user_id, group_id, user_id, duration)

    def kick(self, group_id: int, user_id: int) -> None:
        self._sim.world.groups.kick(self.user_id, group_id, user_id)

    def set_admin(self, group_id: int, user_id: int, enable: bool = True) -> None:
        self._sim.world.groups.set_admin(self.user_id, group_id, user_id, enable)

    def like(self, user_id: int, times: int = 1) -> None:
        self._sim.world.accounts.like(self.user_id, user_id, times)
