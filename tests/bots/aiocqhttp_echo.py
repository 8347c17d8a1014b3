"""A tiny aiocqhttp bot, in aiocqhttp's default mode: it serves reverse WebSocket.

Unmodified aiocqhttp from PyPI: ``CQHttp(access_token=...)`` then
``bot.run(host, port)`` serves ``/ws/`` (universal), ``/ws/api/`` and
``/ws/event/``; qqsim connects to it. Configured by ``QQSIM_BOT_HOST``,
``QQSIM_BOT_PORT`` and ``QQSIM_TOKEN``. It answers "ping" with "pong" in
groups, and replies "you said: X" in private chats.
"""

from __future__ import annotations

import os
from typing import Any

from aiocqhttp import CQHttp, Event

bot = CQHttp(access_token=os.environ.get("QQSIM_TOKEN") or None)


@bot.on_message("group")
async def _group(event: Event) -> Any:
    if event.raw_message == "ping":
        await bot.send(event, "pong")


@bot.on_message("private")
async def _private(event: Event) -> Any:
    await bot.send(event, f"you said: {event.raw_message}")


if __name__ == "__main__":
    bot.run(host=os.environ.get("QQSIM_BOT_HOST", "127.0.0.1"),
            port=int(os.environ["QQSIM_BOT_PORT"]))
