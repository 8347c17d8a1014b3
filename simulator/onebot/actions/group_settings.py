"""Group administration extras: settings, portrait, remark, bulk kicks, check-ins and todos.

Failures follow NapCat: the settings actions throw with QQ's result code in
the text; kicks, check-ins and todo changes go out as packets whose answer
NapCat never reads, so they succeed even when QQ changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from ...errors import InvalidState, NotFound, PermissionDenied, Why, WorldError
from ..context import ActionContext
from ..media import resolve_media
from ..params import Bool, GroupIdParams, Id, Int, Params, Str
from ..registry import Origin, action
from ._nt import NtResult, nt_ok
from ._util import unchecked

#: The result code qqsim reports for a refusal (10003: QQ's "no permission").
NO_PERMISSION = 10003
OTHER_FAILURE = -1
#: QQ's answer when a new group portrait is not an image or may not be set.
PORTRAIT_REFUSED = 1004022


def kernel_code(exc: WorldError) -> int:
    """The result code of a failed kernel call; NapCat quotes it with the errMsg."""
    return NO_PERMISSION if isinstance(exc, PermissionDenied) else OTHER_FAILURE


def _string_list(value: Any) -> Any:
    # TypeBox turns a scalar into a one-element array and numbers into strings.
    items = value if isinstance(value, list) else [value]
    return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for v in items]


StrList = Annotated[list[str], BeforeValidator(_string_list)]


class KickMembersParams(Params):
    group_id: Id
    user_id: StrList
    reject_add_request: Any = None


@action("set_group_kick_members", origin=Origin.NAPCAT)
def set_group_kick_members(ctx: ActionContext, p: KickMembersParams) -> None:
    """Remove several members at once (unchecked, as in NapCat; unknown QQ numbers skipped)."""
    for uin in p.user_id:
        if uin.isdigit() and ctx.world.accounts.find(int(uin)) is not None:
            unchecked(ctx, "set_group_kick_members", ctx.world.groups.kick, ctx.self_id,
                       p.group_id, int(uin))


# -- settings ------------------------------------------------------------------


def _update(ctx: ActionContext, group_id: int, failure: Why, **changes: Any) -> None:
    try:
        ctx.world.group_extras.update_settings(ctx.self_id, group_id, **changes)
    except WorldError as exc:
        raise InvalidState(failure, code=kernel_code(exc), cause=exc) from None


class GroupRemarkParams(Params):
    group_id: Id
    remark: Str


@action("set_group_remark", origin=Origin.NAPCAT)
def set_group_remark(ctx: ActionContext, p: GroupRemarkParams) -> None:
    """Set the bot's own remark for a group (get_group_info/list show it as group_remark)."""
    try:
        ctx.world.group_extras.set_remark(ctx.self_id, p.group_id, p.remark)
    except WorldError as exc:
        raise InvalidState(Why.SET_REMARK_FAILED, code=kernel_code(exc), cause=exc) from None


class AddOptionParams(Params):
    group_id: Id
    add_type: Int
    group_question: Str | None = None
    group_answer: Str | None = None


@action("set_group_add_option", origin=Origin.NAPCAT)
def set_group_add_option(ctx: ActionContext, p: AddOptionParams) -> None:
    """How people join: 1 anyone, 2 verified, 3 nobody, 4/5 answer a question (admins)."""
    changes: dict[str, Any] = {"add_option": p.add_type}
    if p.add_type in (4, 5):  # only these carry a question (and 4 an answer)
        changes["question"] = p.group_question or ""
        changes["answer"] = (p.group_answer or "") if p.add_type == 4 else ""
    _update(ctx, p.group_id, Why.SET_ADD_OPTION_FAILED, **changes)


class RobotAddOptionParams(Params):
    group_id: Id
    robot_member_switch: Int | None = None
    robot_member_examine: Int | None = None


@action("set_group_robot_add_option", origin=Origin.NAPCAT)
def set_group_robot_add_option(ctx: ActionContext, p: RobotAddOptionParams) -> None:
    """Whether members may add bots to the group, and whether that needs review."""
    _update(ctx, p.group_id, Why.SET_ROBOT_OPTION_FAILED,
            robot_member_switch=p.robot_member_switch,
            robot_member_examine=p.robot_member_examine)


class SearchParams(Params):
    group_id: Id
    no_code_finger_open: Int | None = None
    no_finger_open: Int | None = None


@action("set_group_search", origin=Origin.NAPCAT)
def set_group_search(ctx: ActionContext, p: SearchParams) -> None:
    """How the group can be found by search (NapCat sends only non-zero flags)."""
    _update(ctx, p.group_id, Why.SET_SEARCH_FAILED,
            no_code_finger_open=p.no_code_finger_open or None,
            no_finger_open=p.no_finger_open or None)


def _manage(ctx: ActionContext, group_id: int, failure: Why,
            settings: dict[str, tuple[str, Any]], always: tuple[str, ...] = ()) -> None:
    """NapCat's group management requests: one per setting, unchanged ones not sent.

    ``settings`` maps a world field to (NapCat's setting name, new value).
    """
    current = ctx.world.group_extras.settings(group_id)
    for field, (setting, value) in settings.items():
        if value is None or (field not in always and getattr(current, field) == value):
            continue
        try:
            ctx.world.group_extras.update_settings(ctx.self_id, group_id, **{field: value})
        except WorldError as exc:
            raise InvalidState(failure, setting=setting, code=kernel_code(exc),
                               cause=exc) from None


class InvitePolicyParams(Params):
    group_id: Id
    policy: Literal["disabled", "require_approval", "no_approval", "no_approval_under_100"]


@action("set_group_member_invite_policy", origin=Origin.NAPCAT)
def set_group_member_invite_policy(ctx: ActionContext, p: InvitePolicyParams) -> None:
    """Whether members may invite others, and whether invitations need approval."""
    ctx.world.groups.get(p.group_id)
    _manage(ctx, p.group_id, Why.MANAGE_INVITE_FAILED,
            {"invite_policy": ("member_invite", p.policy)}, always=("invite_policy",))


class PermissionsParams(Params):
    group_id: Id
    allow_member_upload_album: Bool | None = None
    allow_member_temporary_session: Bool | None = None
    allow_member_create_group: Bool | None = None


@action("set_group_member_permissions", origin=Origin.NAPCAT)
def set_group_member_permissions(ctx: ActionContext, p: PermissionsParams) -> None:
    """What members may do: upload to the album, start temp chats, create groups."""
    wanted = {
        "allow_upload_album": ("allow_member_upload_album", p.allow_member_upload_album),
        "allow_temporary_session": ("allow_member_temporary_session",
                                    p.allow_member_temporary_session),
        "allow_create_group": ("allow_member_create_group", p.allow_member_create_group),
    }
    if all(value is None for _, value in wanted.values()):
        raise InvalidState(Why.PERMISSIONS_MISSING, group_id=p.group_id)
    ctx.world.groups.get(p.group_id)
    _manage(ctx, p.group_id, Why.MANAGE_PERMISSIONS_FAILED, wanted)


class HistoryVisibilityParams(Params):
    group_id: Id
    visible: Bool


@action("set_group_new_member_history_visibility", origin=Origin.NAPCAT)
def set_group_new_member_history_visibility(
    ctx: ActionContext, p: HistoryVisibilityParams
) -> None:
    """Whether new members see the recent chat history."""
    ctx.world.groups.get(p.group_id)
    _manage(ctx, p.group_id, Why.MANAGE_HISTORY_FAILED,
            {"new_members_see_history": ("new_members_see_recent_history", p.visible)})


# -- portrait --------------------------------------------------------------------


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def is_image(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data.startswith(_IMAGE_MAGIC)


class PortraitParams(Params):
    file: Str
    group_id: Id


@action("set_group_portrait", origin=Origin.GOCQ)
def set_group_portrait(ctx: ActionContext, p: PortraitParams) -> NtResult:
    """Change the group's portrait (admins; the file must be an image)."""
    try:
        media = resolve_media(ctx, p.file, kind="image")
    except WorldError:
        raise InvalidState(Why.AVATAR_BAD_FILE, file=p.file) from None
    if media.data is None:
        raise InvalidState(Why.PORTRAIT_UNAVAILABLE, file=p.file)
    if not is_image(media.data):
        raise InvalidState(Why.PORTRAIT_REFUSED, file=p.file)
    try:
        ctx.world.group_extras.set_portrait(ctx.self_id, p.group_id, media.name)
    except PermissionDenied:
        raise InvalidState(Why.PORTRAIT_REFUSED, file=p.file) from None
    except WorldError as exc:
        raise InvalidState(Why.PORTRAIT_FAILED, file=p.file, code=kernel_code(exc),
                           cause=exc) from None
    return nt_ok()


# -- check-ins and the group todo ------------------------------------------------


@action("set_group_sign", origin=Origin.NAPCAT, void=True)
def set_group_sign(ctx: ActionContext, p: GroupIdParams) -> None:
    """Check in to the group for today (get_group_signed_list shows it; unchecked)."""
    unchecked(ctx, "set_group_sign", ctx.world.group_extras.sign_in, ctx.self_id, p.group_id)


@action("send_group_sign", origin=Origin.GOCQ, void=True)
def send_group_sign(ctx: ActionContext, p: GroupIdParams) -> None:
    """Check in to the group for today (go-cqhttp's name for set_group_sign)."""
    unchecked(ctx, "send_group_sign", ctx.world.group_extras.sign_in, ctx.self_id, p.group_id)


class TodoParams(Params):
    group_id: Id
    message_id: Str | None = None
    message_seq: Str | None = None


def _todo_seq(ctx: ActionContext, p: TodoParams) -> int | None:
    """The real seq the todo action names: ``message_seq`` as given, else the message's."""
    if p.message_seq:
        return int(p.message_seq) if p.message_seq.isdigit() else None
    if not p.message_id:
        raise InvalidState(Why.TODO_ID_MISSING)
    message = (ctx.world.history.find_visible(ctx.self_id, int(p.message_id))
               if p.message_id.isdigit() else None)
    if message is None:
        raise NotFound(Why.MESSAGE_NOT_FOUND, message_id=p.message_id)
    return message.seq


def _todo(ctx: ActionContext, p: TodoParams, what: str, change: Any) -> None:
    seq = _todo_seq(ctx, p)
    if seq is None:
        ctx.log.info("[%s] %s had no effect: bad message_seq", ctx.self_id, what)
        return
    unchecked(ctx, what, change, ctx.self_id, p.group_id, seq)


@action("set_group_todo", origin=Origin.NAPCAT, void=True)
def set_group_todo(ctx: ActionContext, p: TodoParams) -> None:
    """Make a message the group's todo (admins; unchecked, as in NapCat)."""
    _todo(ctx, p, "set_group_todo", ctx.world.group_extras.set_todo)


@action("complete_group_todo", origin=Origin.NAPCAT, void=True)
def complete_group_todo(ctx: ActionContext, p: TodoParams) -> None:
    """Mark the group's todo done for the bot (unchecked)."""
    _todo(ctx, p, "complete_group_todo", ctx.world.group_extras.complete_todo)


@action("cancel_group_todo", origin=Origin.NAPCAT, void=True)
def cancel_group_todo(ctx: ActionContext, p: TodoParams) -> None:
    """Withdraw the group's todo (admins; unchecked)."""
    _todo(ctx, p, "cancel_group_todo", ctx.world.group_extras.cancel_todo)
