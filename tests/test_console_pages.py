"""The control API reads a world of any size a page at a time, and never answers a megabyte.

People, groups, members, a chat's messages, actions, frames and requests all
grow with the world (or with what a bot sends); each list is paged, searched on
the server by name and by number, and fits in 1 MB however large its items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from test_console_api import BOT, GROUP, bot_connected, post, serving

from simulator import ManualClock, SimulatorConfig, default_onebot_config, open_simulator
from simulator.world import generated_world

MEGABYTE = 1024 * 1024


async def listed(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.trio
async def test_people_groups_and_members_are_searched_by_name_and_number() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            by_name = await listed(client, "/api/people?q=李")
            by_prefix = await listed(client, "/api/people?q=2000")
            exact = await listed(client, "/api/people?q=20003")
            first = await listed(client, "/api/people?limit=3")
            second = await listed(client, f"/api/people?limit=3&offset={first['next']}")
            groups = await listed(client, "/api/groups?q=读书")
            group = await listed(client, "/api/groups?q=100200")
            members = await listed(client, f"/api/groups/{GROUP}/members?q=20002")
            literal = await listed(client, "/api/people?q=%25")  # % is a character, no wildcard
            bad = [await client.get(path) for path in (
                "/api/people?limit=0", "/api/people?offset=-1", "/api/people?kind=aliens",
                "/api/groups?limit=x", "/api/groups/1/members")]
    assert "李娜" in [p["nickname"] for p in by_name["people"]]
    assert [p["user_id"] for p in by_prefix["people"]] == list(range(20001, 20010))
    assert exact["people"][0]["user_id"] == 20003
    assert [p["user_id"] for p in first["people"]] == [20001, 20002, 20003]
    assert first["next"] == 3
    assert [p["user_id"] for p in second["people"]] == [20004, 20005, 20006]
    assert [g["group_id"] for g in groups["groups"]] == [100300]
    assert [g["group_id"] for g in group["groups"]] == [100200]
    assert [m["user_id"] for m in members["members"]] == [20002]
    assert literal == {"people": [], "next": None}
    assert [r.status_code for r in bad] == [400, 400, 400, 400, 404]
    assert all(isinstance(r.json()["error"], str) for r in bad)


@pytest.mark.trio
async def test_a_chat_comes_a_page_at_a_time_with_its_notices_in_place() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            said = [sim.person(20003).send_group_msg(GROUP, f"第{n}条") for n in range(1, 6)]
            await post(client, "/api/people/20001/mute",
                       {"group_id": GROUP, "user_id": 20004, "duration": 60})
            said += [sim.person(20003).send_group_msg(GROUP, f"第{n}条") for n in range(6, 9)]
            newest = await listed(client, f"/api/groups/{GROUP}/messages?limit=3")
            older = await listed(client, f"/api/groups/{GROUP}/messages?limit=5"
                                         f"&before={newest['messages'][0]['seq']}")
            whole = await listed(client, f"/api/groups/{GROUP}/messages")
    assert [m["raw_message"] for m in newest["messages"]] == ["第6条", "第7条", "第8条"]
    assert newest["more"] is True and newest["notices"] == []
    assert [m["raw_message"] for m in older["messages"]] == [f"第{n}条" for n in range(1, 6)]
    assert older["more"] is False
    (notice,) = older["notices"]
    assert notice["type"] == "MemberMuted" and notice["after_seq"] == said[4].seq
    assert notice["names"] == {"20004": "刘洋", "20001": "张伟"}
    assert notice["data"]["duration"] == 60
    assert whole["notices"] == [notice] and len(whole["messages"]) == 8


@pytest.mark.trio
async def test_notices_are_kept_with_the_history_in_a_world_file(tmp_path: Path) -> None:
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0, db_path=str(tmp_path / "world.db"))
    with trio.fail_after(20):
        async with open_simulator(config, clock=ManualClock()) as sim:
            sim.person(20003).send_group_msg(GROUP, "踢人之前")
            sim.person(20001).kick(GROUP, 20006)
            sim.person(20003).send_group_msg(GROUP, "踢人之后")
        async with open_simulator(config, clock=ManualClock()) as sim, \
                httpx.AsyncClient(base_url=sim.url("control")) as client:
            page = await listed(client, f"/api/groups/{GROUP}/messages")
    before, after = page["messages"][-2:]
    (notice,) = page["notices"]
    assert (before["raw_message"], after["raw_message"]) == ("踢人之前", "踢人之后")
    assert notice["after_seq"] == before["seq"]  # between the two, after a restart
    assert notice["type"] == "MemberLeft" and notice["data"]["kind"] == "kick"
    assert notice["names"] == {"20006": "杨磊", "20001": "张伟"}


@pytest.mark.trio
async def test_no_list_answer_exceeds_a_megabyte_on_a_world_of_100k_people() -> None:
    spec = generated_world(1, people=100_000, groups=10_000)
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0)
    with trio.fail_after(120):
        async with open_simulator(config, spec=spec, clock=ManualClock()) as sim, \
                httpx.AsyncClient(base_url=sim.url("control"), timeout=60) as client, \
                bot_connected(sim):
            group = sim.world.groups.ids_of_user(BOT)[0]
            person = next(m.user_id for m in sim.world.groups.members(group) if not m.is_bot)
            _fill_with_large_things(sim, group, person)
            paths = _every_list(group, person, sim.world.messages.group_history(group)[-1])
            sizes = {path: len((await client.get(path)).content) for path in paths}
            statuses = {path: (await client.get(path)).status_code for path in paths}
    assert all(status == 200 for status in statuses.values()), statuses
    largest = max(sizes, key=sizes.__getitem__)
    print(f"\nthe largest list answer: {sizes[largest]:,} bytes ({largest})")
    over = {path: size for path, size in sizes.items() if size > MEGABYTE}
    assert over == {}
    assert sizes[f"/api/groups/{group}/members?limit=1000"] > 100 * 1024  # cut, not emptied


def _fill_with_large_things(sim: Any, group: int, person: int) -> None:
    """Items far over a megabyte in all: long names, long messages, a huge bot call."""
    for n in range(30):  # 30 newcomers named with 100k characters each, in the group
        account = sim.world.accounts.add(300_000 + n, "名" * 100_000)
        sim.person(account.user_id).join(group)
    for n in range(12):
        sim.person(person).send_group_msg(group, f"{n}" + "长" * 300_000)
        sim.person(person).send_private_msg(BOT, "私" * 300_000)
    huge = [{"type": "text", "data": {"text": "大" * 2_000_000}}]
    for _ in range(3):
        sim.link(BOT).call("send_group_msg", {"group_id": group, "message": huge})
    wide = {f"key{n}": "x" * 200 for n in range(20_000)}  # a dict no cut can shorten
    sim.link(BOT).call("get_group_info", {"group_id": group, **wide})


def _every_list(group: int, person: int, last: Any) -> list[str]:
    """Every GET route of the control API that lists something, at its largest page."""
    return [
        "/api/world", "/api/people?limit=1000", "/api/people?kind=all&limit=1000",
        "/api/people?q=名&limit=1000", "/api/groups?limit=1000",
        f"/api/people/{person}/groups?limit=1000", f"/api/people/{BOT}/groups?limit=1000",
        f"/api/people/{person}/friends?limit=1000", f"/api/people/{BOT}/friends?limit=1000",
        f"/api/groups/{group}/members?limit=1000", f"/api/groups/{group}/messages?limit=1000",
        f"/api/private/{person}/{BOT}/messages?limit=1000", "/api/actions?limit=1000",
        "/api/frames?limit=1000", "/api/requests?limit=100000", f"/api/messages/{last.message_id}",
        "/api/connections", "/api/faults", "/api/scenarios",
    ]


@pytest.mark.trio
async def test_a_listed_item_too_large_to_cut_says_so() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            wide = {f"key{n}": "x" * 200 for n in range(5_000)}
            sim.link(BOT).call("get_group_info", {"group_id": GROUP, **wide})
            actions = await listed(client, "/api/actions")
    (record,) = actions["actions"]
    assert record["action"] == "get_group_info" and "params" not in record
    assert "even when cut" in record["too_large"]
    assert len(json.dumps(actions)) < 4096
