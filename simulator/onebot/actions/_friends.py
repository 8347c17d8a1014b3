"""The bot's friends as NapCat lists them (``get_friend_list``, friends by category)."""

from __future__ import annotations

from typing import TypedDict

from ..context import ActionContext


class FriendInfo(TypedDict):
    birthday_year: int
    birthday_month: int
    birthday_day: int
    user_id: int
    age: int
    phone_num: str
    email: str
    category_id: int
    nickname: str
    remark: str
    sex: str
    level: int


def friend_infos(ctx: ActionContext) -> list[FriendInfo]:
    """The bot's friends, with the remark the bot gave each (one join: a bot may have 30k)."""
    return [{
        "birthday_year": 2026 - age if age else 0,
        "birthday_month": 0,
        "birthday_day": 0,
        "user_id": user_id,
        "age": age,
        "phone_num": "",
        "email": "",
        "category_id": 0,
        "nickname": nickname,
        "remark": remark,
        "sex": sex,
        "level": level,
    } for user_id, remark, nickname, sex, age, level in ctx.world.accounts.friend_rows(
        ctx.self_id)]
