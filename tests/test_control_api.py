"""The local control API, over real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import trio

from simulator import SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator


@asynccontextmanager
async def serving(control_token: str = "") -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    """A simulator and an HTTP client whose base URL is the control API."""
    config = SimulatorConfig(
        bots={10001: default_onebot_config(http_port=0, ws_port=0)},
        control_port=0, control_token=control_token,
    )
    async with open_simulator(config) as sim:
        url = sim.url("control")
        async with httpx.AsyncClient(base_url=url) as client:
            yield sim, client


@pytest.mark.trio
async def test_control_endpoint_is_listed_with_its_real_port() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _):
            endpoint = next(e for e in sim.endpoints if e.kind == "control")
    assert endpoint.bot_id is None
    assert endpoint.url.startswith("http://127.0.0.1:")
    assert endpoint.port > 0


@pytest.mark.trio
async def test_the_world_is_read_in_pages_of_people_groups_members_and_friends() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            world = (await client.get("/api/world")).json()
            people = (await client.get("/api/people?limit=100")).json()
            bots = (await client.get("/api/people?kind=bots")).json()
            groups = (await client.get("/api/groups")).json()
            members = (await client.get("/api/groups/100100/members")).json()
            friends = (await client.get("/api/people/20001/friends")).json()
            mine = (await client.get("/api/people/20001/groups")).json()
    assert (world["people"], world["groups"]) == (10, 3)
    assert [b["user_id"] for b in world["bots"]] == [10001]
    accounts = {a["user_id"]: a for a in people["people"]}
    assert accounts[20003]["nickname"] == "李娜" and 10001 not in accounts
    assert people["next"] is None
    assert [b["user_id"] for b in bots["people"]] == [10001]
    assert {g["group_id"] for g in groups["groups"]} == {100100, 100200, 100300}
    roles = {m["user_id"]: m["role"] for m in members["members"]}
    assert roles[10001] == "admin" and roles[20001] == "owner"
    assert members["members"][0]["role"] == "owner"  # owner first, as QQ lists them
    assert 10001 in [f["user_id"] for f in friends["friends"]]
    assert {g["group_id"]: g["me"]["role"] for g in mine["groups"]}[100100] == "owner"


@pytest.mark.trio
async def test_a_person_speaks_in_a_group_and_the_message_is_listed() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            sent = await client.post("/api/people/20003/messages",
                                     json={"group_id": 100100, "message": "[CQ:face,id=14]hi"})
            listed = await client.get("/api/groups/100100/messages")
            stored = sim.history(group_id=100100)[-1]
    assert sent.status_code == 200
    message = sent.json()
    assert message["message_id"] == stored.message_id
    assert (message["sender_id"], message["chat_type"], message["group_id"]) == (
        20003, "group", 100100)
    assert message["sender_nickname"] == "李娜"
    assert message["segments"][0]["type"] == "face"
    assert message["recalled"] is False
    assert set(message) == {"message_id", "seq", "time", "sender_id", "sender_nickname",
                            "sender_card", "sender_role", "chat_type", "group_id", "peer_id",
                            "segments", "raw_message", "recalled"}
    assert listed.json()["messages"][-1] == message


@pytest.mark.trio
async def test_auto_escape_keeps_cq_codes_as_text() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            sent = await client.post("/api/people/20003/messages", json={
                "group_id": 100100, "message": "[CQ:face,id=14]", "auto_escape": True})
    assert sent.json()["segments"] == [{"type": "text", "data": {"text": "[CQ:face,id=14]"}}]


@pytest.mark.trio
async def test_a_private_message_and_its_chat_history() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            sent = await client.post("/api/people/20001/messages",
                                     json={"user_id": 10001, "message": "hello bot"})
            listed = await client.get("/api/private/10001/20001/messages")
    assert sent.json()["chat_type"] == "private"
    assert [m["raw_message"] for m in listed.json()["messages"]] == ["hello bot"]


@pytest.mark.trio
async def test_recall_marks_the_message_recalled() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            sent = (await client.post("/api/people/20003/messages",
                                      json={"group_id": 100100, "message": "oops"})).json()
            recalled = await client.post("/api/people/20003/recall",
                                         json={"message_id": sent["message_id"]})
            again = await client.post("/api/people/20003/recall",
                                      json={"message_id": sent["message_id"]})
            listed = await client.get("/api/groups/100100/messages")
    assert recalled.json()["recalled"] is True
    assert listed.json()["messages"][-1]["recalled"] is True
    assert again.status_code == 404
    assert "error" in again.json()


@pytest.mark.trio
@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/groups/999/messages", None, 404),
        ("GET", "/api/private/10001/99999/messages", None, 404),
        ("POST", "/api/people/99999/messages", {"group_id": 100100, "message": "x"}, 404),
        # 20010 is not in group 100100: QQ refuses.
        ("POST", "/api/people/20010/messages", {"group_id": 100100, "message": "x"}, 400),
        ("POST", "/api/people/20003/messages", {"message": "where to?"}, 400),
        ("POST", "/api/people/20003/messages", {"group_id": "100100x", "message": "x"}, 400),
        ("POST", "/api/people/20003/messages", {"group_id": 100100}, 400),
        ("POST", "/api/people/20003/recall", {"message_id": "x"}, 400),
        ("GET", "/api/no/such/route", None, 404),
    ],
)
async def test_errors_are_json(method: str, path: str, body: object, status: int) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.request(method, path, json=body)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)


@pytest.mark.trio
@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]"])
async def test_a_body_that_is_not_a_json_object_is_400(content: bytes) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post("/api/people/20003/messages", content=content)
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.trio
async def test_actions_lists_what_bots_called_latest_last() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            link = sim.link(10001)
            link.call("get_status", {})
            link.call("get_login_info", {})
            last = await client.get("/api/actions", params={"limit": "1"})
            everything = await client.get("/api/actions")
            bad = await client.get("/api/actions", params={"limit": "-1"})
    assert [a["action"] for a in last.json()["actions"]] == ["get_login_info"]
    records = everything.json()["actions"]
    assert [a["action"] for a in records] == ["get_status", "get_login_info"]
    assert records[1]["bot_id"] == 10001
    assert records[1]["response"]["data"]["user_id"] == 10001
    assert bad.status_code == 400


@pytest.mark.trio
@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/world", {}, 401),
        ("/api/world", {"Authorization": "Bearer wrong"}, 401),
        ("/api/world", {"Authorization": "ctl"}, 401),  # unlike NapCat, Bearer is required
        ("/api/world", {"Authorization": "Bearer ctl"}, 200),
        ("/api/world?access_token=ctl", {}, 200),
        ("/api/no/such/route", {}, 401),
    ],
)
async def test_control_token_is_required_when_set(
    path: str, headers: dict[str, str], status: int
) -> None:
    with trio.fail_after(10):
        async with serving(control_token="ctl") as (_, client):
            response = await client.get(path, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert "error" in response.json()
