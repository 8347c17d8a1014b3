"""A welcome for whoever joins a group."""

from nonebot import on_notice
from nonebot.adapters.onebot.v11 import GroupIncreaseNoticeEvent, MessageSegment

welcome = on_notice()


@welcome.handle()
async def _(event: GroupIncreaseNoticeEvent) -> None:
    await welcome.finish(MessageSegment.at(event.user_id) + " welcome")
