"""go-cqhttp's words for a failure: its ``msg`` code and ``wording``.

go-cqhttp 1.2's ``Failed(100, code, wording)`` calls (``coolq/api.go``), keyed by
action, error class and ``Why`` code (``rules.py``). A failure no rule names keeps
NapCat's text under go-cqhttp's ``API_ERROR``.
"""

from __future__ import annotations

from ..why import Why
from .rules import ANY, KEEP, ErrorCatalogue, Wording


def _rules(*entries: tuple[str, str, str, str, str | None]) -> dict[tuple[str, str, str],
                                                                      Wording]:
    return {(action, kind, why): Wording(code, text)
            for action, kind, why, code, text in entries}


_GROUP = ("GROUP_NOT_FOUND", "群聊不存在")
_SEND_GROUP = ("SEND_MSG_API_ERROR", "send group message failed: blocked by server")
_SEND_PRIVATE = ("SEND_MSG_API_ERROR", "请参考 go-cqhttp 端输出")

#: go-cqhttp 1.2's ``Failed(100, code, wording)`` calls, by action (``coolq/api.go``).
GOCQ_ERRORS = ErrorCatalogue(rules=_rules(
    # Any action: a group the bot is not in is not found (``FindGroup`` returns nil).
    (ANY, "NotFound", Why.GROUP_NOT_FOUND, *_GROUP),
    (ANY, "NotFound", Why.MEMBER_LIST_UNAVAILABLE, *_GROUP),
    (ANY, "NotFound", Why.MEMBER_NOT_FOUND, "MEMBER_NOT_FOUND", "群员不存在"),
    # Messages (CQSendGroupMessage, CQSendPrivateMessage, CQGetMessage, CQDeleteMessage...).
    ("send_group_msg", "InvalidState", "", *_SEND_GROUP),
    ("send_group_msg", "PermissionDenied", "", *_SEND_GROUP),
    ("send_private_msg", "InvalidState", "", *_SEND_PRIVATE),
    ("send_private_msg", "NotFound", "", *_SEND_PRIVATE),
    ("send_msg", "InvalidState", "", *_SEND_PRIVATE),
    ("send_msg", "NotFound", "", *_SEND_PRIVATE),
    ("send_group_msg", "InvalidState", Why.EMPTY_MESSAGE, "EMPTY_MSG_ERROR", "消息为空"),
    ("send_private_msg", "InvalidState", Why.EMPTY_MESSAGE, "EMPTY_MSG_ERROR", "消息为空"),
    ("send_msg", "InvalidState", Why.EMPTY_MESSAGE, "EMPTY_MSG_ERROR", "消息为空"),
    ("get_msg", "NotFound", "", "MSG_NOT_FOUND", "消息不存在"),
    ("get_forward_msg", "NotFound", "", "MSG_NOT_FOUND", "消息不存在"),
    ("get_forward_msg", "InvalidState", "", "MSG_NOT_FOUND", "消息不存在"),
    ("delete_msg", "NotFound", "", "MESSAGE_NOT_FOUND", "消息不存在"),
    ("delete_msg", "PermissionDenied", "", "RECALL_API_ERROR", KEEP),
    ("delete_msg", "InvalidState", "", "RECALL_API_ERROR", KEEP),
    ("set_essence_msg", "NotFound", "", "MESSAGE_NOT_FOUND", "消息不存在"),
    ("delete_essence_msg", "NotFound", "", "MESSAGE_NOT_FOUND", "消息不存在"),
    ("mark_msg_as_read", "NotFound", "", "MSG_NOT_FOUND", "消息不存在"),
    # Groups and members (CQGetGroupInfo, CQGetGroupMemberInfo, CQSetGroupKick/Ban/Admin...).
    ("get_group_info", "NotFound", "", *_GROUP),
    ("get_group_member_list", "NotFound", "", *_GROUP),
    ("get_group_member_list", "InvalidState", "", *_GROUP),
    ("get_group_member_info", "NotFound", "", "MEMBER_NOT_FOUND", "群员不存在"),
    ("get_group_member_info", "InvalidState", "", *_GROUP),
    ("set_group_card", "NotFound", Why.MEMBER_NOT_FOUND, *_GROUP),
    ("set_group_special_title", "NotFound", Why.MEMBER_NOT_FOUND, *_GROUP),
    ("set_group_kick", "NotFound", Why.MEMBER_NOT_FOUND, "MEMBER_NOT_FOUND", "人员不存在"),
    ("set_group_kick", "PermissionDenied", "", "NOT_MANAGEABLE", "机器人权限不足"),
    ("set_group_ban", "NotFound", Why.MEMBER_NOT_FOUND, *_GROUP),
    ("set_group_ban", "PermissionDenied", "", "NOT_MANAGEABLE", "机器人权限不足"),
    ("set_group_admin", "NotFound", Why.MEMBER_NOT_FOUND, "GROUP_MEMBER_NOT_FOUND",
     "群成员不存在"),
    ("set_group_admin", "NotFound", Why.GROUP_NOT_FOUND, "PERMISSION_DENIED", "群不存在或权限不足"),
    ("set_group_admin", "InvalidState", "", "PERMISSION_DENIED", "群不存在或权限不足"),
    ("set_group_admin", "PermissionDenied", "", "PERMISSION_DENIED", "群不存在或权限不足"),
    ("set_group_anonymous_ban", "NotFound", "", "INVALID_FLAG", "无效的flag"),
    ("_send_group_notice", "PermissionDenied", "", "PERMISSION_DENIED", "权限不足"),
    ("get_essence_msg_list", "NotFound", "", "GET_ESSENCE_LIST_FOUND", KEEP),
    # Friends and requests (CQDeleteFriend, CQProcessFriendRequest, CQProcessGroupRequest).
    ("delete_friend", "NotFound", "", "FRIEND_NOT_FOUND", "好友不存在"),
    ("delete_friend", "InvalidState", "", "FRIEND_NOT_FOUND", "好友不存在"),
    ("set_friend_add_request", "NotFound", "", "FLAG_NOT_FOUND", "FLAG不存在"),
    ("set_group_add_request", "NotFound", "", "FLAG_NOT_FOUND", "FLAG不存在"),
    ("set_group_add_request", "InvalidState", "", "FLAG_HAS_BEEN_CHECKED", "消息已被处理"),
    # Group files (CQGetGroupFileURL, CQGroupFileDelete*: their failures are retcode 200 there).
    ("get_group_file_url", "NotFound", "", "FILE_NOT_FOUND", "文件不存在"),
    (ANY, "StoreFailed", "", "API_ERROR", KEEP),
))
