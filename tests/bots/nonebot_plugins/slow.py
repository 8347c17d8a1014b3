"""slow → done, after thinking for 0.3 s: longer than any idle window wait_quiet had."""

import asyncio

from nonebot import on_fullmatch

slow = on_fullmatch("slow")


@slow.handle()
async def _() -> None:
    # Real time on purpose: this plugin is a bot that is slow, and wait_quiet must wait for
    # its open handler, however long it thinks.
    await asyncio.sleep(0.3)
    await slow.finish("done")
