"""The web console's JSON routes and live stream, over real sockets, without a browser."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import HandshakeError, WebSocketConnection, open_websocket_url

from simulator import ManualClock, SimulatorConfig, default_onebot_config, open_simulator
from simulator.app import Simulator
from simulator.control import stream
from simulator.control.views import TrafficFilter
from simulator.traffic import ActionRecord, FrameRecord

BOT, GROUP = 10001, 100100
TOKEN = "ctl"


@asynccontextmanager
async def serving(token: str = "") -> AsyncIterator[tuple[Simulator, httpx.AsyncClient]]:
    """A simulator with a WebSocket listener for bots and a client of the control API."""
    config = SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0, control_token=token)
    async with open_simulator(config, clock=ManualClock()) as sim:
        url = sim.url("control")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            yield sim, client


def ws_url(sim: Simulator, kind: str = "ws") -> str:
    return sim.url(kind)


@asynccontextmanager
async def bot_connected(sim: Simulator) -> AsyncIterator[WebSocketConnection]:
    """A bot on the forward WebSocket (the lifecycle frame already read)."""
    async with open_websocket_url(ws_url(sim) + "/") as ws:
        await ws.get_message()
        await sim.wait_connected(BOT)
        yield ws


@asynccontextmanager
async def console_stream(sim: Simulator, query: str = "", headers: Any = None
                         ) -> AsyncIterator[WebSocketConnection]:
    url = ws_url(sim, "control").replace("http://", "ws://") + "/api/stream" + query
    async with open_websocket_url(url, extra_headers=headers or []) as ws:
        yield ws


async def next_item(ws: WebSocketConnection, kind: str, **match: Any) -> dict[str, Any]:
    """The next stream item of ``kind`` whose top-level fields include ``match``."""
    while True:
        item = json.loads(await ws.get_message())
        if item["kind"] == kind and all(item.get(k) == v for k, v in match.items()):
            return item


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


# -- the page itself -----------------------------------------------------------------


@pytest.mark.trio
async def test_the_console_page_and_assets_are_served_without_the_token() -> None:
    with trio.fail_after(10):
        async with serving(token=TOKEN) as (_, client):
            bare = httpx.AsyncClient(base_url=str(client.base_url))
            async with bare:
                page = await bare.get("/")
                script = await bare.get("/static/main.js")
                styles = await bare.get("/static/console.css")
                api = await bare.get("/api/world")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/main.js">' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert styles.headers["content-type"].startswith("text/css")
    assert api.status_code == 401


@pytest.mark.trio
async def test_every_module_the_page_imports_is_served() -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            imported, missing, waiting = set(), [], ["main.js"]
            while waiting:  # every module, and every module those import, in turn
                name = waiting.pop()
                response = await client.get(f"/static/{name}")
                if response.status_code != 200:
                    missing.append(name)
                    continue
                for found in re.findall(r'from "\./([\w.]+)"', response.text):
                    if found not in imported:
                        imported.add(found)
                        waiting.append(found)
    assert imported >= {"api.js", "chat.js", "inspector.js", "store.js", "ui.js", "world.js",
                        "picker.js", "icons.js"}
    assert missing == []


@pytest.mark.trio
@pytest.mark.parametrize("origin", ["http://evil.example", "null"])
async def test_requests_from_other_sites_are_refused(origin: str) -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.post("/api/people/20003/messages",
                                         json={"group_id": GROUP, "message": "hi"},
                                         headers={"Origin": origin})
            same_site = await client.post(
                "/api/people/20003/messages", json={"group_id": GROUP, "message": "hi"},
                headers={"Origin": str(client.base_url).rstrip("/")})
            said = [m.raw_message for m in sim.history(group_id=GROUP)]
    assert response.status_code == 403
    assert same_site.status_code == 200
    assert said == ["hi"]  # only the same-site request spoke


@pytest.mark.trio
async def test_a_post_that_is_not_declared_json_is_refused() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.post(
                "/api/people/20003/messages", content=b'{"group_id": 100100, "message": "x"}',
                headers={"Content-Type": "text/plain"})
            said = sim.history(group_id=GROUP)
    assert response.status_code == 400
    assert "application/json" in response.json()["error"]
    assert said == []


# -- changing the world as a person ---------------------------------------------------------


@pytest.mark.trio
async def test_add_a_person_and_a_group_with_the_next_free_ids() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            person = await post(client, "/api/people", {"nickname": "新同学"})
            group = await post(client, "/api/groups",
                               {"name": "新群", "owner_id": person["user_id"]})
            chosen = await post(client, "/api/people", {"nickname": "小红", "user_id": 30000})
            again = await client.post("/api/people", json={"nickname": "x", "user_id": 30000})
            nameless = await client.post("/api/people", json={})
            owner = sim.world.groups.member(group["group_id"], person["user_id"])
    assert person["user_id"] == 20011 and person["nickname"] == "新同学"
    assert group["group_id"] == 100400 and group["name"] == "新群"
    assert owner.role == "owner"
    assert [m["user_id"] for m in group["members"]] == [20011]
    assert chosen["user_id"] == 30000
    assert again.status_code == 400  # the account exists
    assert nameless.status_code == 400


@pytest.mark.trio
async def test_membership_verbs_change_the_world() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            joined = await post(client, "/api/people/20010/join", {"group_id": GROUP})
            assert sim.world.groups.find_member(GROUP, 20010) is not None
            await post(client, "/api/people/20010/leave", {"group_id": GROUP})
            assert sim.world.groups.find_member(GROUP, 20010) is None
            owner_leaves = await client.post("/api/people/20001/leave", json={"group_id": GROUP})
            member_kicks = await client.post("/api/people/20004/kick",
                                             json={"group_id": GROUP, "user_id": 20005})
            assert sim.world.groups.find_member(GROUP, 20005) is not None
            await post(client, "/api/people/20001/kick", {"group_id": GROUP, "user_id": 20005})
            kicked = sim.world.groups.find_member(GROUP, 20005)
    assert joined["user_id"] == 20010 and joined["role"] == "member"
    assert owner_leaves.status_code == 400
    assert member_kicks.status_code == 400
    assert member_kicks.json()["error"] == "ERR_NOT_GROUP_ADMIN"
    assert kicked is None


@pytest.mark.trio
async def test_admin_verbs_mute_promote_and_rename() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            now = sim.world.now()
            muted = await post(client, "/api/people/20001/mute",
                               {"group_id": GROUP, "user_id": 20004, "duration": 60})
            everyone = await post(client, "/api/people/20001/mute_all",
                                  {"group_id": GROUP, "enable": True})
            admin = await post(client, "/api/people/20001/set_admin",
                               {"group_id": GROUP, "user_id": 20003, "enable": True})
            card = await post(client, "/api/people/20004/set_card",
                              {"group_id": GROUP, "card": "洋洋"})
            title = await post(client, "/api/people/20001/set_title",
                               {"group_id": GROUP, "user_id": 20004, "title": "话痨"})
            renamed = await post(client, "/api/people/20001/rename_group",
                                 {"group_id": GROUP, "name": "新名字"})
            refused = await client.post("/api/people/20004/set_admin",
                                        json={"group_id": GROUP, "user_id": 20005})
    assert muted["mute_until"] == now + 60
    assert everyone["whole_mute"] is True
    assert admin["role"] == "admin"
    assert card["card"] == "洋洋" and card["user_id"] == 20004
    assert title["title"] == "话痨"
    assert renamed["name"] == "新名字"
    assert refused.status_code == 400
    assert refused.json()["error"] == "ERR_NOT_GROUP_OWNER"


@pytest.mark.trio
async def test_poke_like_react_and_upload_as_a_person() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            poked = await post(client, "/api/people/20003/poke",
                               {"user_id": BOT, "group_id": GROUP})
            await post(client, "/api/people/20003/like", {"user_id": BOT, "times": 2})
            said = sim.person(20001).send_group_msg(GROUP, "周五聚餐")
            reacted = await post(client, "/api/people/20003/react",
                                 {"message_id": said.message_id, "emoji_id": "76"})
            listed = (await client.get(f"/api/groups/{GROUP}/messages")).json()
            uploaded = await post(client, "/api/people/20003/upload", {
                "group_id": GROUP, "name": "notes.txt",
                "data": base64.b64encode(b"hello").decode()})
            files = sim.world.files.files(GROUP)
            bad = await client.post("/api/people/20003/upload",
                                    json={"group_id": GROUP, "name": "x", "data": "***"})
    assert poked == {"delivered": True}
    assert reacted["changed"] is True
    assert reacted["reactions"] == [{"emoji_id": "76", "emoji_type": "1", "count": 1,
                                     "user_ids": [20003]}]
    assert listed["reactions"] == {str(said.message_id): reacted["reactions"]}
    assert uploaded["name"] == "notes.txt" and uploaded["size"] == 5
    assert [f.name for f in files] == ["notes.txt"]
    assert bad.status_code == 400


@pytest.mark.trio
async def test_requests_are_listed_with_what_the_bot_answered() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            friend = await post(client, "/api/people/20004/friend_request",
                                {"bot_id": BOT, "comment": "加个好友"})
            joins = await post(client, "/api/people/20010/join_request",
                               {"group_id": GROUP, "comment": "让我进去"})
            group = await post(client, "/api/groups", {"name": "没有机器人", "owner_id": 20007})
            invite = await post(client, "/api/people/20007/invite",
                                {"bot_id": BOT, "group_id": group["group_id"]})
            pending = (await client.get("/api/requests")).json()["requests"]
            sim.link(BOT).call("set_friend_add_request", {"flag": friend["flag"],
                                                          "approve": True})
            sim.link(BOT).call("set_group_add_request", {"flag": joins[0]["flag"],
                                                         "approve": False})
            answered = (await client.get("/api/requests")).json()["requests"]
    assert friend["kind"] == "friend" and friend["comment"] == "加个好友"
    assert [j["sub_type"] for j in joins] == ["add"]
    assert invite["sub_type"] == "invite"
    assert [r["state"] for r in pending] == ["pending"] * 3
    assert [r["state"] for r in answered] == ["approved", "rejected", "pending"]
    assert sim.world.accounts.is_friend(20004, BOT)


@pytest.mark.trio
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/people/20003/dance", {}, 400),
        ("/api/people/99999/join", {"group_id": GROUP}, 404),
        ("/api/people/20003/mute", {"group_id": GROUP}, 400),
        ("/api/people/20003/react", {"message_id": 1, "emoji_id": True}, 400),
        ("/api/people/20003/set_admin", {"group_id": GROUP, "user_id": 20004, "enable": "yes"},
         400),
        ("/api/groups", {"name": "x", "owner_id": 99999}, 404),
    ],
)
async def test_bad_verbs_and_bodies_are_json_errors(path: str, body: Any, status: int) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post(path, json=body)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)


# -- the wire: actions, frames, connections -------------------------------------------------


@pytest.mark.trio
async def test_frames_record_every_event_sent_to_a_connection() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client), bot_connected(sim) as ws:
            said = sim.person(20003).send_group_msg(GROUP, "hello bot")
            received = json.loads(await ws.get_message())
            frames = (await client.get("/api/frames")).json()["frames"]
            connections = (await client.get("/api/connections")).json()
    assert [f["event"].get("meta_event_type") or f["event"]["post_type"] for f in frames] == [
        "lifecycle", "message"]
    message_frame = frames[-1]
    assert message_frame["event"] == received  # exactly what went over the wire
    assert message_frame["event"]["message_id"] == said.message_id
    assert message_frame["bot_id"] == BOT
    assert message_frame["connection"] == "websocket-server"
    assert message_frame["summary"] == "message group 100100 from 20003: hello bot"
    assert message_frame["seq"] > frames[0]["seq"]
    [connection] = connections["connections"]
    assert connection["bot_id"] == BOT
    assert connection["transport"] == "ws-server"
    assert connection["connected_at"] == sim.world.now()
    assert {listener["kind"] for listener in connections["listeners"]} >= {"ws", "http",
                                                                            "control"}


@pytest.mark.trio
async def test_traffic_filters_by_bot_chat_kind_and_message() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client), bot_connected(sim) as ws:
            group_said = sim.person(20003).send_group_msg(GROUP, "in the group")
            private_said = sim.person(20001).send_private_msg(BOT, "in private")
            for _ in range(2):
                await ws.get_message()
            link = sim.link(BOT)
            reply = link.call("send_group_msg", {"group_id": GROUP, "message": "ok"})
            link.call("get_msg", {"message_id": private_said.message_id})

            async def listed(route: str, **query: Any) -> list[dict[str, Any]]:
                response = await client.get(f"/api/{route}", params=query)
                assert response.status_code == 200, response.text
                return list(response.json()[route])

            by_group = await listed("frames", chat=f"group:{GROUP}")
            by_private = await listed("frames", chat="private:20001")
            notices = await listed("frames", kind="meta_event")
            by_message = await listed("actions", message_id=private_said.message_id)
            answered = await listed("actions", message_id=reply["data"]["message_id"])
            group_calls = await listed("actions", chat=f"group:{GROUP}", kind="send_")
            other_bot = await listed("actions", bot_id=10002)
            last = await listed("actions", limit=1)
            bad = await client.get("/api/frames", params={"chat": "channel:1"})
    assert [f["event"]["message_id"] for f in by_group] == [group_said.message_id]
    assert [f["event"]["message_id"] for f in by_private] == [private_said.message_id]
    assert [f["event"]["meta_event_type"] for f in notices] == ["lifecycle"]
    assert [a["action"] for a in by_message] == ["get_msg"]
    assert [a["action"] for a in answered] == ["send_group_msg"]
    assert [a["action"] for a in group_calls] == ["send_group_msg"]
    assert other_bot == []
    assert [a["action"] for a in last] == ["get_msg"]
    assert bad.status_code == 400


def test_traffic_filter_reads_params_responses_and_events() -> None:
    action = ActionRecord(BOT, "ws", "delete_msg", {"message_id": "42"}, {"status": "ok"},
                          1.0, 0, 1)
    sent = ActionRecord(BOT, "ws", "send_private_msg", {"user_id": 20001, "message": "x"},
                        {"data": {"message_id": 7}}, 1.0, 0, 2)
    event = FrameRecord(BOT, "ws", {"post_type": "notice", "notice_type": "group_recall",
                                    "group_id": GROUP, "message_id": 42}, 0, 3)
    assert TrafficFilter(message_id=42)(action)  # a string id in params counts
    assert TrafficFilter(message_id=42)(event)
    assert not TrafficFilter(message_id=42)(sent)
    assert TrafficFilter(message_id=7)(sent)
    assert TrafficFilter(chat="private:20001")(sent)
    assert not TrafficFilter(chat=f"group:{GROUP}")(sent)
    assert TrafficFilter(kind="notice.group_recall")(event)
    assert not TrafficFilter(kind="notice.group_recall", bot_id=10002)(event)
    with pytest.raises(ValueError, match="group:<id>"):
        TrafficFilter(chat="group:abc")


@pytest.mark.trio
async def test_a_message_comes_with_the_traffic_behind_it() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client), bot_connected(sim) as ws:
            said = sim.person(20003).send_group_msg(GROUP, "recall me")
            await ws.get_message()
            sim.link(BOT).call("delete_msg", {"message_id": said.message_id})
            await ws.get_message()  # the recall notice
            found = (await client.get(f"/api/messages/{said.message_id}")).json()
            missing = await client.get("/api/messages/1")
    assert found["message"]["recalled"] is True
    assert [a["action"] for a in found["actions"]] == ["delete_msg"]
    assert [f["event"].get("notice_type", "message") for f in found["frames"]] == [
        "message", "group_recall"]
    assert found["reactions"] == []
    assert missing.status_code == 404


# -- media and forwards ------------------------------------------------------------------------


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.mark.trio
async def test_media_is_served_from_the_store_and_only_images_inline() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            image = sim.person(20003).send_group_msg(GROUP, [{"type": "image", "data": {
                "file": "base64://" + base64.b64encode(PNG).decode()}}]).segments[0]["data"]
            svg = sim.world.media.put(b"<svg onload='alert(1)'/>", kind="image", ext="svg")
            remote = sim.person(20003).send_group_msg(GROUP, [{"type": "image", "data": {
                "file": "https://example.com/a.png"}}]).segments[0]["data"]
            shown = await client.get(f"/api/media/{image['file']}")
            downloaded = await client.get(f"/api/media/{svg.name}", params={"name": "x.svg"})
            not_fetched = await client.get(f"/api/media/{remote['file']}")
            unknown = await client.get("/api/media/nothing.png")
    assert shown.status_code == 200
    assert shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert downloaded.headers["content-disposition"] == "attachment; filename*=UTF-8''x.svg"
    assert "sandbox" in downloaded.headers["content-security-policy"]
    assert not_fetched.status_code == 404
    assert "did not download" in not_fetched.json()["error"]
    assert unknown.status_code == 404


@pytest.mark.trio
async def test_a_forward_message_can_be_opened() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            body = sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": [
                {"type": "node", "data": {"user_id": "20001", "nickname": "张伟",
                                          "content": "第一条"}}]})
            carrier = sim.world.messages.get(body["data"]["message_id"])
            forward_id = carrier.segments[0]["data"]["id"]
            opened = (await client.get(f"/api/forwards/{forward_id}")).json()
            missing = await client.get("/api/forwards/123")
    assert opened["forward_id"] == forward_id
    [node] = opened["nodes"]
    assert (node["user_id"], node["nickname"], node["raw_message"]) == (20001, "张伟", "第一条")
    assert missing.status_code == 404


# -- the clock ---------------------------------------------------------------------------------


@pytest.mark.trio
async def test_the_clock_moves_forward_only() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            before = (await client.get("/api/clock")).json()["now"]
            moved = await post(client, "/api/clock/advance", {"seconds": 600})
            backwards = await client.post("/api/clock/advance", json={"seconds": -1})
    assert moved["now"] == before + 600 == sim.world.now()
    assert backwards.status_code == 400


# -- the live stream -----------------------------------------------------------------------------


@pytest.mark.trio
async def test_the_stream_carries_world_facts_actions_and_frames() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _), bot_connected(sim) as ws, console_stream(sim) as feed:
            hello = await next_item(feed, "hello")
            said = sim.person(20003).send_group_msg(GROUP, "live?")
            fact = await next_item(feed, "world", type="MessageCreated")
            frame = await next_item(feed, "frame")
            await ws.send_message(json.dumps({"action": "send_group_msg", "params": {
                "group_id": GROUP, "message": "live!"}}))
            action = await next_item(feed, "action")
            sim.person(20001).mute(GROUP, 20004, 60)
            muted = await next_item(feed, "world", type="MemberMuted")
    assert hello["seq"] == frame["seq"] - 1  # the lifecycle frame came before
    assert fact["data"]["message"]["message_id"] == said.message_id
    assert fact["audience"] == [BOT]
    assert frame["event"]["message_id"] == said.message_id
    assert action["action"] == "send_group_msg"
    assert action["response"]["status"] == "ok"
    assert muted["data"] == {"group_id": GROUP, "user_id": 20004, "operator_id": 20001,
                             "duration": 60}


@pytest.mark.trio
async def test_the_stream_reports_connections_coming_and_going() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _), console_stream(sim) as feed:
            await next_item(feed, "hello")
            async with bot_connected(sim):
                came = await next_item(feed, "connections")
            gone = await next_item(feed, "connections")
    assert [c["bot_id"] for c in came["connections"]] == [BOT]
    assert gone["connections"] == []


@pytest.mark.trio
async def test_a_stalled_client_is_told_what_it_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "FEED_BUFFER", 4)
    with trio.fail_after(10):
        async with serving() as (sim, _), console_stream(sim) as feed:
            await next_item(feed, "hello")
            link = sim.link(BOT)
            for _ in range(20):  # all at once: the feed cannot drain in between
                link.call("get_status", {})
            dropped = await next_item(feed, "dropped")
            kept = len(sim.actions)
    assert kept == 20  # the world and the log lost nothing; only this client did
    assert 0 < dropped["count"] <= 16


@pytest.mark.trio
@pytest.mark.parametrize(
    ("query", "headers", "refused"),
    [("", [], True), ("?access_token=wrong", [], True), (f"?access_token={TOKEN}", [], False),
     (f"?access_token={TOKEN}", [("Origin", "http://evil.example")], True)],
)
async def test_the_stream_needs_the_token_and_our_origin(
    query: str, headers: Any, refused: bool
) -> None:
    with trio.fail_after(10):
        async with serving(token=TOKEN) as (sim, _):
            if refused:
                with pytest.raises(HandshakeError):
                    async with console_stream(sim, query, headers):
                        pass
            else:
                async with console_stream(sim, query, headers) as feed:
                    assert (await next_item(feed, "hello"))["kind"] == "hello"


# -- faults and scenarios ------------------------------------------------------------------------


async def ws_call(ws: WebSocketConnection, action: str, params: dict[str, Any]) -> Any:
    """Call as the connected bot; skip event frames until the answer comes."""
    await ws.send_message(json.dumps({"action": action, "params": params, "echo": action}))
    while True:
        frame = json.loads(await ws.get_message())
        if frame.get("echo") == action:
            return frame


@pytest.mark.trio
async def test_a_fault_is_switched_on_and_off() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client), bot_connected(sim) as ws:
            armed = await post(client, "/api/faults", {
                "kind": "fail", "action": "send_*", "probability": 1, "retcode": 1200,
                "message": "发送失败", "label": "fail-send"})
            listed = (await client.get("/api/faults")).json()
            failed = await ws_call(ws, "send_group_msg", {"group_id": GROUP, "message": "a"})
            other = await ws_call(ws, "get_status", {})
            removed = await client.delete(f"/api/faults/{armed['id']}")
            again = await client.delete(f"/api/faults/{armed['id']}")
            sent = await ws_call(ws, "send_group_msg", {"group_id": GROUP, "message": "b"})
            said = [m.raw_message for m in sim.history(group_id=GROUP)]
            record = next(r for r in sim.actions if r.action == "send_group_msg")
    assert armed["kind"] == "fail" and armed["level"] == "action"
    assert [f["id"] for f in listed["active"]] == [armed["id"]]
    assert {"kind": "drop_connection", "level": "event"} in listed["kinds"]
    assert (failed["status"], failed["retcode"], failed["message"]) == ("failed", 1200, "发送失败")
    assert other["status"] == "ok"  # only send_* calls take it
    assert removed.status_code == 200 and again.status_code == 404
    assert sent["status"] == "ok"
    assert said == ["b"]  # the failed send changed nothing
    assert record.fault == "fail"


@pytest.mark.trio
async def test_a_fault_window_follows_the_world_clock() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            armed = await post(client, "/api/faults", {"kind": "no_reply", "for_seconds": 60})
            now = sim.world.clock.now()
            await post(client, "/api/clock/advance", {"seconds": 61})
            active = (await client.get("/api/faults")).json()["active"]
            await post(client, "/api/faults", {"kind": "fail"})
            cleared = await client.delete("/api/faults")
            after = (await client.get("/api/faults")).json()["active"]
    assert (armed["start"], armed["end"]) == (now, now + 60)
    assert active == []  # the window closed as the clock moved
    assert cleared.status_code == 200 and after == []


@pytest.mark.trio
@pytest.mark.parametrize(
    ("body", "says"),
    [({"kind": "explode"}, "explode"),
     ({"kind": "fail", "colour": "red"}, "colour"),
     ({"kind": "fail", "times": 0}, "times"),
     ({"kind": "drop_connection"}, "drop_connection")],  # no connection can take it
)
async def test_a_bad_fault_is_refused(body: dict[str, Any], says: str) -> None:
    with trio.fail_after(10):
        async with serving() as (sim, client):
            response = await client.post("/api/faults", json=body)
            armed = sim.faults.active
    assert response.status_code == 400
    assert says in response.json()["error"]
    assert armed == []


SCENARIO = """\
name: console-check
world: default
steps:
  - wait_connected
  - say: {from: 20003, group: 100100, text: hello from a scenario}
  - note: said
"""


async def run_state(client: httpx.AsyncClient, run_id: int) -> Any:
    """The run's state once it ended (each GET lets the run's task go on)."""
    while True:
        state = (await client.get(f"/api/scenarios/runs/{run_id}")).json()
        if state["status"] != "running":
            return state


@pytest.mark.trio
async def test_a_scenario_runs_in_the_background_one_at_a_time() -> None:
    with trio.fail_after(20):
        async with serving() as (sim, client):
            listed = (await client.get("/api/scenarios")).json()
            started = await post(client, "/api/scenarios/run",
                                 {"text": SCENARIO, "name": "check.yaml"})
            busy = await client.post("/api/scenarios/run", json={"text": SCENARIO})
            assert started["status"] == "running"  # waiting for a bot
            async with bot_connected(sim):
                done = await run_state(client, started["id"])
            said = [m.raw_message for m in sim.history(group_id=GROUP)]
            runs = (await client.get("/api/scenarios")).json()["runs"]
    assert "smoke/ping_pong.yaml" in listed["files"]
    assert busy.status_code == 409
    assert done["status"] == "passed", done["message"]
    assert [s["step"] for s in done["steps"]] == ["wait_connected", "say", "note"]
    assert said == ["hello from a scenario"]
    assert [r["status"] for r in runs] == ["passed"]


@pytest.mark.trio
@pytest.mark.parametrize(
    ("body", "says"),
    [({"text": "name: x\nsteps:\n  - dance: {}\n", "name": "bad.yaml"}, "bad.yaml"),
     ({"path": "../pyproject.toml"}, "no scenario"),
     ({"path": "/etc/passwd"}, "no scenario")],
)
async def test_a_bad_scenario_is_refused(body: dict[str, Any], says: str) -> None:
    with trio.fail_after(10):
        async with serving() as (_, client):
            response = await client.post("/api/scenarios/run", json=body)
    assert response.status_code == 400
    assert says in response.json()["error"]
