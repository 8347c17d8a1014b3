"""Acting as a simulated person: what a test or the console does instead of a QQ client."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Protocol

from .onebot.codec import render_cq, to_segments
from .onebot.compose import Chat, compose
from .onebot.context import ActionContext, ContextSource
from .onebot.images import image_size_or_fallback
from .onebot.media import resolve_media
from .world import Message, Request

if TYPE_CHECKING:
    from .world.albums import Album, AlbumPhoto
    from .world.bulletins import Essence, Notice
    from .world.files import GroupFile, GroupFolder
    from .world.social import DoubtRequest
    from .world.transfers import OnlineFile


class PersonHost(ContextSource, Protocol):
    """What a ``Person`` acts in (``Simulator`` is one): read on every call, so a person
    made before ``sim.reset()`` acts in the new world."""


class Person:
    """A simulated QQ user; every method changes the world as that user's client would."""

    def __init__(self, sim: PersonHost, user_id: int) -> None:
        self._sim = sim
        self.user_id = user_id

    @property
    def _ctx(self) -> ActionContext:
        # Built on every call: ``sim.reset()`` replaces the world (and maybe the profile),
        # and a Person made before it must act in the new one.
        return ActionContext(
            world=self._sim.world,
            self_id=self.user_id,
            profile=self._sim.profile,
            files=self._sim.storage,
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

    def react(self, message_id: int, emoji_id: int | str, set: bool = True) -> bool:
        """React to a message with a QQ face id or an emoji code point; ``set=False`` undoes it.

        Returns whether anything changed (reacting twice with the same face does not).
        """
        return self._sim.world.reactions.react(self.user_id, message_id, str(emoji_id), add=set)

    # -- group life: cards, titles, files, essence, notices, check-ins -----------

    def set_card(self, group_id: int, user_id: int, card: str) -> None:
        """Set a member's group card: one's own, or (as admin/owner) a lower-ranked one's."""
        self._sim.world.groups.set_card(self.user_id, group_id, user_id, card)

    def set_title(self, group_id: int, user_id: int, title: str) -> None:
        """Give a member a special title (owner only)."""
        self._sim.world.groups.set_title(self.user_id, group_id, user_id, title)

    def upload_group_file(self, group_id: int, name: str, content: bytes | str, *,
                          folder_id: str = "/", temporary: bool = False) -> GroupFile:
        """Put a file in the group's files: the group sees a file message, then group_upload.

        ``content`` is the file's bytes, or a URI as NapCat takes it (``base64://``,
        a path inside qqsim's storage, or the name of media the world holds).
        """
        uri = ("base64://" + base64.b64encode(content).decode()
               if isinstance(content, bytes) else content)
        media = resolve_media(self._ctx, uri, kind="file", name=name)
        file, _ = self._sim.world.files.upload(self.user_id, group_id, media, name,
                                               raw_of=render_cq, folder_id=folder_id,
                                               temporary=temporary)
        return file

    def create_group_folder(self, group_id: int, name: str) -> GroupFolder:
        """Add a folder to the group's files (admins only)."""
        return self._sim.world.files.create_folder(self.user_id, group_id, name)

    def set_essence(self, message_id: int) -> Essence:
        """Make a group message essence (admins only); the group's bots get a notice."""
        return self._sim.world.bulletins.add_essence(self.user_id, message_id)

    def remove_essence(self, message_id: int) -> Essence:
        """Take a message out of the group's essence list (admins only)."""
        from .world.bulletins import message_random  # lazy: start-up, as its service

        message = self._sim.world.messages.get(message_id)
        return self._sim.world.bulletins.remove_essence(
            self.user_id, message.group_id, message.seq, message_random(message_id))

    def publish_notice(self, group_id: int, text: str, *, pinned: bool = False) -> Notice:
        """Publish a group notice (announcement; admins only)."""
        return self._sim.world.bulletins.publish_notice(self.user_id, group_id, text,
                                                        pinned=int(pinned))

    def sign_in(self, group_id: int) -> bool:
        """Check in to the group for today; False if already done today."""
        return self._sim.world.group_extras.sign_in(self.user_id, group_id)

    # -- account extras: pokes, typing, status, doubtful requests, online files, albums --

    def poke(self, target_id: int, group_id: int | None = None) -> bool:
        """Poke ``target_id`` in a group, or in the private chat with them (a friend).

        Returns whether QQ delivered it (both in the group / friends); bots there get
        a ``notify``/``poke`` notice.
        """
        return self._sim.world.pokes.poke(self.user_id, target_id, group_id=group_id or 0)

    def type_to(self, user_id: int, event_type: int = 1) -> None:
        """Show "typing…" (1) or "speaking…" (0) to ``user_id``; a bot gets ``input_status``."""
        self._sim.world.profiles.input_status(self.user_id, user_id, event_type)

    def set_online_status(self, status: int, ext_status: int = 0) -> None:
        """10 online, 30 away, 40 invisible, 50 busy, 60 Q-me, 70 do-not-disturb."""
        self._sim.world.profiles.set_status(self.user_id, status, ext_status, 0)

    def add_friend_doubtful(self, bot_id: int, msg: str = "", *, source: str = "",
                            reason: str = "", group_code: int = 0) -> DoubtRequest:
        """A friend request QQ flags as suspicious: the bot sees it only in its doubtful list."""
        return self._sim.world.social.ask_doubtful(self.user_id, bot_id, msg, source=source,
                                                   reason=reason, group_code=group_code)

    def send_online_file(self, user_id: int, name: str, content: bytes) -> OnlineFile:
        """Offer a file online; the receiver sees an ``onlinefile`` message."""
        from .world.transfers import TransferFile  # lazy: start-up, as its service

        media = self._sim.world.media.put(content, kind="file",
                                          ext=(name.rsplit(".", 1)[-1] if "." in name
                                               else "bin")[:5])
        return self._sim.world.transfers.offer(
            self.user_id, user_id, name, [TransferFile(name, media.name, media.size)],
            is_dir=False, raw_of=render_cq)

    def answer_online_file(self, msg_id: str, accept: bool = True) -> OnlineFile:
        """Take (or refuse) an online file offered to this person; the sender is told."""
        offer = self._sim.world.transfers.online_file(msg_id)
        return self._sim.world.transfers.answer(self.user_id, offer.sender_id, msg_id,
                                                accept=accept)

    def cancel_online_file(self, msg_id: str) -> OnlineFile:
        """Withdraw an online file this person offered; the receiver is told."""
        offer = self._sim.world.transfers.online_file(msg_id)
        return self._sim.world.transfers.cancel(self.user_id, offer.receiver_id, msg_id)

    def create_album(self, group_id: int, name: str, desc: str = "") -> Album:
        """Create a group album (any member can)."""
        return self._sim.world.albums.create(group_id, self.user_id, name, desc)

    def upload_to_album(self, group_id: int, album_id: str, content: bytes) -> AlbumPhoto:
        """Upload one image (its bytes) to a group album."""
        media = self._sim.world.media.put(content, kind="image", ext="jpg")
        width, height = image_size_or_fallback(content)
        return self._sim.world.albums.upload(group_id, album_id, self.user_id, media,
                                             width=width, height=height)
