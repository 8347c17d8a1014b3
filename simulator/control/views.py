"""JSON views of the world and of the wire, as the control API and the console show them."""

from __future__ import annotations

from dataclasses import asdict, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from ..link import describe_event
from ..traffic import ActionRecord, FrameRecord
from ..world import DomainEvent, Message, Request

if TYPE_CHECKING:
    from ..link import BotLink
    from ..simulation import Simulator


# The sender's card and role travel with the message: a console showing one page of a
# 3000-member group has not loaded every sender's membership.
MESSAGE_FIELDS = ("message_id", "seq", "time", "sender_id", "sender_nickname", "sender_card",
                  "sender_role", "chat_type", "group_id", "peer_id", "segments", "raw_message",
                  "recalled")


def message_json(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in MESSAGE_FIELDS}


def reactions_json(sim: Simulator, message_id: int) -> list[dict[str, Any]]:
    """Who reacted to a message with which face, as QQ shows under the bubble."""
    reactions = sim.world.reactions
    return [{**asdict(count), "user_ids": reactions.reactors(message_id, count.emoji_id)}
            for count in reactions.counts(message_id)]


def request_json(request: Request) -> dict[str, Any]:
    return asdict(request)


def event_json(event: DomainEvent) -> dict[str, Any]:
    """A world fact for the console's live stream: its type, who can see it, its fields."""
    data: dict[str, Any] = {}
    for field in fields(event):
        if field.name in ("time", "audience"):
            continue
        value = getattr(event, field.name)
        if isinstance(value, Message):
            value = message_json(value)
        elif is_dataclass(value) and not isinstance(value, type):
            value = asdict(value)
        data[field.name] = value
    return {"kind": "world", "type": type(event).__name__, "time": event.time,
            "audience": sorted(event.audience), "data": data}


def action_json(record: ActionRecord) -> dict[str, Any]:
    return {"kind": "action", **asdict(record)}


def frame_json(record: FrameRecord) -> dict[str, Any]:
    return {"kind": "frame", **asdict(record), "summary": describe_event(record.event)}


def connection_json(link: BotLink) -> dict[str, Any]:
    return {
        "bot_id": link.self_id,
        "connection": link.settings.name,
        "transport": str(link.settings.transport),
        "message_format": link.settings.message_format,
        "report_self_message": link.settings.report_self_message,
        "connected_at": link.connected_at,
    }


def connections_json(sim: Simulator) -> dict[str, Any]:
    return {
        "connections": [connection_json(link) for link in sim.connections],
        "listeners": [asdict(endpoint) for endpoint in sim.endpoints],
    }


# -- filtering the traffic log ----------------------------------------------


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _fields_of(record: ActionRecord | FrameRecord) -> list[dict[str, Any]]:
    """The dicts a record's chat and message ids are read from."""
    if isinstance(record, FrameRecord):
        return [record.event]
    found = [record.params] if isinstance(record.params, dict) else []
    data = record.response.get("data")
    if isinstance(data, dict):
        found.append(data)
    return found


def _kind_of(record: ActionRecord | FrameRecord) -> str:
    if isinstance(record, ActionRecord):
        return record.action
    event = record.event
    detail = (event.get("notice_type") or event.get("request_type")
              or event.get("meta_event_type") or event.get("message_type") or "")
    return f"{event.get('post_type', '')}.{detail}" if detail else str(event.get("post_type"))


class TrafficFilter:
    """Which actions and frames to list: by bot, chat, type and message.

    ``chat`` is ``group:<id>`` or ``private:<user id>``; ``kind`` is a substring of
    an action name or of an event's ``post_type.detail`` (``notice.group_recall``).
    """

    def __init__(self, *, bot_id: int | None = None, chat: str = "", kind: str = "",
                 message_id: int | None = None) -> None:
        self.bot_id = bot_id
        self.chat_type, _, chat_id = chat.partition(":")
        self.chat_id = _as_int(chat_id)
        if chat and (self.chat_type not in ("group", "private") or self.chat_id is None):
            raise ValueError("'chat' must be group:<id> or private:<user id>")
        self.kind = kind
        self.message_id = message_id

    def __call__(self, record: ActionRecord | FrameRecord) -> bool:
        if self.bot_id is not None and record.bot_id != self.bot_id:
            return False
        if self.kind and self.kind not in _kind_of(record):
            return False
        dicts = _fields_of(record)
        if self.chat_id is not None and not any(self._in_chat(d) for d in dicts):
            return False
        return self.message_id is None or any(
            _as_int(d.get("message_id")) == self.message_id for d in dicts
        )

    def _in_chat(self, data: dict[str, Any]) -> bool:
        group_id = _as_int(data.get("group_id"))
        if self.chat_type == "group":
            return group_id == self.chat_id
        private = data.get("message_type") in (None, "private") and not group_id
        return private and self.chat_id in (_as_int(data.get("user_id")),
                                            _as_int(data.get("target_id")))
