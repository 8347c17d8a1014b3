"""Error catalogues: how an implementation words a failure the world reported.

Handlers raise ``WorldError``s carrying NapCat's text. A profile with a catalogue
(go-cqhttp) words them its own way instead: a short code (``msg``) and a wording
chosen by the action, the error's class and, where the raise site gave one, its
``subject``. Never NapCat's text, which another part of qqsim may reword.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import WorldError

#: The entry that matches any action.
ANY = "*"
#: A wording of None: keep the world's own text (go-cqhttp's ``err.Error()``).
KEEP = None


@dataclass(frozen=True)
class Wording:
    code: str
    text: str | None = KEEP


@dataclass(frozen=True)
class ErrorCatalogue:
    """Rules keyed ``(action, error class name, subject)``; ``subject`` "" matches any.

    Lookup order: this action and subject, any action and subject, this action,
    any action; else ``fallback``.
    """

    rules: dict[tuple[str, str, str], Wording] = field(default_factory=dict)
    fallback: Wording = Wording("API_ERROR")
    #: The code of a failed parameter check (go-cqhttp has none; see README).
    bad_params: Wording = Wording("PARAM_ERROR")

    def word(self, action: str, error: WorldError) -> tuple[str, str]:
        """``(code, wording)`` for ``error`` raised by ``action``."""
        rules, kind, subject = self.rules, _kind(error), error.subject
        keys = ((action, kind, subject), (ANY, kind, subject), (action, kind, ""),
                (ANY, kind, ""))
        for key in keys if subject else keys[2:]:
            found = rules.get(key)
            if found is not None:
                return found.code, str(error) if found.text is None else found.text
        fallback = self.fallback
        return fallback.code, str(error) if fallback.text is None else fallback.text


def _kind(error: WorldError) -> str:
    # The four kinds of errors.py; a subclass of one of them counts as that one.
    for klass in type(error).__mro__:
        if klass.__name__ in ("NotFound", "PermissionDenied", "InvalidState", "StoreFailed"):
            return klass.__name__
    return "WorldError"


def _rules(*entries: tuple[str, str, str, str, str | None]) -> dict[tuple[str, str, str],
                                                                      Wording]:
    return {(action, kind, subject): Wording(code, text)
            for action, kind, subject, code, text in entries}


_GROUP = ("GROUP_NOT_FOUND", "群聊不存在")
_SEND_GROUP = ("SEND_MSG_API_ERROR", "send group message failed: blocked by server")
_SEND_PRIVATE = ("SEND_MSG_API_ERROR", "请参考 go-cqhttp 端输出")

#: go-cqhttp 1.2's ``Failed(100, code, wording)`` calls, by action (``coolq/api.go``).
GOCQ_ERRORS = ErrorCatalogue(rules=_rules(
    # Any action: a group the bot is not in is not found (``FindGroup`` returns nil).
    (ANY, "NotFound", "group", *_GROUP),
    (ANY, "NotFound", "member", "MEMBER_NOT_FOUND", "群员不存在"),
    # Messages (CQSendGroupMessage, CQSendPrivateMessage, CQGetMessage, CQDeleteMessage...).
    ("send_group_msg", "InvalidState", "", *_SEND_GROUP),
    ("send_group_msg", "PermissionDenied", "", *_SEND_GROUP),
    ("send_private_msg", "InvalidState", "", *_SEND_PRIVATE),
    ("send_private_msg", "NotFound", "", *_SEND_PRIVATE),
    ("send_msg", "InvalidState", "", *_SEND_PRIVATE),
    ("send_msg", "NotFound", "", *_SEND_PRIVATE),
    ("send_group_msg", "InvalidState", "empty", "EMPTY_MSG_ERROR", "消息为空"),
    ("send_private_msg", "InvalidState", "empty", "EMPTY_MSG_ERROR", "消息为空"),
    ("send_msg", "InvalidState", "empty", "EMPTY_MSG_ERROR", "消息为空"),
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
    ("set_group_card", "NotFound", "member", *_GROUP),
    ("set_group_special_title", "NotFound", "member", *_GROUP),
    ("set_group_kick", "NotFound", "member", "MEMBER_NOT_FOUND", "人员不存在"),
    ("set_group_kick", "PermissionDenied", "", "NOT_MANAGEABLE", "机器人权限不足"),
    ("set_group_ban", "NotFound", "member", *_GROUP),
    ("set_group_ban", "PermissionDenied", "", "NOT_MANAGEABLE", "机器人权限不足"),
    ("set_group_admin", "NotFound", "member", "GROUP_MEMBER_NOT_FOUND", "群成员不存在"),
    ("set_group_admin", "NotFound", "group", "PERMISSION_DENIED", "群不存在或权限不足"),
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
