"""Friend lists at scale: the friend list actions read a bot's friends in a fixed number of
SQL statements, whatever their number, and answer as they did when they looked each
friend up on its own (a bot with 30k friends held the event loop for seconds)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import BOT, Api
from sqlalchemy import event

from simulator import Simulator
from simulator.onebot.actions._util import nt_uid
from simulator.world import World
from simulator.world.profiles import AccountStateRow
from simulator.world.tables import FriendshipRow

FRIEND_KEYS = ["birthday_year", "birthday_month", "birthday_day", "user_id", "age",
               "phone_num", "email", "category_id", "nickname", "remark", "sex", "level"]
ZERO, ONE_WAY = 30001, 30002  # a friend of age 0 with a remark; someone the bot dropped


def arrange(sim: Simulator) -> int:
    """Remarks, ages, sexes, categories, statuses and a one-way friend; the new category."""
    world = sim.world
    world.accounts.add(ZERO, "零岁", sex="female", age=0, qq_level=7)
    world.accounts.befriend(BOT, ZERO, remark_a="小零")
    world.accounts.add(ONE_WAY, "单向", sex="male", age=19)
    world.accounts.befriend(BOT, ONE_WAY)
    world.social.delete_friend(BOT, ONE_WAY, both_ways=False)
    world.accounts.set_remark(BOT, 20002, "老王")
    work = world.social.create_category(BOT, "同事")
    world.social.create_category(BOT, "家人")
    world.social.move_friend(BOT, 20003, work)
    sim.person(20002).set_online_status(40)  # invisible: the bot sees them offline
    sim.person(20001).set_online_status(30)  # away: online
    world.profiles.go_offline(ZERO, "kicked", "logged in elsewhere")
    return work


def info(user_id: int, age: int, nickname: str, remark: str, sex: str, level: int
         ) -> dict[str, Any]:
    return {"birthday_year": 2026 - age if age else 0, "birthday_month": 0,
            "birthday_day": 0, "user_id": user_id, "age": age, "phone_num": "", "email": "",
            "category_id": 0, "nickname": nickname, "remark": remark, "sex": sex,
            "level": level}


ZHANG = info(20001, 31, "张伟", "", "male", 48)
WANG = info(20002, 27, "王芳", "老王", "female", 40)
LI = info(20003, 24, "李娜", "", "female", 22)
ZHAO = info(20007, 42, "赵敏", "", "female", 61)
LING = info(ZERO, 0, "零岁", "小零", "female", 7)


def test_friend_list_answers(api: Api, sim: Simulator) -> None:
    arrange(sim)
    friends = api.ok("get_friend_list")
    assert friends == [ZHANG, WANG, LI, ZHAO, LING]  # by QQ number, as the old look-ups
    assert all(list(friend) == FRIEND_KEYS for friend in friends)
    assert LING["birthday_year"] == 0  # no age, no birth year


def test_friends_with_category_answers(api: Api, sim: Simulator) -> None:
    work = arrange(sim)
    default, colleagues, family = api.ok("get_friends_with_category")
    assert default == {"categoryId": 0, "categorySortId": 0, "categoryName": "我的好友",
                       "categoryMbCount": 4, "onlineCount": 2,  # 王芳 invisible, 零岁 offline
                       "buddyList": [ZHANG, WANG, ZHAO, LING]}
    assert colleagues == {"categoryId": work, "categorySortId": work, "categoryName": "同事",
                          "categoryMbCount": 1, "onlineCount": 1, "buddyList": [LI]}
    assert family == {"categoryId": work + 1, "categorySortId": work + 1,
                      "categoryName": "家人", "categoryMbCount": 0, "onlineCount": 0,
                      "buddyList": []}


def test_unidirectional_friend_list_answers(api: Api, sim: Simulator) -> None:
    arrange(sim)
    assert api.ok("get_unidirectional_friend_list") == [
        {"uin": ONE_WAY, "uid": nt_uid(ONE_WAY), "nick_name": "单向", "age": 19, "source": ""}]


def test_stranger_info_remark(api: Api, sim: Simulator) -> None:
    arrange(sim)
    remarks = {uid: api.ok("get_stranger_info", {"user_id": uid})["remark"]
               for uid in (ZERO, 20002, 20004, ONE_WAY)}
    # A friend's remark; nobody else has one, not even someone the bot dropped one way.
    assert remarks == {ZERO: "小零", 20002: "老王", 20004: "", ONE_WAY: ""}
    reg_time = sim.world.accounts.get(ZERO).reg_time
    assert api.ok("get_stranger_info", {"user_id": ZERO}) == {
        "user_id": ZERO, "uid": nt_uid(ZERO), "nickname": "零岁", "age": 0, "qid": "",
        "qqLevel": 7, "sex": "female", "long_nick": "", "reg_time": reg_time, "is_vip": False,
        "is_years_vip": False, "vip_level": 0, "remark": "小零", "status": 10, "login_days": 0,
        "uin": str(ZERO), "nick": "零岁", "longNick": "", "regTime": reg_time,
        "birthday_year": 0, "birthday_month": 0, "birthday_day": 0, "eMail": "", "phoneNum": "",
        "categoryId": 0}


def change_without_flushing(world: World) -> None:
    """A friend added each way and two nicknames changed, held by the ORM, not written."""
    world.core.session.add(FriendshipRow(owner_id=BOT, friend_id=20004, remark="老刘"))
    world.core.session.add(FriendshipRow(owner_id=20005, friend_id=BOT))
    world.accounts.row(20007).nickname = "赵敏敏"
    world.accounts.row(20005).nickname = "单向的人"
    world.core.forget_derived()  # no snapshot of the old names to answer from


def listed(answer: Any) -> dict[int, dict[str, Any]]:
    return {f["user_id"]: f for f in answer}


NOT_FLUSHED_SEEN: list[tuple[str, dict[str, Any], Callable[[Any], object], object]] = [
    ("get_friend_list", {},
     lambda data: (listed(data)[20004]["remark"], listed(data)[20007]["nickname"]),
     ("老刘", "赵敏敏")),
    ("get_friends_with_category", {},
     lambda data: (listed(data[0]["buddyList"])[20004]["remark"],
                   listed(data[0]["buddyList"])[20007]["nickname"]),
     ("老刘", "赵敏敏")),
    ("get_stranger_info", {"user_id": 20004}, lambda data: data["remark"], "老刘"),
    ("get_unidirectional_friend_list", {},
     lambda data: [(f["uin"], f["nick_name"]) for f in data], [(20005, "单向的人")]),
]


@pytest.mark.parametrize(("action", "params", "seen", "expected"), NOT_FLUSHED_SEEN,
                         ids=[action for action, *_ in NOT_FLUSHED_SEEN])
def test_friend_lists_see_changes_not_flushed(api: Api, sim: Simulator, action: str,
                                              params: dict[str, Any],
                                              seen: Callable[[Any], object],
                                              expected: object) -> None:
    """Plain SQL sees what the ORM holds but has not written yet, as the ORM's queries
    did (they flush first)."""
    change_without_flushing(sim.world)
    assert seen(api.ok(action, params)) == expected


# -- a fixed number of statements, whatever the number of friends --------------------------

SCALED_ACTIONS = [("get_friend_list", {}), ("get_friends_with_category", {}),
                  ("get_unidirectional_friend_list", {}),
                  ("get_stranger_info", {"user_id": 40001})]


def befriend_many(world: World, first: int, count: int, category: int) -> None:
    """``count`` more friends of the bot from ``first`` on, each with a remark: a third
    dropped one way, a third in ``category``, a third invisible."""
    with world.core.one_commit():
        for user_id in range(first, first + count):
            world.accounts.add(user_id, f"人{user_id}", age=user_id % 50)
            world.accounts.befriend(BOT, user_id, remark_a=f"备注{user_id}")
    for user_id in range(first, first + count):
        if user_id % 3 == 0:
            world.social.delete_friend(BOT, user_id, both_ways=False)
        elif user_id % 3 == 1:
            world.social.move_friend(BOT, user_id, category)
        else:
            world.profiles.set_status(user_id, 40, 0, 0)


def forget_loaded_rows(world: World) -> None:
    """Cold caches, as in a world whose friends outnumber them (30k friends, 4k snapshots):
    no snapshot, no row in the session to answer without SQL."""
    world.core.forget_derived()
    world.core.session.info["pinned"].clear()
    world.core.session.expunge_all()


@contextmanager
def counting(world: World) -> Iterator[dict[str, int]]:
    """Counts the SQL statements run and the ORM rows built inside the block."""
    counts = {"statements": 0, "rows": 0}

    def statement(_sql: str) -> None:
        counts["statements"] += 1

    def loaded(_session: object, _instance: object) -> None:
        counts["rows"] += 1

    world.core.conn.set_trace_callback(statement)
    event.listen(world.core.session, "loaded_as_persistent", loaded)
    try:
        yield counts
    finally:
        world.core.conn.set_trace_callback(None)
        event.remove(world.core.session, "loaded_as_persistent", loaded)


def cold_cost(sim: Simulator, api: Api, action: str, params: dict[str, Any]
              ) -> dict[str, int]:
    forget_loaded_rows(sim.world)
    with counting(sim.world) as counts:
        api.ok(action, params)
    return counts


@pytest.mark.parametrize(("action", "params"), SCALED_ACTIONS,
                         ids=[action for action, _ in SCALED_ACTIONS])
def test_friend_list_reads_are_constant(api: Api, sim: Simulator, action: str,
                                        params: dict[str, Any]) -> None:
    category = sim.world.social.create_category(BOT, "很多")
    befriend_many(sim.world, 40000, 30, category)
    few = cold_cost(sim, api, action, params)
    befriend_many(sim.world, 40030, 150, category)
    many = cold_cost(sim, api, action, params)
    assert many == few, (few, many)  # not one statement, nor one row object, per friend
    assert many["statements"] <= 8 and many["rows"] <= 8, many


WORLD_READS: list[Callable[[World], object]] = [
    lambda world: (20004, "老刘", "刘洋") in [row[:3] for row in world.accounts.friend_rows(BOT)],
    lambda world: world.accounts.remark(BOT, 20004) == "老刘",
    lambda world: 20004 in world.social.categories(BOT)[0].friend_ids,
    lambda world: 20004 in world.profiles.friends_seen_offline(BOT),
    lambda world: [(a.user_id, a.nickname) for a, _ in world.social.unidirectional(BOT)] == [
        (20005, "单向的人")],
]


@pytest.mark.parametrize("read", WORLD_READS, ids=[
    "friend_rows", "remark", "categories", "friends_seen_offline", "unidirectional"])
def test_world_friend_reads_see_changes_not_flushed(sim: Simulator,
                                                    read: Callable[[World], object]) -> None:
    """The same, asked of the world itself: no ORM query of an action's flushes first."""
    change_without_flushing(sim.world)
    sim.world.core.session.add(AccountStateRow(user_id=20004, status=0))
    assert read(sim.world)
