"""Steps where simulated people act: everything a bot can receive, injected.

Each step calls the same ``Person``/world operations a test or the console
uses, so the bot gets exactly the events NapCat would send. A step that QQ
would refuse (a member muting the owner, a message to a stranger...) fails
the scenario with QQ's reason. ``as:`` names what a step made (a message, a
request, a file) for later steps: ``reply_to: q1``, ``message: q1``, ``$q1``.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from ...onebot.codec import to_segments
from ..model import Args, Duration, MessageBody, MessageRef, Segment
from .registry import step

if TYPE_CHECKING:
    from ..run import ScenarioRun


class SayArgs(Args):
    """A message from a simulated person, in a group or privately."""

    sender: int = Field(alias="from")
    group: int | None = None
    to: int | None = Field(None, description="a private message to this account (a bot)")
    text: str | None = Field(None, description="plain text (CQ codes are not parsed)")
    message: MessageBody | None = Field(None, description="CQ-code text, a segment or a list")
    at: list[int | Literal["all"]] = Field(default_factory=list,
                                           description="at-mentions put before the message")
    reply_to: MessageRef | None = Field(None, description="quote this message")
    via_group: int = Field(0, description="private: the group a temp chat comes through")
    name: str | None = Field(None, alias="as")

    @model_validator(mode="after")
    def _one_place_one_body(self) -> SayArgs:
        if (self.group is None) == (self.to is None):
            raise ValueError("give exactly one of group or to")
        if (self.text is None) == (self.message is None):
            raise ValueError("give exactly one of text or message")
        return self


def _body(run: ScenarioRun, args: SayArgs) -> list[dict[str, Any]]:
    segments: list[dict[str, Any]] = []
    if args.reply_to is not None:
        segments.append({"type": "reply", "data": {"id": str(run.message_id(args.reply_to))}})
    segments += [{"type": "at", "data": {"qq": str(qq)}} for qq in args.at]
    if args.text is not None:
        segments.append({"type": "text", "data": {"text": args.text}})
    else:
        body = args.message
        if isinstance(body, Segment):
            body = [body]
        raw: Any = body if isinstance(body, str) else [s.model_dump() for s in body or []]
        segments += [dict(s) for s in to_segments(raw)]
    return segments


@step("say", SayArgs)
async def say(run: ScenarioRun, args: SayArgs) -> None:
    """A person writes in a group (``group``) or privately to an account (``to``)."""
    person = run.person(args.sender)
    segments = _body(run, args)
    if args.group is not None:
        message = person.send_group_msg(args.group, segments)
    else:
        assert args.to is not None
        message = person.send_private_msg(args.to, segments, via_group=args.via_group)
    run.remember(args.name, message)


class RecallArgs(Args):
    message: MessageRef
    by: int | None = Field(None, description="who recalls it (default: its sender)")


@step("recall", RecallArgs)
async def recall(run: ScenarioRun, args: RecallArgs) -> None:
    """Recall a message (its sender within two minutes, or an admin)."""
    message_id = run.message_id(args.message)
    by = args.by if args.by is not None else run.sim.world.messages.get(message_id).sender_id
    run.person(by).recall(message_id)


class MemberArgs(Args):
    group: int
    user: int


class JoinArgs(MemberArgs):
    by: int = Field(0, description="the admin who let them in, or who invited them")
    invited: bool = False


@step("join", JoinArgs)
async def join(run: ScenarioRun, args: JoinArgs) -> None:
    """Someone joins a group (approved, or ``invited: true``): group_increase."""
    run.sim.world.groups.add_member(args.group, args.user, operator_id=args.by,
                                    kind="invite" if args.invited else "approve")


@step("leave", MemberArgs)
async def leave(run: ScenarioRun, args: MemberArgs) -> None:
    """A member leaves a group (an owner cannot): group_decrease/leave."""
    if not run.sim.world.groups.leave(args.group, args.user):
        run.fail_step(f"{args.user} owns group {args.group} and cannot leave it")


class ActOnMemberArgs(MemberArgs):
    by: int


@step("kick", ActOnMemberArgs)
async def kick(run: ScenarioRun, args: ActOnMemberArgs) -> None:
    """An admin removes a member: group_decrease/kick (kick_me for a bot)."""
    run.person(args.by).kick(args.group, args.user)


class SetAdminArgs(ActOnMemberArgs):
    enable: bool = True


@step("set_admin", SetAdminArgs)
async def set_admin(run: ScenarioRun, args: SetAdminArgs) -> None:
    """The owner makes a member admin (or not): group_admin."""
    run.person(args.by).set_admin(args.group, args.user, args.enable)


class MuteArgs(ActOnMemberArgs):
    duration: Duration = 600.0


@step("mute", MuteArgs)
async def mute(run: ScenarioRun, args: MuteArgs) -> None:
    """An admin mutes a member for ``duration`` (0 lifts it): group_ban."""
    run.person(args.by).mute(args.group, args.user, int(args.duration))


@step("unmute", ActOnMemberArgs)
async def unmute(run: ScenarioRun, args: ActOnMemberArgs) -> None:
    """An admin lifts a member's mute: group_ban/lift_ban."""
    run.person(args.by).mute(args.group, args.user, 0)


class MuteAllArgs(Args):
    by: int
    group: int
    enable: bool = True


@step("mute_all", MuteAllArgs)
async def mute_all(run: ScenarioRun, args: MuteAllArgs) -> None:
    """An admin mutes (or unmutes) the whole group: group_ban with user_id 0."""
    run.sim.world.groups.mute_all(args.by, args.group, args.enable)


class CardArgs(Args):
    by: int
    group: int
    user: int | None = Field(None, description="whose card (default: by's own)")
    card: str


@step("set_card", CardArgs)
async def set_card(run: ScenarioRun, args: CardArgs) -> None:
    """A member changes their card (or an admin a lower member's): group_card."""
    run.person(args.by).set_card(args.group, args.user or args.by, args.card)


class TitleArgs(ActOnMemberArgs):
    title: str


@step("set_title", TitleArgs)
async def set_title(run: ScenarioRun, args: TitleArgs) -> None:
    """The owner gives a member a special title: notify/title."""
    run.person(args.by).set_title(args.group, args.user, args.title)


class RenameArgs(Args):
    by: int
    group: int
    name: str


@step("rename_group", RenameArgs)
async def rename_group(run: ScenarioRun, args: RenameArgs) -> None:
    """An admin renames the group: notify/group_name."""
    run.sim.world.groups.rename(args.by, args.group, args.name)


class LikeArgs(Args):
    sender: int = Field(alias="from")
    to: int
    times: int = 1


@step("like", LikeArgs)
async def like(run: ScenarioRun, args: LikeArgs) -> None:
    """A person likes an account's profile: notify/profile_like."""
    run.person(args.sender).like(args.to, args.times)


class PokeArgs(Args):
    sender: int = Field(alias="from")
    target: int
    group: int | None = Field(None, description="poke in this group (else privately)")


@step("poke", PokeArgs)
async def poke(run: ScenarioRun, args: PokeArgs) -> None:
    """A person pokes someone in a group or in a private chat: notify/poke."""
    if not run.person(args.sender).poke(args.target, args.group):
        run.fail_step(f"QQ did not deliver the poke from {args.sender} to {args.target}")


class ReactArgs(Args):
    sender: int = Field(alias="from")
    message: MessageRef
    emoji: int | str = Field(description="a QQ face id or an emoji code point")
    remove: bool = False


@step("react", ReactArgs)
async def react(run: ScenarioRun, args: ReactArgs) -> None:
    """A person reacts to a group message with an emoji: group_msg_emoji_like."""
    run.person(args.sender).react(run.message_id(args.message), args.emoji, not args.remove)


class FriendRequestArgs(Args):
    sender: int = Field(alias="from")
    to: int | None = Field(None, description="the bot (default: the bot under test)")
    comment: str = ""
    name: str | None = Field(None, alias="as")


@step("friend_request", FriendRequestArgs)
async def friend_request(run: ScenarioRun, args: FriendRequestArgs) -> None:
    """A person asks a bot to be friends: request/friend."""
    run.remember(args.name, run.person(args.sender).add_friend(args.to or run.bot, args.comment))


class JoinRequestArgs(Args):
    sender: int = Field(alias="from")
    group: int
    comment: str = ""
    name: str | None = Field(None, alias="as")


@step("join_request", JoinRequestArgs)
async def join_request(run: ScenarioRun, args: JoinRequestArgs) -> None:
    """A person asks to join a group; its bot admins get request/group/add."""
    requests = run.person(args.sender).ask_to_join(args.group, args.comment)
    if not requests:
        run.fail_step(f"no bot administers group {args.group}: nobody receives the request")
    run.remember(args.name, requests[0] if len(requests) == 1 else requests)


class InviteArgs(Args):
    sender: int = Field(alias="from")
    group: int
    bot: int | None = Field(None, description="the invited bot (default: the bot under test)")
    name: str | None = Field(None, alias="as")


@step("invite", InviteArgs)
async def invite(run: ScenarioRun, args: InviteArgs) -> None:
    """A member invites a bot into a group: request/group/invite."""
    run.remember(args.name, run.person(args.sender).invite_bot(args.bot or run.bot, args.group))


class BefriendArgs(Args):
    user: int
    bot: int | None = None


@step("befriend", BefriendArgs)
async def befriend(run: ScenarioRun, args: BefriendArgs) -> None:
    """Make two accounts friends at once (no request): notice/friend_add."""
    run.sim.world.accounts.befriend(args.bot or run.bot, args.user)


class UploadArgs(Args):
    sender: int = Field(alias="from")
    group: int
    name: str
    text: str | None = Field(None, description="the file's content, as UTF-8 text")
    base64: str | None = Field(None, description="the file's content, base64-encoded")
    folder: str = "/"
    name_as: str | None = Field(None, alias="as")

    @model_validator(mode="after")
    def _one_content(self) -> UploadArgs:
        if (self.text is None) == (self.base64 is None):
            raise ValueError("give exactly one of text or base64")
        return self


@step("upload_file", UploadArgs)
async def upload_file(run: ScenarioRun, args: UploadArgs) -> None:
    """A member uploads a file to the group's files: group_upload."""
    content = (args.text.encode("utf-8") if args.text is not None
               else base64.b64decode(args.base64 or ""))
    file = run.person(args.sender).upload_group_file(args.group, args.name, content,
                                                     folder_id=args.folder)
    run.remember(args.name_as, file)


class EssenceArgs(Args):
    by: int
    message: MessageRef


@step("essence", EssenceArgs)
async def essence(run: ScenarioRun, args: EssenceArgs) -> None:
    """An admin makes a group message essence: notice/essence."""
    run.person(args.by).set_essence(run.message_id(args.message))


class NoticeArgs(Args):
    by: int
    group: int
    text: str
    pinned: bool = False


@step("notice", NoticeArgs)
async def notice(run: ScenarioRun, args: NoticeArgs) -> None:
    """An admin publishes a group notice (announcement), readable with _get_group_notice."""
    run.person(args.by).publish_notice(args.group, args.text, pinned=args.pinned)


class TypingArgs(Args):
    sender: int = Field(alias="from")
    to: int | None = Field(None, description="the bot (default: the bot under test)")
    speaking: bool = False


@step("typing", TypingArgs)
async def typing(run: ScenarioRun, args: TypingArgs) -> None:
    """A person starts typing (or speaking) to a bot: notify/input_status."""
    run.person(args.sender).type_to(args.to or run.bot, 0 if args.speaking else 1)
