"""ping → pong (a NoneBot2 plugin of the in-process tests)."""

from nonebot import on_fullmatch

ping = on_fullmatch("ping")


@ping.handle()
async def _() -> None:
    await ping.finish("pong")
