"""After ``sim.reset()`` a Person and a bot link made before it act in the new world."""

from __future__ import annotations

from conftest import ADMIN_GROUP, Api

from simulator import Simulator
from simulator.world import load_spec
from simulator.world.spec import AccountSpec, MemberSpec, WorldSpec

NEWCOMER = 30001  # exists only in the world built by the reset


def world_with_newcomer() -> WorldSpec:
    spec = load_spec("default")
    groups = [g.model_copy(update={"members": [*g.members, MemberSpec(user_id=NEWCOMER)]})
              if g.group_id == ADMIN_GROUP else g for g in spec.groups]
    return spec.model_copy(update={
        "accounts": [*spec.accounts, AccountSpec(user_id=NEWCOMER, nickname="新来的")],
        "groups": groups,
    })


def test_a_person_made_before_reset_mentions_someone_only_the_new_world_has(
        sim: Simulator) -> None:
    person = sim.person(20003)
    sim.reset(world_with_newcomer())
    message = person.send_group_msg(ADMIN_GROUP, f"[CQ:at,qq={NEWCOMER}] 你好")
    assert message.segments[0] == {"type": "at", "data": {"qq": str(NEWCOMER)}}
    assert [m.message_id for m in sim.history(group_id=ADMIN_GROUP)] == [message.message_id]


def test_a_bot_link_made_before_reset_mentions_someone_only_the_new_world_has(
        sim: Simulator, api: Api) -> None:
    sim.reset(world_with_newcomer())
    sent = api.ok("send_group_msg", {"group_id": ADMIN_GROUP,
                                     "message": f"[CQ:at,qq={NEWCOMER}] 你好"})
    [stored] = sim.history(group_id=ADMIN_GROUP)
    assert stored.message_id == sent["message_id"]
    assert stored.segments[0]["data"]["qq"] == str(NEWCOMER)

