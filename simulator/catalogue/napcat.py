"""NapCat's words for every failure: the ``message`` and ``wording`` a bot reads.

One template per ``Why``, filled from the error's data (``str.format`` fields). Texts
are NapCat 4.18's where NapCat has one (napcat.md); where qqsim refuses something
NapCat would not check, the text is written in NapCat's manner. Only this module
says how NapCat words a failure; ``errors.py`` renders through it, so it is also
what ``str(error)`` returns.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..why import Why

#: What NapCat appends to a failed group-management request.
_MANAGE = " Setting: {setting} ErrCode: {code} ErrMsg: {cause}"

TEXTS: dict[Why, str] = {
    # -- accounts and friends --
    Why.ACCOUNT_EXISTS: "账号 {user_id} 已存在",
    Why.USER_NOT_FOUND: "Uin2Uid Error: 用户ID {user_id} 不存在",
    Why.ACCOUNT_OFFLINE: "发送消息失败: {user_id} 已离线",
    Why.ALREADY_FRIENDS: "{user_id} 与 {other_id} 已是好友",
    Why.NOT_A_FRIEND: "用户 {user_id} 不是好友",
    Why.LIKE_LIMIT: "点赞失败 今日同一好友点赞数已达上限",
    Why.NOT_A_BOT: "{user_id} 不是机器人账号",
    Why.CATEGORY_NOT_FOUND: "分组 {category_id} 不存在",
    Why.BAD_STATUS: "设置在线状态失败",
    Why.EMPTY_NICKNAME: "昵称不能为空",
    # -- groups and members --
    Why.GROUP_NOT_FOUND: "群{group_id}不存在",
    Why.MEMBER_NOT_FOUND: "群({group_id})成员{user_id}不存在",
    Why.GROUP_EXISTS: "群{group_id}已存在",
    Why.ALREADY_IN_GROUP: "{user_id} 已在群{group_id}中",
    Why.GROUP_FULL: "群{group_id}人数已满",
    Why.NOT_A_MEMBER: "{user_id} 不是群{group_id}的成员",
    Why.CANNOT_MUTE_OWNER: "cannot ban owner",
    Why.CANNOT_MUTE_ADMIN: "cannot ban admin",
    Why.NOT_GROUP_ADMIN: "ERR_NOT_GROUP_ADMIN",
    Why.NOT_GROUP_OWNER: "ERR_NOT_GROUP_OWNER",
    Why.UNKNOWN_INVITE_POLICY: "未知的邀请策略 {policy}",
    Why.UNKNOWN_JOIN_OPTION: "未知的加群方式 {option}",
    Why.TODO_NOT_FOUND: "群待办不存在",
    Why.REQUEST_NOT_FOUND: "No such request",
    # -- messages --
    Why.MESSAGE_NOT_FOUND: "消息不存在",
    Why.SEND_NOT_A_MEMBER: "发送消息失败: {user_id} 不是群{group_id}的成员",
    Why.SEND_MUTED: "发送消息失败: {user_id} 在群{group_id}中被禁言",
    Why.SEND_NO_PEER: "无法获取用户信息",
    Why.SEND_NO_RELATION: "发送消息失败: {user_id} 不是好友, 也没有共同的群",
    Why.RECALL_NOT_FOUND: "Recall failed",
    Why.RECALL_TOO_LATE: "Recall failed: 只能撤回自己两分钟内发送的消息",
    Why.RECALL_NOT_A_MEMBER: "Recall failed: {user_id} 不是群{group_id}的成员",
    Why.RECALL_DENIED: "Recall failed: 无权撤回此消息",
    Why.EMPTY_EMOJI_ID: "表情ID不能为空",
    Why.NOT_IN_PRIVATE_CHAT: "{user_id} 不在这个私聊中",
    Why.MESSAGE_RECALLED: "消息已被撤回",
    Why.ALREADY_ESSENCE: "该消息已是精华消息",
    Why.ESSENCE_NOT_FOUND: "精华消息不存在",
    Why.EMPTY_NOTICE: "公告内容不能为空",
    Why.NOTICE_NOT_FOUND: "公告不存在",
    # -- albums and Qzone --
    Why.ALBUM_NOT_FOUND: "相册 {album_id} 不存在",
    Why.PHOTO_NOT_FOUND: "照片 {photo_id} 不存在",
    Why.PHOTO_DELETE_DENIED: "没有权限删除该照片",
    Why.EMPTY_COMMENT: "评论内容不能为空",
    Why.BAD_UGC_RIGHT: "ugc_right 参数不合法, 允许的值为: 1, 4, 16, 64, 128",
    Why.UGC_TARGETS_MISSING: "ugc_right 为 16 或 128 时, target_uins 不能为空",
    # Qzone answers a missing post with subcode -4005; NapCat quotes its fallback text.
    Why.QZONE_POST_NOT_FOUND: "QQ空间删说说失败, subcode=-4005",
    # -- group files --
    Why.EMPTY_FOLDER_NAME: "文件夹名称不能为空",
    Why.FOLDER_EXISTS: "同名文件夹已存在",
    Why.FOLDER_NOT_FOUND: "文件夹不存在",
    Why.UPLOAD_FOLDER_NOT_FOUND: "文件夹{folder_id}不存在",
    Why.TARGET_FOLDER_NOT_FOUND: "目标文件夹不存在",
    Why.EMPTY_FILE: "文件异常，大小为0",
    Why.FILE_NOT_IN_FOLDER: "文件不在当前目录中",
    Why.EMPTY_FILE_NAME: "文件名不能为空",
    Why.FILE_NOT_FOUND: "文件不存在",
    # -- media, forwards, transfers and streams --
    Why.MEDIA_NOT_FOUND: "file not found",
    Why.FORWARD_NOT_FOUND: "ResId无效: 找不到相关的聊天记录",
    Why.ONLINE_FILE_NOT_FOUND: "在线文件 {msg_id} 不存在",
    Why.ONLINE_FILE_ENDED: "在线文件 {msg_id} 已结束 ({state})",
    Why.EMPTY_FLASH_SET: "闪传文件列表为空",
    Why.FLASH_SET_NOT_FOUND: "文件集 {fileset_id} 不存在或已过期",
    Why.BAD_CHUNK_INDEX: "Invalid chunk index: {index}",
    Why.MISSING_CHUNK: "Missing memory chunk {index}",
    Why.SHA256_MISMATCH: "SHA256 mismatch. Expected: {expected}, Got: {got}",
    Why.STREAM_NOT_FOUND: "Stream not found",
    # -- the store --
    Why.STORE_FAILED: "存储失败",
    # -- faults armed by a test --
    # A kernel call that never came back (napcat.md §3.3).
    Why.KERNEL_TIMEOUT: "PromiseTimer: Operation timed out",
    # NapCat has no rate limiter of its own; the text says plainly what happened.
    Why.RATE_LIMITED: "qqsim rate limit: more than {limit} calls in {per:g}s",
    # == the OneBot layer's own refusals ==
    # -- parameters NapCat's schemas or handlers reject --
    Why.EXPECTED_OBJECT: "Schema compilation error: Expected object",
    # NapCat passes lone surrogates on; SQLite cannot store them, so qqsim refuses them.
    Why.LONE_SURROGATE_IN_KEY: "Schema compilation error: Expected property name without "
                               "lone surrogates, found U+{code_point:04X} ({place})",
    Why.LONE_SURROGATE_IN_STRING: "Schema compilation error: Expected string without lone "
                                  "surrogates, found U+{code_point:04X} ({place})",
    Why.EXPECTED_UNION: "Schema compilation error: Expected union value",
    Why.EXPECTED_NUMBER: "Schema compilation error: Expected number (/{name})",
    Why.NODE_MIX: "转发消息不能和普通消息混在一起发送,转发需要保证message只有type为node的元素",
    Why.MESSAGE_ID_EMPTY: "参数message_id不能为空",
    Why.MESSAGE_ID_REQUIRED: "message_id is required",
    Why.PEER_MISSING: "user_id or group_id is required",
    Why.CARD_TARGET_MISSING: "group_id or user_id is required",
    Why.POKE_TARGET_MISSING: "请检查参数，缺少 user_id 或 group_id",
    Why.READ_TARGET_MISSING: "缺少参数 group_id 或 user_id",
    Why.TODO_ID_MISSING: "缺少参数 message_id 或 message_seq",
    Why.ESSENCE_ID_MISSING: "必须提供 message_id 或者同时提供 msg_seq, msg_random, group_id",
    Why.PERMISSIONS_MISSING: "至少需要提供一个群成员功能权限",
    Why.LONG_ID_NEEDS_GROUP: "长ID模式下必须提供群号",
    Why.FACE_IDS_REQUIRED: "res_id or ids is required",
    Why.TOTAL_CHUNKS_REQUIRED: "total_chunks required for new stream",
    Why.GET_INFO_ERROR: "get info error",
    # -- sending (onebot/actions/_sending.py, _forwards.py, _timeout.py) --
    Why.UNKNOWN_SEGMENT: "未知的消息类型：{kind}",
    Why.SEGMENTS_UNPARSABLE: "消息体无法解析, 请检查是否发送了不支持的消息类型",
    # An @-mention of an account QQ does not know.
    Why.GET_UID_ERROR: "Get Uid Error",
    Why.URL_UNRECOGNISED: "文件处理失败: 识别URL失败, uri= {uri}",
    Why.PRIVATE_NEEDS_USER_ID: "当前私聊发送,请指定 user_id 而不是 group_id",
    Why.GROUP_NEEDS_GROUP_ID: "当前群聊发送,请指定 group_id 而不是 user_id",
    Why.NO_TARGET: "请指定正确的 group_id 或 user_id",
    Why.EMPTY_MESSAGE: "参数message不能为空",
    Why.MESSAGE_UNPARSABLE: "消息体无法解析, 请检查是否发送了不支持的消息类型: {cause}",
    Why.MESSAGE_TOO_LONG: "发送消息失败: 消息过长 ({length} 个字符, 上限 {limit})",
    Why.NODE_MESSAGE_NOT_FOUND: "消息{message_id}不存在",
    Why.NODE_UNPARSABLE: "消息体无法解析: {cause}",
    Why.FORWARD_TOO_DEEP: "转发消息嵌套过深",
    # ``callNormalEventV2``'s timeout text for ``sendMsg``; ``EventRet`` is what the kernel
    # answered the call itself (``JSON.stringify(ret, null, 4)``): it took the message.
    Why.SEND_TIMEOUT: (
        "Timeout: NTEvent serviceAndMethod:NodeIKernelMsgService/sendMsg "
        "ListenerName:NodeIKernelMsgListener/onMsgInfoListUpdate EventRet:\n"
        '{{\n    "result": 0,\n    "errMsg": ""\n}}\n'
    ),
    # SendMsg.ts (packet mode) swallows the send's error and reports the res_id.
    Why.FORWARD_SEND_TIMEOUT: "发送转发消息（res_id：{res_id} 失败",
    Why.FORWARD_UNAVAILABLE: "消息已过期或者为内层消息，无法获取转发消息",
    Why.FORWARD_SOURCE_NOT_FOUND: "无法找到消息{message_id}",
    Why.FORWARD_PEER_NOT_FOUND: "无法找到私聊对象{user_id}",
    # NapCat reads payload.group_id!.toString() here and the call throws.
    Why.UNDEFINED_GROUP_ID: "Cannot read properties of undefined (reading 'toString')",
    Why.FORWARD_RECALLED: "转发消息失败 消息已被撤回",
    Why.FORWARD_FAILED: "转发消息失败 {cause}",
    # -- messages the bot looks up (history.py, reactions.py, message_tools.py, essence) --
    Why.MESSAGE_GONE: "消息不存在或已被撤回",
    Why.UNSEEN_MESSAGE: "msg not found",
    Why.FIND_MSG_ERROR: "find msg by msgid error",
    Why.EMOJI_ID_NOT_FOUND: "emojiId not found",
    Why.HISTORY_ANCHOR_NOT_FOUND: "消息{seq}不存在",
    # No message_seq given: NapCat prints the JavaScript ``undefined`` it read.
    Why.HISTORY_EMPTY: "消息undefined不存在",
    Why.HISTORY_PEER_NOT_FOUND: "记录{user_id}不存在",
    Why.PRIVATE_CHAT_NOT_FOUND: "私聊{user_id}不存在",
    Why.READ_NOT_IN_GROUP: "设置已读失败,机器人不在群{group_id}中",
    Why.NO_VOICE: "消息中不包含语音",
    Why.PTT_TEXT_FAILED: "获取语音转文字结果失败",
    # -- accounts, groups and members as handlers check them --
    Why.BOT_NOT_IN_GROUP: "机器人不在群{group_id}中",
    Why.USER_STATUS_UNAVAILABLE: "无法获取用户状态",
    Why.UID_EMPTY: "uid is empty",
    Why.PEER_NOT_FOUND: "User not found",
    Why.KICK_UID_ERROR: "get Uid Error",
    Why.BAN_UID_ERROR: "uid error",
    Why.BAN_NOT_IN_GROUP: "user not in group",
    Why.WHOLE_BAN_FAILED: "SetGroupWholeBan failed: {cause} 10003",
    # NapCat polls its member cache and gives up when the card did not change.
    Why.CARD_NOT_APPLIED: "设置群名片未生效",
    Why.RENAME_FAILED: "设置群名称失败 ErrCode: 10003 ErrMsg: {cause}",
    Why.ANONYMOUS_FLAG_NOT_FOUND: "FLAG_NOT_FOUND: {flag}",
    Why.ANONYMOUS_FLAG_MISSING: "FLAG_NOT_FOUND: 缺少 flag",
    Why.MEMBER_LIST_UNAVAILABLE: "Failed to get group member list for group {group_id}",
    Why.SIGNED_LIST_UNAVAILABLE: "无法获取该群组打卡列表",
    Why.NOTICES_UNAVAILABLE: "获取公告失败",
    Why.COLLECTION_UNAVAILABLE: "获取收藏列表失败",
    Why.AI_VOICE_FAILED: "sendAiVoiceChatReq failed after 30 times",
    Why.ALBUM_SESSION_FAILED: "创建群相册会话失败",
    Why.QZONE_IMAGE_FAILED: "图片{image}处理失败, {cause}",
    # A world refusal passed on in another class, worded as the world worded it.
    Why.REFUSED: "{cause}",
    # -- group settings: NapCat quotes the kernel's ``<result>:<errMsg>`` --
    Why.SET_ADD_OPTION_FAILED: "设置群添加选项失败, {code}:{cause}",
    Why.SET_ROBOT_OPTION_FAILED: "设置群机器人添加选项失败, {code}:{cause}",
    Why.SET_SEARCH_FAILED: "设置群搜索失败, {code}:{cause}",
    Why.SET_REMARK_FAILED: "设置群备注失败, {code}:{cause}",
    Why.MANAGE_INVITE_FAILED: "设置群成员邀请策略失败" + _MANAGE,
    Why.MANAGE_PERMISSIONS_FAILED: "设置群成员功能权限失败" + _MANAGE,
    Why.MANAGE_HISTORY_FAILED: "设置新成员历史消息可见性失败" + _MANAGE,
    Why.AVATAR_BAD_FILE: "头像{file}设置失败,file字段可能格式不正确",
    Why.AVATAR_NOT_IMAGE: "头像{file}设置失败，文件可能不是图片格式",
    Why.PORTRAIT_UNAVAILABLE: "头像{file}设置失败,无法获取头像,文件可能不存在",
    Why.PORTRAIT_REFUSED: "头像{file}设置失败，文件可能不是图片格式或权限不足",
    Why.PORTRAIT_FAILED: "头像{file}设置失败,未知的错误,{code}:{cause}",
    Why.NOTICE_IMAGE_BAD: "群公告{uri}设置失败,image字段可能格式不正确",
    Why.NOTICE_IMAGE_UNAVAILABLE: "群公告{uri}设置失败,获取资源失败",
    Why.NOTICE_FAILED: "设置群公告失败,错误信息:{cause}",
    # -- files, media and streams the handlers read --
    Why.REMOTE_FILE_NOT_FETCHED: "文件处理失败: qqsim 不下载远程文件, "
                                 "请用 base64:// 或存储目录内的路径, uri= {uri}",
    Why.REMOTE_FILE_NOT_DOWNLOADED: "文件处理失败: qqsim 不下载远程文件, uri= {uri}",
    Why.LOCAL_FILE_NOT_FOUND: "[NapCat] 文件不存在: {path}",
    Why.LOCAL_FILE_OUTSIDE_STORAGE: "文件处理失败: 本地文件不在 qqsim 的存储目录内, "
                                    "uri= {uri}",
    Why.PATH_OUTSIDE_STORAGE: "文件处理失败: 本地文件不在 qqsim 的存储目录 (--storage) 内, "
                              "uri= {uri}",
    Why.NO_STORAGE: "qqsim 没有配置存储目录",
    Why.ELEMENT_NOT_FOUND: "element {element_id} not found",
    Why.FILE_GROUP_NOT_FOUND: "Group not found",
    Why.FILE_UUID_NOT_FOUND: "real fileUUID not found!",
    Why.FILE_URL_UNAVAILABLE: "获取群文件链接失败: 文件不存在或已删除",
    Why.BAD_FILE_ID: "Invalid file_id",
    Why.DOWNLOAD_NOT_FOUND: "Download failed: file not found",
    Why.DOWNLOAD_NOT_LOCAL: "Download failed: 文件未下载到本地: {name}",
    Why.DOWNLOAD_BAD_CHUNK: ('Download failed: The value of "highWaterMark" is out of range. '
                             "It must be >= 0. Received {chunk}"),
    Why.DOWNLOAD_BAD_FORMAT: "Download failed: 转换失败 out_format 字段可能格式不正确",
    Why.BAD_OUT_FORMAT: "转换失败 out_format 字段可能格式不正确",
    # NapCat answers a reset as an error.
    Why.STREAM_RESET: "Stream reset completed",
    Why.BAD_BASE64: "文件处理失败: base64 数据无法解码",
    # qqsim makes no outbound connection (and the OneBot layer does no I/O).
    Why.NO_DOWNLOADS: "下载失败: qqsim 不从网络下载文件; 请改用 base64 "
                      "或存储目录内的 file:// 路径, url= {url}",
    Why.NOTHING_TO_DOWNLOAD: "不存在任何文件, 无法下载",
    Why.FILE_WRITE_FAILED: "文件写入失败, 检查权限",
    Why.OCR_BAD_IMAGE: "OCR {image}失败, image字段可能格式不正确",
    Why.OCR_IMAGE_MISSING: "OCR {image}失败, 文件可能不存在",
}


class _Shown(dict[str, object]):
    # A field the raise site forgot stays visible as ``{name}`` instead of making
    # ``str(error)`` itself raise; tests/test_error_catalogue.py catches it statically.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(why: Why, data: Mapping[str, object]) -> str:
    """NapCat's text for the failure ``why`` with its ``data``."""
    return TEXTS[why].format_map(_Shown(data))
