"""What sending remembers of a sender (``world/send_facts.py``) follows every change the
world makes to members, groups and accounts: a send never sees a stale card, name, role,
mute or membership."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import ADMIN_GROUP, BOT

from simulator.clock import ManualClock
from simulator.errors import PermissionDenied, StoreFailed
from simulator.world import World, build_world, load_spec

TEXT = [{"type": "text", "data": {"text": "hello"}}]
OWNER = 20001
MEMBER = 20003


@pytest.fixture
def world(clock: ManualClock) -> Iterator[World]:
    built = build_world(load_spec(), clock=clock)
    yield built
    built.close()


def _post(world: World, sender: int = MEMBER) -> None:
    world.messages.post_group(sender, ADMIN_GROUP, TEXT, "hello")


def test_a_card_and_a_role_changed_show_in_the_next_message(world: World) -> None:
    _post(world)
    world.groups.set_card(BOT, ADMIN_GROUP, MEMBER, "new card")
    world.groups.set_admin(OWNER, ADMIN_GROUP, MEMBER, True)
    world.messages.post_group(MEMBER, ADMIN_GROUP, TEXT, "again")
    message = world.messages.group_history(ADMIN_GROUP)[-1]
    assert (message.sender_card, message.sender_role) == ("new card", "admin")


def test_a_renamed_group_and_a_renamed_person_show_in_the_next_message(world: World) -> None:
    _post(world)
    world.groups.rename(BOT, ADMIN_GROUP, "renamed")
    assert world.messages.post_group(MEMBER, ADMIN_GROUP, TEXT, "a").group_name == "renamed"
    world.accounts.update(MEMBER, nickname="new nick")
    message = world.messages.post_group(MEMBER, ADMIN_GROUP, TEXT, "b")
    assert message.sender_nickname == "new nick"


def test_mutes_and_leaving_stop_the_next_send(world: World, clock: ManualClock) -> None:
    _post(world)
    world.groups.mute(BOT, ADMIN_GROUP, MEMBER, 60)
    with pytest.raises(PermissionDenied):
        _post(world)
    clock.advance(61)
    _post(world)
    world.groups.mute_all(BOT, ADMIN_GROUP, True)
    with pytest.raises(PermissionDenied):
        _post(world)
    world.groups.mute_all(BOT, ADMIN_GROUP, False)
    _post(world)
    world.groups.kick(BOT, ADMIN_GROUP, MEMBER)
    with pytest.raises(PermissionDenied):
        _post(world)


def test_a_rollback_forgets_what_sending_knew(world: World, clock: ManualClock) -> None:
    _post(world)
    clock.advance(5)
    with pytest.raises(StoreFailed):
        world.groups.set_card(BOT, ADMIN_GROUP, MEMBER, "bad \udfff")
    _post(world)
    member = world.groups.member(ADMIN_GROUP, MEMBER)
    assert (member.card, member.last_sent_time) == ("娜娜", world.now())
