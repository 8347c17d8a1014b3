"""Domain events → OneBot 11 event objects, as NapCat builds them.

The same fact looks different to each bot: a group message is ``message`` for
the other bots in the group, ``message_sent`` for its sender (when the
connection reports self messages), and nothing for bots outside the group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ...world import events as ev
from ...world.snapshots import Message
from ..context import ConnectionSettings
from ..profiles import Profile
from .dialects import DIALECTS

Event = dict[str, Any]


def message_object(
    message: Message, self_id: int, settings: ConnectionSettings, profile: Profile
) -> Event:
    """The message as NapCat reports it in events, ``get_msg`` and history."""
    is_group = message.chat_type == "group"
    sender: dict[str, Any] = {
        "user_id": message.sender_id,
        "nickname": message.sender_nickname,
        "card": message.sender_card if is_group else "",
    }
    if is_group and message.sender_role:
        sender["role"] = message.sender_role
    own = message.sender_id == self_id
    body: Event = {
        "self_id": self_id,
        "user_id": message.sender_id,
        "time": message.time,
        "message_id": message.message_id,
        "message_seq": message.message_id,
        "real_id": message.message_id,
        "real_seq": str(message.seq),
        "message_type": message.chat_type,
        "sender": sender,
        "raw_message": message.raw_message,
        "font": profile.font,
        "sub_type": _message_sub_type(message),
        "message": message.raw_message if settings.string_format else message.segments,
        "message_format": "string" if settings.string_format else "array",
        "post_type": "message_sent" if own else "message",
    }
    if own:
        body["message_sent_type"] = "self"
    if is_group:
        body["group_id"] = message.group_id
        body["group_name"] = message.group_name
    elif message.temp_source:
        body["group_id"] = message.temp_source
        body["temp_source"] = 0
    if not is_group or own:
        body["target_id"] = message.group_id if is_group else message.other_party(self_id)
    return body


def _message_sub_type(message: Message) -> str:
    if message.chat_type == "group":
        return "normal"
    return "group" if message.temp_source else "friend"


def render_event(
    event: ev.DomainEvent, self_id: int, settings: ConnectionSettings, profile: Profile
) -> Event | None:
    """What bot ``self_id`` receives on a connection with ``settings``, or None."""
    if not sees(event, self_id, settings):
        return None
    return DIALECTS[profile.event_dialect](
        _napcat_event(event, self_id, settings, profile), event, self_id
    )


def sees(event: ev.DomainEvent, self_id: int, settings: ConnectionSettings) -> bool:
    """Whether ``render_event`` may give bot ``self_id`` anything for ``event``: one of its
    audience, and not its own message unless the connection reports those. A connection's
    bus subscription takes only such events (a bot's own send wakes no event pump)."""
    if self_id not in event.audience:
        return False
    if isinstance(event, ev.MessageCreated) and event.message.sender_id == self_id:
        return settings.report_self_message
    return True


def _napcat_event(
    event: ev.DomainEvent, self_id: int, settings: ConnectionSettings, profile: Profile
) -> Event | None:
    if isinstance(event, ev.MessageCreated):
        return message_object(event.message, self_id, settings, profile)
    renderer = _NOTICE_RENDERERS.get(type(event))
    if renderer is None:
        return None
    head: Event = {"time": event.time, "self_id": self_id}
    head.update(renderer(event, self_id))
    return head


E = TypeVar("E", bound=ev.DomainEvent)
Renderer = Callable[[E, int], Event]
# Keyed by the exact event type: a renderer is only ever called with an event of the type
# it was registered for, which is what makes the ``Any`` here safe.
_NOTICE_RENDERERS: dict[type[ev.DomainEvent], Renderer[Any]] = {}


def renders(event_type: type[E]) -> Callable[[Renderer[E]], Renderer[E]]:
    """Register the decorated function as the renderer of ``event_type``.

    Modules that add domain events register their renderers here; the renderer returns the
    event's fields after ``time`` and ``self_id``. It is typed by its event: a renderer taking
    another event type than it is registered for does not type-check.
    """

    def register(renderer: Renderer[E]) -> Renderer[E]:
        _NOTICE_RENDERERS[event_type] = renderer
        return renderer

    return register


@renders(ev.MessageRecalled)
def _recall(event: ev.MessageRecalled, self_id: int) -> Event:
    message: Message = event.message
    if message.chat_type == "group":
        return {
            "post_type": "notice",
            "notice_type": "group_recall",
            "group_id": message.group_id,
            "user_id": message.sender_id,
            "operator_id": event.operator_id,
            "message_id": message.message_id,
        }
    return {
        "post_type": "notice",
        "notice_type": "friend_recall",
        "user_id": message.other_party(self_id),
        "message_id": message.message_id,
    }


@renders(ev.MemberMuted)
def _ban(event: ev.MemberMuted, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "group_ban",
        "sub_type": "ban" if event.duration else "lift_ban",
        "group_id": event.group_id,
        "operator_id": event.operator_id,
        "user_id": event.user_id,
        "duration": event.duration,
    }


@renders(ev.AdminChanged)
def _admin(event: ev.AdminChanged, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "group_admin",
        "sub_type": "set" if event.is_admin else "unset",
        "group_id": event.group_id,
        "user_id": event.user_id,
    }


@renders(ev.MemberLeft)
def _decrease(event: ev.MemberLeft, self_id: int) -> Event:
    kind = "kick_me" if event.kind == "kick" and event.user_id == self_id else event.kind
    return {
        "post_type": "notice",
        "notice_type": "group_decrease",
        "sub_type": kind,
        "group_id": event.group_id,
        "operator_id": event.operator_id,
        "user_id": event.user_id,
    }


@renders(ev.MemberJoined)
def _increase(event: ev.MemberJoined, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "group_increase",
        "sub_type": event.kind,
        "group_id": event.group_id,
        "operator_id": event.operator_id,
        "user_id": event.user_id,
    }


@renders(ev.FriendAdded)
def _friend_add(event: ev.FriendAdded, self_id: int) -> Event:
    other = event.friend_id if event.user_id == self_id else event.user_id
    return {"post_type": "notice", "notice_type": "friend_add", "user_id": other}


@renders(ev.RequestCreated)
def _request(event: ev.RequestCreated, self_id: int) -> Event:
    request = event.request
    if request.kind == "friend":
        return {
            "post_type": "request",
            "request_type": "friend",
            "user_id": request.user_id,
            "comment": request.comment,
            "flag": request.flag,
        }
    return {
        "post_type": "request",
        "request_type": "group",
        "sub_type": request.sub_type,
        "group_id": request.group_id,
        "user_id": request.user_id,
        "comment": request.comment,
        "flag": request.flag,
    }


@renders(ev.GroupRenamed)
def _group_name(event: ev.GroupRenamed, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "notify",
        "sub_type": "group_name",
        "group_id": event.group_id,
        "user_id": event.operator_id,
        "name_new": event.name,
    }


@renders(ev.CardChanged)
def _card(event: ev.CardChanged, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "group_card",
        "group_id": event.group_id,
        "user_id": event.user_id,
        "card_new": event.card_new,
        "card_old": event.card_old,
    }


@renders(ev.TitleChanged)
def _title(event: ev.TitleChanged, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "notify",
        "sub_type": "title",
        "group_id": event.group_id,
        "user_id": event.user_id,
        "title": event.title,
    }


@renders(ev.ProfileLiked)
def _profile_like(event: ev.ProfileLiked, self_id: int) -> Event:
    return {
        "post_type": "notice",
        "notice_type": "notify",
        "sub_type": "profile_like",
        "operator_id": event.operator_id,
        "operator_nick": event.operator_nick,
        "times": event.times,
    }

