"""/ask → name? → the next message is the name: a matcher left waiting between messages."""

from nonebot import on_command
from nonebot.adapters.onebot.v11 import Message
from nonebot.params import ArgPlainText

ask = on_command("ask")


@ask.got("name", prompt="name?")
async def _(name: str = ArgPlainText()) -> None:
    await ask.finish(Message(f"hi {name}"))
