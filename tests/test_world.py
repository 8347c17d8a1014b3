"""The world's own rules (no OneBot layer): accounts, groups, messages, requests, media."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import ADMIN_GROUP, BOT, MEMBER_GROUP, OWNED_GROUP

from simulator import (
    ConfigError,
    InvalidState,
    ManualClock,
    NotFound,
    PermissionDenied,
    Simulator,
    WorldError,
)
from simulator.world import build_world, generate_spec, load_spec
from simulator.world.events import MemberLeft, MemberMuted, MessageCreated
from simulator.world.groups import MAX_MUTE_SECONDS
from simulator.world.spec import WorldSpec


@contextmanager
def refused(kind: type[WorldError], text: str) -> Iterator[None]:
    with pytest.raises(kind, match=f"^{re.escape(text)}$"):
        yield


def text(t: str) -> list[dict[str, object]]:
    return [{"type": "text", "data": {"text": t}}]


# -- seeds and specs --------------------------------------------------------------------


def test_default_seed_builds_the_documented_world(sim: Simulator) -> None:
    world = sim.world
    assert [a.user_id for a in world.accounts.bots()] == [BOT]
    assert len(world.accounts.all()) == 11
    assert world.groups.member(ADMIN_GROUP, BOT).role == "admin"
    assert world.groups.member(OWNED_GROUP, BOT).role == "owner"
    assert world.groups.member(MEMBER_GROUP, BOT).role == "member"
    assert world.groups.member(ADMIN_GROUP, 20002).title == "元老"
    assert world.groups.get(ADMIN_GROUP).member_count == 7
    assert world.accounts.is_friend(BOT, 20001) and world.accounts.is_friend(20001, BOT)
    assert not world.accounts.is_friend(BOT, 20004)


def test_unknown_seed_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no seed file 'nope'"):
        load_spec("nope")


@pytest.mark.parametrize("bad", [
    {"accounts": [{"user_id": 1, "nickname": "a"}, {"user_id": 1, "nickname": "b"}]},
    {"accounts": [{"user_id": 1, "nickname": "a"}], "friends": [[1, 2]]},
    {"accounts": [{"user_id": 1, "nickname": "a"}],
     "groups": [{"group_id": 5, "name": "g", "owner": 1, "members": [3]}]},
    {"accounts": [{"user_id": 1, "nickname": "a", "colour": "red"}]},
])
def test_spec_rejects_inconsistent_worlds(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WorldSpec.model_validate(bad)


def test_generated_worlds_are_reproducible() -> None:
    assert generate_spec(7, people=12, groups=2) == generate_spec(7, people=12, groups=2)
    assert generate_spec(7, people=12) != generate_spec(8, people=12)
    world = build_world(generate_spec(7, people=12, groups=2, group_size=5))
    assert len(world.groups.all()) == 2
    assert all(world.groups.member(g.group_id, BOT).role == "admin" for g in world.groups.all())


# -- accounts, friends, likes -----------------------------------------------------------


def test_unknown_account_text(sim: Simulator) -> None:
    with refused(NotFound, "Uin2Uid Error: 用户ID 99 不存在"):
        sim.world.accounts.get(99)
    with refused(InvalidState, "账号 20001 已存在"):
        sim.world.accounts.add(20001, "dup")


def test_friendship_is_symmetric_and_unique(sim: Simulator) -> None:
    accounts = sim.world.accounts
    accounts.befriend(BOT, 20004, remark_a="老刘")
    assert accounts.is_friend(20004, BOT)
    assert [f.remark for f in accounts.friends_of(BOT) if f.friend_id == 20004] == ["老刘"]
    with refused(InvalidState, "20004 与 10001 已是好友"):
        accounts.befriend(20004, BOT)
    accounts.unfriend(BOT, 20004)
    assert not accounts.is_friend(BOT, 20004) and not accounts.is_friend(20004, BOT)
    with refused(InvalidState, "用户 20004 不是好友"):
        accounts.set_remark(BOT, 20004, "x")


def test_likes_are_capped_per_day(sim: Simulator, clock: ManualClock) -> None:
    accounts = sim.world.accounts
    accounts.like(BOT, 20001, 6)
    with refused(InvalidState, "点赞失败 今日同一好友点赞数已达上限"):
        accounts.like(BOT, 20001, 5)
    accounts.like(BOT, 20001, 4)  # exactly ten
    with refused(InvalidState, "点赞失败 今日同一好友点赞数已达上限"):
        accounts.like(BOT, 20001, 1)
    accounts.like(BOT, 20002, 1)  # another person has their own budget
    clock.advance(86400)
    accounts.like(BOT, 20001, 10)


# -- groups: membership -----------------------------------------------------------------


def test_join_and_leave(sim: Simulator) -> None:
    groups = sim.world.groups
    with refused(InvalidState, f"20003 已在群{ADMIN_GROUP}中"):
        groups.add_member(ADMIN_GROUP, 20003)
    groups.add_member(ADMIN_GROUP, 20010)
    assert groups.get(ADMIN_GROUP).member_count == 8
    assert groups.leave(ADMIN_GROUP, 20010) is True
    assert groups.find_member(ADMIN_GROUP, 20010) is None
    assert groups.leave(ADMIN_GROUP, 20001) is False  # the owner must disband instead
    assert groups.member(ADMIN_GROUP, 20001).role == "owner"
    with refused(NotFound, f"群({ADMIN_GROUP})成员20010不存在"):
        groups.member(ADMIN_GROUP, 20010)
    with refused(NotFound, "群999不存在"):
        groups.get(999)


def test_a_full_group_refuses_members(sim: Simulator) -> None:
    groups = sim.world.groups
    groups.create(100400, "小群", 20001, max_members=2)
    groups.add_member(100400, 20002)
    with refused(InvalidState, "群100400人数已满"):
        groups.add_member(100400, 20003)


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    (20001, 20002, True),   # owner kicks admin
    (20001, BOT, True),     # owner kicks the bot admin
    (BOT, 20003, True),     # admin kicks member
    (BOT, 20002, False),    # admin cannot kick an equal
    (BOT, 20001, False),    # nor the owner
    (20003, 20004, False),  # members kick nobody
])
def test_kick_needs_a_higher_rank(sim: Simulator, actor: int, target: int, allowed: bool) -> None:
    groups = sim.world.groups
    if allowed:
        groups.kick(actor, ADMIN_GROUP, target)
        assert groups.find_member(ADMIN_GROUP, target) is None
    else:
        with refused(PermissionDenied, "ERR_NOT_GROUP_ADMIN"):
            groups.kick(actor, ADMIN_GROUP, target)
        assert groups.find_member(ADMIN_GROUP, target) is not None


# -- groups: administration -------------------------------------------------------------


@pytest.mark.parametrize(("group", "actor", "target", "error"), [
    (ADMIN_GROUP, BOT, 20001, "cannot ban owner"),
    (ADMIN_GROUP, BOT, 20002, "cannot ban admin"),
    (ADMIN_GROUP, 20003, 20004, "ERR_NOT_GROUP_ADMIN"),
    (MEMBER_GROUP, BOT, 20009, "ERR_NOT_GROUP_ADMIN"),
    (OWNED_GROUP, BOT, 20007, None),  # the owner may mute an admin
    (ADMIN_GROUP, BOT, 20003, None),
])
def test_mute_rules(
    sim: Simulator, group: int, actor: int, target: int, error: str | None
) -> None:
    groups = sim.world.groups
    if error is None:
        groups.mute(actor, group, target, 60)
        assert groups.is_muted(group, target)
    else:
        with refused(PermissionDenied, error):
            groups.mute(actor, group, target, 60)
        assert not groups.is_muted(group, target)


def test_mute_expires_with_the_clock_and_is_capped(sim: Simulator, clock: ManualClock) -> None:
    groups, start = sim.world.groups, sim.world.now()
    groups.mute(BOT, ADMIN_GROUP, 20003, 60)
    assert groups.member(ADMIN_GROUP, 20003).mute_until == start + 60
    clock.advance(59)
    assert groups.is_muted(ADMIN_GROUP, 20003)
    clock.advance(1)
    assert not groups.is_muted(ADMIN_GROUP, 20003)
    groups.mute(BOT, ADMIN_GROUP, 20004, 10**9)
    assert groups.member(ADMIN_GROUP, 20004).mute_until == start + 60 + MAX_MUTE_SECONDS
    groups.mute(BOT, ADMIN_GROUP, 20004, 0)
    assert not groups.is_muted(ADMIN_GROUP, 20004)


def test_whole_group_mute_spares_admins(sim: Simulator) -> None:
    groups = sim.world.groups
    with refused(PermissionDenied, "ERR_NOT_GROUP_ADMIN"):
        groups.mute_all(BOT, MEMBER_GROUP, True)
    groups.mute_all(BOT, ADMIN_GROUP, True)
    assert groups.get(ADMIN_GROUP).whole_mute
    assert groups.is_muted(ADMIN_GROUP, 20003)
    assert not groups.is_muted(ADMIN_GROUP, BOT)
    assert not groups.is_muted(ADMIN_GROUP, 20001)
    groups.mute_all(BOT, ADMIN_GROUP, False)
    assert not groups.is_muted(ADMIN_GROUP, 20003)


def test_admin_title_card_and_name_permissions(sim: Simulator) -> None:
    groups = sim.world.groups
    with refused(PermissionDenied, "ERR_NOT_GROUP_OWNER"):
        groups.set_admin(BOT, ADMIN_GROUP, 20003, True)
    groups.set_admin(BOT, OWNED_GROUP, 20008, True)
    assert groups.member(OWNED_GROUP, 20008).role == "admin"
    groups.set_admin(BOT, OWNED_GROUP, BOT, False)  # the owner's role never changes
    assert groups.member(OWNED_GROUP, BOT).role == "owner"
    with refused(PermissionDenied, "ERR_NOT_GROUP_OWNER"):
        groups.set_title(BOT, ADMIN_GROUP, 20003, "x")
    groups.set_title(BOT, OWNED_GROUP, 20009, "摸鱼王")
    assert groups.member(OWNED_GROUP, 20009).title == "摸鱼王"
    groups.set_card(20003, ADMIN_GROUP, 20003, "自己改")  # one's own card: always
    assert groups.member(ADMIN_GROUP, 20003).card == "自己改"
    with refused(PermissionDenied, "ERR_NOT_GROUP_ADMIN"):
        groups.set_card(20003, ADMIN_GROUP, 20004, "x")
    with refused(PermissionDenied, "ERR_NOT_GROUP_ADMIN"):
        groups.rename(BOT, MEMBER_GROUP, "x")
    groups.rename(BOT, ADMIN_GROUP, "新名字")
    assert groups.get(ADMIN_GROUP).name == "新名字"


# -- messages ---------------------------------------------------------------------------


def test_group_messages_need_membership_and_voice(sim: Simulator) -> None:
    messages, groups = sim.world.messages, sim.world.groups
    with refused(PermissionDenied, f"发送消息失败: 20010 不是群{ADMIN_GROUP}的成员"):
        messages.post_group(20010, ADMIN_GROUP, text("hi"), "hi")
    groups.mute(BOT, ADMIN_GROUP, 20003, 60)
    with refused(PermissionDenied, f"发送消息失败: 20003 在群{ADMIN_GROUP}中被禁言"):
        messages.post_group(20003, ADMIN_GROUP, text("hi"), "hi")
    first = messages.post_group(20004, ADMIN_GROUP, text("a"), "a")
    second = messages.post_group(BOT, ADMIN_GROUP, text("b"), "b")
    assert (first.seq, second.seq) == (1, 2)
    assert first.message_id != second.message_id and 0 < first.message_id < 2**31
    assert groups.member(ADMIN_GROUP, 20004).last_sent_time == sim.world.now()
    assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["a", "b"]


def test_history_needs_a_chat(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="give group_id, or both user_id and peer_id"):
        sim.history(user_id=BOT)


def test_message_ids_are_deterministic(clock: ManualClock) -> None:
    def ids() -> list[int]:
        world = build_world(load_spec(), clock=ManualClock())
        return [world.messages.post_group(20003, ADMIN_GROUP, text(str(i)), str(i)).message_id
                for i in range(3)]

    assert ids() == ids()


def test_private_chat_friend_temp_and_stranger(sim: Simulator) -> None:
    messages = sim.world.messages
    friendly = messages.post_private(20001, BOT, text("hi"), "hi")
    assert friendly.temp_source == 0
    temp = messages.post_private(20004, BOT, text("hi"), "hi")  # shares 100100 with the bot
    assert temp.temp_source == ADMIN_GROUP
    via = messages.post_private(20009, BOT, text("hi"), "hi", via_group=MEMBER_GROUP)
    assert via.temp_source == MEMBER_GROUP  # common groups are 100200 and 100300
    sim.world.accounts.add(30000, "路人")
    with refused(InvalidState, "发送消息失败: 30000 不是好友, 也没有共同的群"):
        messages.post_private(BOT, 30000, text("hi"), "hi")
    with refused(NotFound, "无法获取用户信息"):
        messages.post_private(BOT, 99, text("hi"), "hi")
    assert [m.seq for m in sim.history(user_id=BOT, peer_id=20001)] == [1]


def test_recall_window_for_own_messages(sim: Simulator, clock: ManualClock) -> None:
    messages = sim.world.messages
    early = messages.post_group(20003, ADMIN_GROUP, text("a"), "a")
    late = messages.post_group(20003, ADMIN_GROUP, text("b"), "b")
    clock.advance(120)
    assert messages.recall(20003, early.message_id).recalled
    clock.advance(1)
    with refused(PermissionDenied, "Recall failed: 无权撤回此消息"):
        messages.recall(20003, late.message_id)
    private = messages.post_private(20001, BOT, text("p"), "p")
    clock.advance(121)
    with refused(PermissionDenied, "Recall failed: 只能撤回自己两分钟内发送的消息"):
        messages.recall(20001, private.message_id)


@pytest.mark.parametrize(("sender", "actor", "allowed"), [
    (20003, BOT, True),     # admin recalls a member's old message
    (20002, BOT, False),    # but not another admin's
    (20001, BOT, False),    # nor the owner's
    (BOT, 20001, True),     # the owner recalls the admin's
    (20003, 20004, False),  # members recall nobody else's
    (BOT, BOT, True),       # admins recall their own messages at any age
])
def test_recall_by_rank(sim: Simulator, clock: ManualClock, sender: int, actor: int,
                        allowed: bool) -> None:
    message = sim.world.messages.post_group(sender, ADMIN_GROUP, text("x"), "x")
    clock.advance(3600)
    if allowed:
        assert sim.world.messages.recall(actor, message.message_id).recalled_by == actor
    else:
        with refused(PermissionDenied, "Recall failed: 无权撤回此消息"):
            sim.world.messages.recall(actor, message.message_id)


def test_recall_twice_or_unknown(sim: Simulator) -> None:
    message = sim.world.messages.post_group(20003, ADMIN_GROUP, text("x"), "x")
    sim.world.messages.recall(20003, message.message_id)
    with refused(NotFound, "Recall failed"):
        sim.world.messages.recall(20003, message.message_id)
    with refused(NotFound, "Recall failed"):
        sim.world.messages.recall(20003, 12345)
    other = sim.world.messages.post_group(20003, ADMIN_GROUP, text("y"), "y")
    with refused(PermissionDenied, f"Recall failed: 20010 不是群{ADMIN_GROUP}的成员"):
        sim.world.messages.recall(20010, other.message_id)


# -- requests ---------------------------------------------------------------------------


def test_friend_request_lifecycle(sim: Simulator) -> None:
    requests = sim.world.requests
    with refused(InvalidState, "20001 与 10001 已是好友"):
        requests.ask_friend(20001, BOT)
    with refused(InvalidState, "20002 不是机器人账号"):
        requests.ask_friend(20001, 20002)
    request = requests.ask_friend(20004, BOT, "加个好友")
    assert request.flag.isdigit() and request.state == "pending"
    assert requests.pending(BOT) == [request]
    with refused(NotFound, "No such request"):
        requests.answer(BOT, request.flag, True, kind="group")
    assert requests.answer(BOT, request.flag, True, kind="friend").state == "approved"
    assert sim.world.accounts.is_friend(BOT, 20004)
    with refused(NotFound, "No such request"):
        requests.answer(BOT, request.flag, True, kind="friend")


def test_join_requests_go_to_bot_admins_only(sim: Simulator) -> None:
    requests = sim.world.requests
    assert requests.ask_join(20008, MEMBER_GROUP) == []  # the bot is a plain member there
    with refused(InvalidState, f"20003 已在群{ADMIN_GROUP}中"):
        requests.ask_join(20003, ADMIN_GROUP)
    [join] = requests.ask_join(20008, ADMIN_GROUP, "让我进去")
    assert (join.kind, join.sub_type, join.self_id, join.comment) == (
        "group", "add", BOT, "让我进去")
    requests.answer(BOT, join.flag, False, kind="group")
    assert sim.world.groups.find_member(ADMIN_GROUP, 20008) is None


def test_invitation_brings_the_bot_in(sim: Simulator) -> None:
    sim.world.groups.create(100400, "新群", 20004)
    with refused(NotFound, "群(100400)成员20005不存在"):
        sim.world.requests.invite(20005, BOT, 100400)
    invite = sim.world.requests.invite(20004, BOT, 100400)
    sim.world.requests.answer(BOT, invite.flag, True, kind="group")
    assert sim.world.groups.member(100400, BOT).role == "member"


# -- media and events -------------------------------------------------------------------


def test_media_is_content_addressed(sim: Simulator) -> None:
    media = sim.world.media
    first = media.put(b"abc", kind="image", ext="png")
    assert first.name == "900150983CD24FB0D6963F7D28E17F72.png" and first.size == 3
    assert media.put(b"abc", kind="image", ext="png") == first
    assert media.find(first.md5.lower()) == first
    with refused(NotFound, "file not found"):
        media.get("nothing.png")
    with refused(NotFound, "ResId无效: 找不到相关的聊天记录"):
        media.forward("123")


def test_changes_announce_events_with_their_audience(sim: Simulator) -> None:
    heard: list[object] = []
    sim.world.add_listener(heard.append)
    sim.world.groups.create(100400, "无机器人", 20004)
    sim.world.messages.post_group(20004, 100400, text("x"), "x")
    sim.world.groups.mute(BOT, ADMIN_GROUP, 20003, 30)
    sim.world.groups.kick(BOT, ADMIN_GROUP, 20003)
    created, muted, left = heard
    assert isinstance(created, MessageCreated) and created.audience == frozenset()
    assert isinstance(muted, MemberMuted) and muted.audience == {BOT}
    assert isinstance(left, MemberLeft) and (left.kind, left.operator_id) == ("kick", BOT)


def test_worlds_built_from_the_same_spec_are_separate_copies() -> None:
    # build_world copies a seeded template for manual-clock worlds; copies must not share rows.
    from simulator.clock import ManualClock
    from simulator.world import build_world, load_spec

    spec = load_spec()
    first, second = (build_world(spec, clock=ManualClock()) for _ in range(2))
    first.messages.post_group(20003, 100100, [{"type": "text", "data": {"text": "a"}}], "a")
    first.groups.mute(20001, 100100, 20004, 60)
    assert second.messages.group_history(100100) == []
    assert second.groups.member(100100, 20004).mute_until == 0
    assert [g.member_count for g in second.groups.all()] == [7, 5, 5]
