"""A tiny NoneBot2 bot used by the test suite, unmodified NoneBot + OneBot v11 adapter.

It connects to qqsim as a real user's bot would. With ``QQSIM_WS_URL`` set it
dials qqsim's forward WebSocket there. Otherwise it is configured entirely by
NoneBot's own environment variables, e.g. ``DRIVER=~fastapi`` with ``HOST``/
``PORT`` for a reverse-WebSocket / HTTP POST server, ``ONEBOT_API_ROOTS`` for
HTTP API calls, ``ONEBOT_ACCESS_TOKEN`` and ``ONEBOT_SECRET``. It answers
"ping" with "pong" and echoes "echo X".
"""

from __future__ import annotations

import os

import nonebot
from nonebot import on_command, on_fullmatch
from nonebot.adapters.onebot.v11 import Adapter, Bot, MessageEvent
from nonebot.adapters.onebot.v11 import Message as OneBotMessage
from nonebot.params import CommandArg

if "QQSIM_WS_URL" in os.environ:
    nonebot.init(
        driver="~none+~websockets",
        onebot_ws_urls={os.environ["QQSIM_WS_URL"]},
        onebot_access_token=os.environ.get("QQSIM_TOKEN", ""),
        command_start=[""],
        log_level="INFO",
    )
else:
    nonebot.init(command_start=[""], log_level="INFO")
nonebot.get_driver().register_adapter(Adapter)

ping = on_fullmatch("ping")


@ping.handle()
async def _pong(bot: Bot, event: MessageEvent) -> None:
    await ping.finish("pong")


echo = on_command("echo")


@echo.handle()
async def _echo(bot: Bot, event: MessageEvent, arg: OneBotMessage = CommandArg()) -> None:  # noqa: B008
    await echo.finish(arg)


if __name__ == "__main__":
    nonebot.run()
