"""Result dialects: how another implementation reshapes NapCat's action results.

Handlers return what NapCat returns; a profile names a result dialect whose hooks,
keyed by action name, rewrite a successful result as that implementation would
send it. NapCat's profile names no dialect, so its results pass untouched.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from ..world.events import MessageCreated
from .codec import parse_cq
from .codec.gocq import gocq_message
from .context import ActionContext
from .events.dialects import DIALECTS
from .events.meta import status_object

#: ``hook(ctx, params, result)``: the handler's parsed parameters and its result.
ResultHook = Callable[[ActionContext, Any, Any], Any]


def _gocq_get_msg(ctx: ActionContext, params: Any, result: dict[str, Any]
                  ) -> dict[str, Any]:
    """``coolq/api.go`` CQGetMessage: ids by sequence, a ``group`` flag, no raw_message."""
    group = result.get("message_type") == "group"
    seq = int(result.get("real_seq") or 0)
    sender = result.get("sender") or {}
    target = result.get("group_id", 0) if group else sender.get("user_id", 0)
    body: dict[str, Any] = {
        "message_id": result["message_id"],
        # encodeMessageID: hex of the target (uint64) and the sequence (uint32), big-endian.
        "message_id_v2": struct.pack(">QI", target & (2**64 - 1), seq & (2**32 - 1)).hex(),
        "message_type": result.get("message_type"),
        "real_id": seq,
        "message_seq": seq,
        "group": group,
        # SenderName was stored as MiraiGo's DisplayName(): the card, else the nickname.
        "sender": {"user_id": sender.get("user_id"),
                   "nickname": sender.get("card") or sender.get("nickname")},
        "time": result.get("time"),
    }
    if group:
        body["group_id"] = result.get("group_id")
    stored = ctx.world.messages.find(int(result["message_id"]))
    segments = stored.segments if stored is not None else _segments_of(result)
    body["message"] = gocq_message(segments, group=group,
                                   string_format=ctx.settings.string_format)[0]
    return body


def _segments_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    value = message.get("message")
    if isinstance(value, str):
        return [dict(s) for s in parse_cq(value)]
    return list(value) if isinstance(value, list) else []


def _forward_id(ctx: ActionContext, ident: str) -> str | None:
    """The forward ``ident`` names: itself, or the one its carrier message holds."""
    media = ctx.world.media
    if media.has_forward(ident):
        return ident
    carrier = ctx.world.messages.find(int(ident)) if ident.isdigit() else None
    for segment in carrier.segments if carrier is not None else []:
        if segment.get("type") == "forward":
            return str(segment.get("data", {}).get("id", ""))
    return None


def _gocq_nodes(ctx: ActionContext, forward_id: str) -> list[dict[str, Any]]:
    nodes = []
    for node in ctx.world.media.forward(forward_id):
        segments = node["segments"]
        content: object
        inner = str(segments[0].get("data", {}).get("id", "")) if len(segments) == 1 and (
            segments[0].get("type") == "forward") else ""
        if inner and ctx.world.media.has_forward(inner):  # a forward inside: its nodes
            content = _gocq_nodes(ctx, inner)
        else:  # go-cqhttp reads every node as from a group (SourceGroup)
            content = gocq_message(segments, group=True,
                                   string_format=ctx.settings.string_format)[0]
        nodes.append({
            # The name the node was sent with (go-cqhttp's ForwardNode.SenderName).
            "sender": {"user_id": node["user_id"], "nickname": node["nickname"]},
            "time": node["time"],
            "content": content,
            "group_id": int(node.get("group_id") or 0),
        })
    return nodes


def _gocq_get_forward_msg(ctx: ActionContext, params: Any, result: dict[str, Any]
                          ) -> dict[str, Any]:
    """``coolq/api.go`` CQGetForwardMessage: ``{sender, time, content, group_id}`` per node."""
    ident = next((str(v) for v in (getattr(params, "message_id", None),
                                   getattr(params, "id", None)) if v not in (None, "")), "")
    forward_id = _forward_id(ctx, ident)
    if forward_id is None or not ctx.world.media.has_forward(forward_id):
        return result
    return {"messages": _gocq_nodes(ctx, forward_id)}


def _gocq_get_status(ctx: ActionContext, params: Any, result: dict[str, Any]
                     ) -> dict[str, Any]:
    """``coolq/api.go`` CQGetStatus (OneBot 11)."""
    return status_object(ctx.profile, bool(result.get("online", True)))


def _gocq_version_info(ctx: ActionContext, params: Any, result: dict[str, Any]
                       ) -> dict[str, Any]:
    """``coolq/api.go`` CQGetVersionInfo. Build facts (Go version, OS, working directory,
    login protocol) are those of the official Linux release and its Docker image."""
    version = ctx.profile.app_version
    return {
        "app_name": ctx.profile.app_name,
        "app_version": version,
        "app_full_name": f"go-cqhttp-{version}_linux_amd64-go1.20",
        "protocol_version": "v11",
        "coolq_directory": "/data",
        "coolq_edition": "pro",
        "go_cqhttp": True,
        "plugin_version": "4.15.0",
        "plugin_build_number": 99,
        "plugin_build_configuration": "release",
        "runtime_version": "go1.20",
        "runtime_os": "linux",
        "version": version,
        "protocol_name": 6,
    }


def _gocq_history(ctx: ActionContext, params: Any, result: dict[str, Any]
                  ) -> dict[str, Any]:
    """``get_group_msg_history``: each message as go-cqhttp's group message event."""
    messages = []
    for body in result.get("messages", []):
        stored = ctx.world.messages.find(int(body.get("message_id", 0)))
        if stored is None:
            messages.append(body)
            continue
        created = MessageCreated(time=stored.time, audience=frozenset(), message=stored)
        messages.append(DIALECTS["gocq"](body, created, ctx.self_id))
    return {**result, "messages": messages}


def _gocq_group_info(ctx: ActionContext, params: Any, result: dict[str, Any]
                     ) -> dict[str, Any]:
    """``coolq/api.go`` CQGetGroupInfo: six keys, none of NapCat's extras."""
    return {"group_id": result.get("group_id"), "group_name": result.get("group_name"),
            "group_create_time": result.get("group_create_time", 0),
            "group_level": result.get("group_level", 0),
            "max_member_count": result.get("max_member_count"),
            "member_count": result.get("member_count")}


def _gocq_group_list(ctx: ActionContext, params: Any, result: list[dict[str, Any]]
                     ) -> list[dict[str, Any]]:
    """``coolq/api.go`` CQGetGroupList: each group as ``get_group_info`` shows it."""
    return [_gocq_group_info(ctx, params, group) for group in result]


def _gocq_forward_sent(ctx: ActionContext, params: Any, result: dict[str, Any]
                       ) -> dict[str, Any]:
    """A sent forward: ``message_id`` and ``forward_id`` (go-cqhttp has no ``res_id``)."""
    if "forward_id" not in result:
        return result
    return {"message_id": result["message_id"], "forward_id": result["forward_id"]}


GOCQ_RESULTS: dict[str, ResultHook] = {
    "get_msg": _gocq_get_msg,
    "get_forward_msg": _gocq_get_forward_msg,
    "get_status": _gocq_get_status,
    "get_version_info": _gocq_version_info,
    "get_group_msg_history": _gocq_history,
    "get_group_info": _gocq_group_info,
    "get_group_list": _gocq_group_list,
    **dict.fromkeys(("send_group_forward_msg", "send_private_forward_msg", "send_forward_msg",
                     "send_msg", "send_group_msg", "send_private_msg"), _gocq_forward_sent),
}

RESULT_DIALECTS: dict[str, dict[str, ResultHook]] = {"gocq": GOCQ_RESULTS}
