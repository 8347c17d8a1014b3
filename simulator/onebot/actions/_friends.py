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
    """The bot's friends, with the remark the bot gave each."""
    friends: list[FriendInfo] = []
    for friend in ctx.world.accounts.friends_of(ctx.self_id):
        account = ctx.world.accounts.get(friend.friend_id)
        friends.append({
            "birthday_year": 2026 - account.age if account.age else 0,
            "birthday_month": 0,
            "birthday_day": 0,
            "user_id": account.user_id,
            "age": account.age,
            "phone_num": "",
            "email": "",
            "category_id": 0,
            "nickname": account.nickname,
            "remark": friend.remark,
            "sex": account.sex,
            "level": account.qq_level,
        })
    return friends
