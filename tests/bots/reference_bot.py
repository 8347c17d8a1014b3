"""qqsim's reference bot: a small OneBot 11 bot with predictable behaviour, for scenarios.

Plain trio + trio-websocket over a forward WebSocket (``QQSIM_WS_URL``, token
``QQSIM_TOKEN``), so it starts in a blink; the shipped scenarios in
``scenarios/`` check exactly what it does. Run it as a script (the runner's
``--bot-cmd``) or in-process with ``run_bot(url)``.

Messages (group or private; the text is the message's text segments):

    ping                 → pong
    echo X               → X
    hb?                  → "heartbeats: N" (heartbeats received since the last hb?)
    /mute @who N         → set_group_ban(who, N s); says why if it fails or times out
    /kick @who           → set_group_kick
    /recall (replying)   → delete_msg of the quoted message
    /quote               → a reply quoting the trigger, mentioning the sender: "收到"
    /burst N             → N messages "burst 1".."burst N", as fast as it can
    /whoami              → get_group_member_info, then "你是 <card or nickname> (<role>)"
    /info                → get_group_info and get_group_member_list at once, then
                           "<group name>: <n> 人"
    /notices             → _get_group_notice, then the latest notice's text

Notices and requests:

    group_increase → "欢迎" with an @; group_decrease → "<user> 离开了本群" /
    "<user> 被移出了本群"; group_admin set → "恭喜 <user> 成为管理员";
    group_ban → "<user> 被禁言 <d> 秒" / "全员禁言已开启" / "全员禁言已关闭";
    group_recall → "<user> 撤回了一条消息", or "撤回了一条我没见过的消息" when the
    message never reached the bot (events out of order); poke of the bot →
    "别戳我"; group_msg_emoji_like → "收到表情回应 <id>"; essence → "精华 +1";
    group_upload → "收到文件 <name>"; group_card → "<user> 的新名片: <card>";
    notify title → "恭喜 <user> 获得头衔 <title>"; notify group_name → "群名改为 <name>";
    profile_like → a private "谢谢你的赞"; friend_add → a private "你好";
    friend requests → approved; group join requests → approved when the comment
    says "qqsim", else rejected ("答案错误"); invitations → approved.

Robustness, as a careful bot would have it: a failed send is retried once; a
call unanswered after ``CALL_TIMEOUT`` seconds gives up; events seen twice
(same message id) are handled once; frames that are not JSON are ignored; a
dropped connection is reopened after ``RECONNECT_DELAY`` seconds.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from trio_websocket import ConnectionClosed, HandshakeError, WebSocketConnection, open_websocket_url

log = logging.getLogger("reference_bot")

CALL_TIMEOUT = 1.0
#: The bot's own pause before it dials again (what a real bot does, not a wait of a test).
RECONNECT_DELAY = 0.05

Event = dict[str, Any]
Segments = list[dict[str, Any]]


class CallFailed(Exception):
    """The call was answered with a failure, or not answered in time."""


class ReferenceBot:
    def __init__(self) -> None:
        self._ws: WebSocketConnection | None = None
        self._echoes = itertools.count(1)
        self._waiting: dict[str, trio.MemorySendChannel[dict[str, Any]]] = {}
        self.heartbeats = 0
        #: Message ids seen, with their time: a duplicate delivery has both the same.
        self.seen: dict[int, int] = {}

    # -- the connection -------------------------------------------------------------

    async def run(self, url: str, token: str = "") -> None:
        headers = [("Authorization", f"Bearer {token}")] if token else []
        while True:
            try:
                async with open_websocket_url(url, extra_headers=headers) as ws:
                    self._ws = ws
                    await self._serve(ws)
            except* (ConnectionClosed, HandshakeError, OSError) as lost:
                log.info("connection lost (%s); reconnecting", lost.exceptions[0])
            finally:
                self._ws = None
                for channel in self._waiting.values():
                    channel.close()
                self._waiting.clear()
            await trio.sleep(RECONNECT_DELAY)

    async def _serve(self, ws: WebSocketConnection) -> None:
        async with trio.open_nursery() as nursery:
            while True:
                text = await ws.get_message()
                try:
                    frame = json.loads(text)
                except ValueError:
                    log.warning("ignored a frame that is not JSON: %.60r", text)
                    continue
                if not isinstance(frame, dict):
                    continue
                if "echo" in frame and "post_type" not in frame:
                    waiter = self._waiting.pop(str(frame["echo"]), None)
                    if waiter is not None:
                        waiter.send_nowait(frame)
                    continue
                nursery.start_soon(self._on_event, frame)

    async def call(self, action: str, **params: Any) -> Any:
        """Call an action; its ``data``, or CallFailed (failure or no answer in time)."""
        ws = self._ws
        if ws is None:
            raise CallFailed("not connected")
        echo = str(next(self._echoes))
        send, receive = trio.open_memory_channel[dict[str, Any]](1)
        self._waiting[echo] = send
        await ws.send_message(json.dumps({"action": action, "params": params, "echo": echo}))
        with trio.move_on_after(CALL_TIMEOUT):
            try:
                answer = await receive.receive()
            except trio.EndOfChannel:
                raise CallFailed("the connection closed") from None
            if answer.get("status") != "ok":
                raise CallFailed(str(answer.get("message") or answer.get("retcode")))
            return answer.get("data")
        self._waiting.pop(echo, None)
        raise CallFailed("timeout")

    async def send(self, where: Event, message: Segments | str) -> None:
        """Say ``message`` where ``where`` (an event) came from; retry a failed send once."""
        body = [{"type": "text", "data": {"text": message}}] if isinstance(message, str) \
            else message
        if where.get("group_id") and where.get("message_type", "group") == "group":
            action, params = "send_group_msg", {"group_id": where["group_id"]}
        else:
            action, params = "send_private_msg", {"user_id": where["user_id"]}
        for attempt in (1, 2):
            try:
                await self.call(action, **params, message=body)
                return
            except CallFailed as exc:
                log.warning("%s failed (attempt %d): %s", action, attempt, exc)

    # -- events ---------------------------------------------------------------------

    async def _on_event(self, event: Event) -> None:
        post_type = event.get("post_type")
        if post_type == "meta_event":
            if event.get("meta_event_type") == "heartbeat":
                self.heartbeats += 1
            return
        if post_type == "message":
            message_id, when = event.get("message_id"), event.get("time")
            if isinstance(message_id, int):
                if self.seen.get(message_id) == when:
                    return  # a duplicate delivery
                if message_id in self.seen:
                    self.seen.clear()  # an id reused at another time: a new world (qqsim reset)
                self.seen[message_id] = when
            await self._on_message(event)
        elif post_type == "notice":
            handler = NOTICES.get(str(event.get("notice_type")))
            if handler is not None:
                await handler(self, event)
        elif post_type == "request":
            await self._on_request(event)

    async def _on_message(self, event: Event) -> None:
        segments: Segments = event.get("message") or []
        if isinstance(segments, str):
            segments = [{"type": "text", "data": {"text": segments}}]
        text = "".join(s["data"].get("text", "") for s in segments if s["type"] == "text").strip()
        ats = [int(s["data"]["qq"]) for s in segments
               if s["type"] == "at" and str(s["data"].get("qq")).isdigit()]
        command, _, rest = text.partition(" ")
        handler = COMMANDS.get(command)
        if handler is not None:
            await handler(self, event, rest.strip(), ats, segments)

    async def _on_request(self, event: Event) -> None:
        flag = event.get("flag")
        if event.get("request_type") == "friend":
            await self._try("set_friend_add_request", flag=flag, approve=True)
        elif event.get("sub_type") == "invite":
            await self._try("set_group_add_request", flag=flag, approve=True)
        else:
            approve = "qqsim" in str(event.get("comment", ""))
            await self._try("set_group_add_request", flag=flag, approve=approve,
                            reason="" if approve else "答案错误")

    async def _try(self, action: str, **params: Any) -> Any:
        try:
            return await self.call(action, **params)
        except CallFailed as exc:
            log.warning("%s failed: %s", action, exc)
            return None


Command = Callable[[ReferenceBot, Event, str, list[int], Segments], Awaitable[None]]


async def _ping(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    if not rest:
        await bot.send(event, "pong")


async def _echo(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    await bot.send(event, rest)


async def _heartbeats(bot: ReferenceBot, event: Event, rest: str, ats: list[int],
                      s: Segments) -> None:
    count, bot.heartbeats = bot.heartbeats, 0
    await bot.send(event, f"heartbeats: {count}")


async def _mute(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    seconds = re.findall(r"\d+", rest)
    if not ats or not seconds:
        await bot.send(event, "用法: /mute @某人 秒数")
        return
    try:
        await bot.call("set_group_ban", group_id=event["group_id"], user_id=ats[0],
                       duration=int(seconds[-1]))
    except CallFailed as exc:
        await bot.send(event, "操作超时" if str(exc) == "timeout" else f"禁言失败: {exc}")


async def _kick(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    if ats:
        await bot._try("set_group_kick", group_id=event["group_id"], user_id=ats[0])


async def _recall(bot: ReferenceBot, event: Event, rest: str, ats: list[int],
                  segments: Segments) -> None:
    quoted = next((seg["data"]["id"] for seg in segments if seg["type"] == "reply"), None)
    if quoted is not None:
        await bot._try("delete_msg", message_id=int(quoted))


async def _quote(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    await bot.send(event, [
        {"type": "reply", "data": {"id": str(event["message_id"])}},
        {"type": "at", "data": {"qq": str(event["user_id"])}},
        {"type": "text", "data": {"text": " 收到"}},
    ])


async def _burst(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    count = int(rest) if rest.isdigit() else 3
    for index in range(1, count + 1):
        await bot.send(event, f"burst {index}")


async def _whoami(bot: ReferenceBot, event: Event, rest: str, ats: list[int],
                  s: Segments) -> None:
    info = await bot._try("get_group_member_info", group_id=event["group_id"],
                          user_id=event["user_id"])
    if info:
        await bot.send(event, f"你是 {info['card'] or info['nickname']} ({info['role']})")


async def _info(bot: ReferenceBot, event: Event, rest: str, ats: list[int], s: Segments) -> None:
    found: dict[str, Any] = {}

    async def fetch(action: str) -> None:
        found[action] = await bot._try(action, group_id=event["group_id"])

    async with trio.open_nursery() as nursery:
        nursery.start_soon(fetch, "get_group_member_list")
        nursery.start_soon(fetch, "get_group_info")
    if found.get("get_group_info") and found.get("get_group_member_list") is not None:
        members = len(found["get_group_member_list"])
        await bot.send(event, f"{found['get_group_info']['group_name']}: {members} 人")


async def _notices(bot: ReferenceBot, event: Event, rest: str, ats: list[int],
                   s: Segments) -> None:
    notices = await bot._try("_get_group_notice", group_id=event["group_id"])
    if notices:
        await bot.send(event, f"最新公告: {notices[0]['message']['text']}")
    elif notices is not None:
        await bot.send(event, "没有公告")


COMMANDS: dict[str, Command] = {
    "ping": _ping, "echo": _echo, "hb?": _heartbeats, "/mute": _mute, "/kick": _kick,
    "/recall": _recall, "/quote": _quote, "/burst": _burst, "/whoami": _whoami,
    "/info": _info, "/notices": _notices,
}

Notice = Callable[[ReferenceBot, Event], Awaitable[None]]


async def _increase(bot: ReferenceBot, e: Event) -> None:
    await bot.send(e, [{"type": "at", "data": {"qq": str(e["user_id"])}},
                       {"type": "text", "data": {"text": " 欢迎入群"}}])


async def _decrease(bot: ReferenceBot, e: Event) -> None:
    if e.get("sub_type") != "kick_me":
        verb = "离开了本群" if e.get("sub_type") == "leave" else "被移出了本群"
        await bot.send(e, f"{e['user_id']} {verb}")


async def _admin(bot: ReferenceBot, e: Event) -> None:
    if e.get("sub_type") == "set":
        await bot.send(e, f"恭喜 {e['user_id']} 成为管理员")


async def _ban(bot: ReferenceBot, e: Event) -> None:
    if e.get("user_id") == 0:
        await bot.send(e, "全员禁言已开启" if e.get("sub_type") == "ban" else "全员禁言已关闭")
    elif e.get("sub_type") == "ban" and e.get("user_id") != e.get("self_id"):
        await bot.send(e, f"{e['user_id']} 被禁言 {e['duration']} 秒")


async def _group_recall(bot: ReferenceBot, e: Event) -> None:
    if e.get("message_id") in bot.seen:
        await bot.send(e, f"{e['user_id']} 撤回了一条消息")
    else:
        await bot.send(e, "撤回了一条我没见过的消息")


async def _notify(bot: ReferenceBot, e: Event) -> None:
    sub = e.get("sub_type")
    if sub == "poke" and e.get("target_id") == e.get("self_id"):
        where = e if e.get("group_id") else {**e, "user_id": e.get("sender_id", e["user_id"])}
        await bot.send(where, "别戳我")
    elif sub == "title":
        await bot.send(e, f"恭喜 {e['user_id']} 获得头衔 {e['title']}")
    elif sub == "group_name":
        await bot.send(e, f"群名改为 {e['name_new']}")
    elif sub == "profile_like":
        await bot.send({"user_id": e["operator_id"]}, "谢谢你的赞")


async def _emoji_like(bot: ReferenceBot, e: Event) -> None:
    likes = e.get("likes") or [{}]
    await bot.send(e, f"收到表情回应 {likes[0].get('emoji_id')}")


async def _essence(bot: ReferenceBot, e: Event) -> None:
    await bot.send(e, "精华 +1")


async def _upload(bot: ReferenceBot, e: Event) -> None:
    await bot.send(e, f"收到文件 {e['file']['name']}")


async def _card(bot: ReferenceBot, e: Event) -> None:
    await bot.send(e, f"{e['user_id']} 的新名片: {e['card_new']}")


async def _friend_add(bot: ReferenceBot, e: Event) -> None:
    await bot.send({"user_id": e["user_id"]}, "你好")


NOTICES: dict[str, Notice] = {
    "group_increase": _increase, "group_decrease": _decrease, "group_admin": _admin,
    "group_ban": _ban, "group_recall": _group_recall, "notify": _notify,
    "group_msg_emoji_like": _emoji_like, "essence": _essence, "group_upload": _upload,
    "group_card": _card, "friend_add": _friend_add,
}


async def run_bot(url: str, token: str = "") -> None:
    """Run the reference bot until cancelled (reconnecting whenever the connection drops)."""
    await ReferenceBot().run(url, token)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="reference_bot %(message)s")
    trio.run(run_bot, os.environ["QQSIM_WS_URL"], os.environ.get("QQSIM_TOKEN", ""))


if __name__ == "__main__":
    main()
