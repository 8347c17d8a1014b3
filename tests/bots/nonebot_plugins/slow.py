"""slow → done, after thinking for 0.3 s: longer than any idle window wait_quiet had."""

import asyncio

from nonebot import on_fullmatch

slow = on_fullmatch("slow")


@slow.handle()
async def _() -> None:
    await asyncio.sleep(0.3)
    await slow.finish("done")
