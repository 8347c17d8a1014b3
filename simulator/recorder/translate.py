"""From what happened to scenario steps: a person's act, the bot's call, a fault, the clock.

Each function takes facts as the transcript holds them (plain dicts) and
returns ``(kind, args, makes)`` for a step, or None when the fact is not a
person's doing. Ids a later run will not repeat become ``Ref``s (see
``draft.py``). Message segments are written as a sender gives them: the
stored extras (a face's ``raw``, an image's URL) are dropped, and media the
world holds go in as ``base64://`` so the replayed world has them too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..clock import format_duration
from ..onebot.codec import to_segments
from ..onebot.codec.cqcode import render_cq
from .draft import Ref

if TYPE_CHECKING:
    from ..faults import Fault
    from ..world import World

Step = tuple[str, Any, list[tuple[str, Any]]]
Facts = dict[str, Any]

#: The fields of a segment a sender gives, by type; other types keep their data as stored.
SENT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text",), "at": ("qq",), "face": ("id",), "reply": ("id",),
    "image": ("file", "summary", "sub_type"), "record": ("file",), "video": ("file",),
    "file": ("file", "name"), "dice": (), "rps": (), "shake": (), "poke": ("type", "id"),
    "forward": ("id",), "markdown": ("content",), "json": ("data",),
}
MEDIA = frozenset({"image", "record", "video", "file"})
#: Segments written as CQ code in a recorded message (short, and as a person types them).
CQ_READABLE = frozenset({"text", "at", "face", "dice", "rps", "shake"})
#: Media bigger than this stay a reference to the world's copy (the file stays small).
MAX_INLINE_MEDIA = 1024 * 1024
#: Calls every framework makes on its own (on connecting, or polling): not the
#: bot's answer to anything, and not repeated on cue when the scenario is replayed.
HOUSEKEEPING = frozenset({"get_login_info", "get_status", "get_version_info",
                          "can_send_image", "can_send_record", "get_online_clients"})
SENDS = frozenset({"send_msg", "send_group_msg", "send_private_msg"})
#: Parameters that hold a message id or a request flag, in any action.
ID_PARAMS = {"message_id": "message", "flag": "request"}


@dataclass(frozen=True)
class Context:
    """What the translation needs to know of the world it is recording."""

    world: World
    bot: int
    #: Whether a bot call is being answered right now (an act without an actor is its).
    bot_busy: Callable[[], bool]

    def is_bot(self, user_id: Any) -> bool:
        account = self.world.accounts.find(int(user_id)) if _is_id(user_id) else None
        return account is not None and account.is_bot

    def owner(self, group_id: int) -> int:
        members = self.world.groups.members(group_id)
        return next((m.user_id for m in members if m.role == "owner"), 0)


def person_step(ctx: Context, kind: str, facts: Facts) -> Step | None:
    """The step that makes a person do what ``facts`` (a world change of ``kind``) says."""
    handler = _PEOPLE.get(kind)
    return None if handler is None else handler(ctx, facts)


def _message(ctx: Context, facts: Facts) -> Step | None:
    message = facts["message"]
    if ctx.is_bot(message["sender_id"]):
        return None
    args: dict[str, Any] = {"from": message["sender_id"]}
    if message["chat_type"] == "group":
        args["group"] = message["group_id"]
    else:
        args["to"] = message["peer_id"]
        if message.get("temp_source"):
            args["via_group"] = message["temp_source"]
    segments = [sent_segment(ctx.world, s) for s in message["segments"]]
    quoted = next((s["data"].get("id") for s in segments if s["type"] == "reply"), None)
    if quoted is not None:
        args["reply_to"] = Ref("message", _int(quoted))
        segments = [s for s in segments if s["type"] != "reply"]
    if all(s["type"] == "text" for s in segments):
        args["text"] = "".join(s["data"].get("text", "") for s in segments)
    elif all(s["type"] in CQ_READABLE for s in segments):
        args["message"] = render_cq(segments)  # "/mute [CQ:at,qq=20006] 60" reads best
    else:
        args["message"] = segments
    return "say", args, [("message", message["message_id"])]


def _recalled(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["operator_id"]):
        return None
    message_id = facts["message"]["message_id"]
    return "recall", {"message": Ref("message", message_id), "by": facts["operator_id"]}, []


def _muted(ctx: Context, facts: Facts) -> Step | None:
    by = facts["operator_id"]
    if ctx.is_bot(by) or not by:
        return None
    group, user, duration = facts["group_id"], facts["user_id"], facts["duration"]
    if user == 0:
        return "mute_all", {"by": by, "group": group, "enable": duration != 0}, []
    if duration == 0:
        return "unmute", {"by": by, "group": group, "user": user}, []
    return "mute", {"by": by, "group": group, "user": user,
                    "duration": format_duration(duration)}, []


def _admin(ctx: Context, facts: Facts) -> Step | None:
    owner = ctx.owner(facts["group_id"])
    if ctx.bot_busy() or ctx.is_bot(owner):
        return None
    return "set_admin", {"by": owner, "group": facts["group_id"], "user": facts["user_id"],
                         "enable": facts["is_admin"]}, []


def _left(ctx: Context, facts: Facts) -> Step | None:
    kind, by = facts["kind"], facts["operator_id"]
    group, user = facts["group_id"], facts["user_id"]
    if kind == "leave":
        return None if ctx.is_bot(user) else ("leave", {"group": group, "user": user}, [])
    if kind in ("kick", "kick_me") and by and not ctx.is_bot(by):
        return "kick", {"by": by, "group": group, "user": user}, []
    return None


def _joined(ctx: Context, facts: Facts) -> Step | None:
    by = facts["operator_id"]
    if ctx.is_bot(by) or (not by and ctx.bot_busy()):
        return None  # the bot let them in (a join request it approved)
    args = {"group": facts["group_id"], "user": facts["user_id"], "by": by}
    if facts["kind"] == "invite":
        args["invited"] = True
    return "join", args, []


def _friend(ctx: Context, facts: Facts) -> Step | None:
    if ctx.bot_busy():
        return None  # the bot approved a friend request
    user, friend = facts["user_id"], facts["friend_id"]
    bot, other = (user, friend) if ctx.is_bot(user) else (friend, user)
    return "befriend", {"user": other, "bot": bot}, []


def _request(ctx: Context, facts: Facts) -> Step | None:
    request = facts["request"]
    makes = [("request", request["flag"])]
    if request["kind"] == "friend":
        return "friend_request", {"from": request["user_id"], "to": request["self_id"],
                                  "comment": request["comment"]}, makes
    if request["sub_type"] == "invite":
        return "invite", {"from": request["user_id"], "group": request["group_id"],
                          "bot": request["self_id"]}, makes
    return "join_request", {"from": request["user_id"], "group": request["group_id"],
                            "comment": request["comment"]}, makes


def _renamed(ctx: Context, facts: Facts) -> Step | None:
    by = facts["operator_id"]
    if ctx.is_bot(by):
        return None
    return "rename_group", {"by": by, "group": facts["group_id"], "name": facts["name"]}, []


def _card(ctx: Context, facts: Facts) -> Step | None:
    if ctx.bot_busy():
        return None
    user = facts["user_id"]
    return "set_card", {"by": user, "group": facts["group_id"], "card": facts["card_new"]}, []


def _title(ctx: Context, facts: Facts) -> Step | None:
    owner = ctx.owner(facts["group_id"])
    if ctx.bot_busy() or ctx.is_bot(owner):
        return None
    return "set_title", {"by": owner, "group": facts["group_id"], "user": facts["user_id"],
                         "title": facts["title"]}, []


def _liked(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["operator_id"]):
        return None
    return "like", {"from": facts["operator_id"], "to": facts["user_id"],
                    "times": facts["times"]}, []


def _poked(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["user_id"]):
        return None
    args = {"from": facts["user_id"], "target": facts["target_id"]}
    if facts.get("group_id"):
        args["group"] = facts["group_id"]
    return "poke", args, []


def _reacted(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["operator_id"]):
        return None
    args = {"from": facts["operator_id"], "message": Ref("message", facts["message_id"]),
            "emoji": facts["emoji_id"]}
    if not facts["is_add"]:
        args["remove"] = True
    return "react", args, []


def _essence(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["operator_id"]):
        return None
    return "essence", {"by": facts["operator_id"],
                       "message": Ref("message", facts["message_id"])}, []


def _uploaded(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["user_id"]):
        return None
    file = ctx.world.files.find_file(facts["file_id"])
    media = ctx.world.media.find(file.media_name) if file is not None else None
    data = media.data if media is not None and media.data is not None else b""
    args: dict[str, Any] = {"from": facts["user_id"], "group": facts["group_id"],
                            "name": facts["name"]}
    try:
        args["text"] = data.decode("utf-8")
    except UnicodeDecodeError:
        args["base64"] = base64.b64encode(data).decode()
    if file is not None and file.folder_id not in ("", "/"):
        args["folder"] = file.folder_id
    return "upload_file", args, []


def _typing(ctx: Context, facts: Facts) -> Step | None:
    if ctx.is_bot(facts["user_id"]):
        return None
    args: dict[str, Any] = {"from": facts["user_id"], "to": facts["peer_id"]}
    if facts["event_type"] == 0:
        args["speaking"] = True
    return "typing", args, []


_PEOPLE: dict[str, Callable[[Context, Facts], Step | None]] = {
    "MessageCreated": _message, "MessageRecalled": _recalled, "MemberMuted": _muted,
    "AdminChanged": _admin, "MemberLeft": _left, "MemberJoined": _joined,
    "FriendAdded": _friend, "RequestCreated": _request, "GroupRenamed": _renamed,
    "CardChanged": _card, "TitleChanged": _title, "ProfileLiked": _liked, "Poked": _poked,
    "MessageReacted": _reacted, "EssenceAdded": _essence, "GroupFileUploaded": _uploaded,
    "InputStatusChanged": _typing,
}


# -- the bot's side ---------------------------------------------------------------------


def bot_message_step(facts: Facts) -> Step:
    """An ``expect_message`` for a message the bot posted (a quick reply, or until the
    call that carried it is recorded and takes its place)."""
    message = facts["message"]
    args: dict[str, Any] = {}
    if message["chat_type"] == "group":
        args["group"] = message["group_id"]
    else:
        args["to"] = message["peer_id"]
    args.update(_text_pattern(message["segments"]))
    return "expect_message", args, [("message", message["message_id"])]


def expect_step(action: str, params: Any, response: dict[str, Any]) -> Step:
    """An ``expect`` of the bot's call: its name, its parameters (ids as references)."""
    args: dict[str, Any] = {"action": action}
    params = params if isinstance(params, dict) else {}
    makes: list[tuple[str, Any]] = []
    data = response.get("data")
    if isinstance(data, dict) and _is_id(data.get("message_id")):
        makes.append(("message", int(data["message_id"])))
    if action.removesuffix("_async") in SENDS:
        for key in ("group_id", "user_id"):
            if _is_id(params.get(key)):
                args["group" if key == "group_id" else "user"] = int(params[key])
        args.update(_text_pattern(_segments(params.get("message"))))
    else:
        kept = {k: _param(k, v) for k, v in params.items() if k not in ("echo",)}
        if kept:
            args["params"] = kept
    if response and response.get("status") != "ok":
        args["ok"] = False
    return "expect", args, makes


def _text_pattern(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """``text`` (exact, trimmed), ``at`` and ``reply_to`` of a message's segments."""
    args: dict[str, Any] = {
        "text": "".join(str(s["data"].get("text", "")) for s in segments
                        if s.get("type") == "text").strip()}
    mentions = [_int(s["data"].get("qq")) if str(s["data"].get("qq")) != "all" else "all"
                for s in segments if s.get("type") == "at"]
    if mentions:
        args["at"] = mentions
    quoted = next((s["data"].get("id") for s in segments if s.get("type") == "reply"), None)
    if quoted is not None and _is_id(quoted):
        args["reply_to"] = Ref("message", int(quoted))
    return args


def _param(key: str, value: Any) -> Any:
    kind = ID_PARAMS.get(key)
    if kind == "message" and _is_id(value):
        return Ref("message", int(value), dollar=True)
    if kind == "request" and isinstance(value, str) and value:
        return Ref("request", value, dollar=True)
    return value


def _segments(message: Any) -> list[dict[str, Any]]:
    try:
        return [dict(s) for s in to_segments(message)]
    except Exception:  # a message the action refused: its text is not worth matching
        return []


# -- time and faults -------------------------------------------------------------------


def fault_step(fault: Fault, now: float, bot: int) -> Step:
    args: dict[str, Any] = {"kind": str(fault.kind)}
    if fault.action is not None:
        args["action"] = list(fault.actions) if len(fault.actions) > 1 else fault.actions[0]
    if fault.bot is not None and fault.bot != bot:
        args["bot"] = fault.bot
    for key in ("connection", "times", "probability", "retcode", "message"):
        value = getattr(fault, key)
        if value is not None:
            args[key] = value
    if fault.probability is not None:
        args["seed"] = fault.seed
    if fault.seconds:
        args["seconds"] = fault.seconds
    if fault.kind == "rate_limit":
        args["limit"], args["per"] = fault.limit, fault.per
    if fault.kind == "webhook_error":
        args["status"] = fault.status
    if fault.start is not None and fault.start > now:
        args["after"] = fault.start - now
    if fault.end is not None:
        args["for"] = fault.end - max(now, fault.start or now)
    return "fault", args, [("fault", fault.id)]


def sent_segment(world: World, segment: dict[str, Any]) -> dict[str, Any]:
    """A stored segment as a sender would give it again."""
    kind, data = segment["type"], dict(segment.get("data") or {})
    fields = SENT_FIELDS.get(kind)
    if fields is not None:
        data = {k: data[k] for k in fields if data.get(k) is not None}
    if kind in MEDIA and isinstance(data.get("file"), str):
        media = world.media.find(data["file"])
        if media is not None and media.data is not None and len(media.data) <= MAX_INLINE_MEDIA:
            data["file"] = "base64://" + base64.b64encode(media.data).decode()
    return {"type": kind, "data": data}


def _is_id(value: Any) -> bool:
    return (type(value) is int and value > 0) or (isinstance(value, str) and value.isdigit())


def _int(value: Any) -> Any:
    return int(value) if _is_id(value) else value
