"""HTTP POST webhooks (napcat.md §2.3, §2.7): quick operations, slow and failing receivers."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from bots.peers import Post, WebhookReceiver
from log_watch import watching
from trio_websocket import open_websocket_url

from simulator import ManualClock, SimulatorConfig
from simulator.app import Simulator, serve
from simulator.config import HttpClientConfig, NetworkConfig, OneBotConfig, WebsocketServerConfig
from simulator.onebot.profiles import GOCQ, NAPCAT

BOT = 10001
GROUP = 100100
TIMEOUT = 10

pytestmark = pytest.mark.trio


def replying(body: Any, status: int = 200) -> Any:
    async def reply(post: Post) -> tuple[int, str]:
        if post.event.get("post_type") == "meta_event":
            return 204, ""
        return status, body if isinstance(body, str) else json.dumps(body)

    return reply


@asynccontextmanager
async def serving(*hooks: HttpClientConfig, profile: Any = NAPCAT, event_buffer: int = 1000,
                  ws: bool = False, clock: ManualClock | None = None
                  ) -> AsyncIterator[Simulator]:
    network = NetworkConfig(httpClients=list(hooks))
    if ws:
        network.websocketServers = [WebsocketServerConfig(enable=True, port=0, heartInterval=0)]
    config = SimulatorConfig(bots={BOT: OneBotConfig(network=network)}, control_port=None,
                             profile=profile.name, event_buffer=event_buffer)
    sim = Simulator(config, clock=clock)
    sim.profile = profile  # lets a test shorten the profile's webhook timeout
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(serve, sim)
            yield sim
            nursery.cancel_scope.cancel()
    finally:
        sim.close()


def hook(url: str, **settings: Any) -> HttpClientConfig:
    return HttpClientConfig(enable=True, url=url, **settings)


async def bot_said(sim: Simulator, text: str, group_id: int = GROUP) -> Any:
    def said() -> bool:
        return any(m.sender_id == BOT and text in m.raw_message
                   for m in sim.history(group_id=group_id))

    await sim.wait_until(said)
    return next(m for m in sim.history(group_id=group_id)
                if m.sender_id == BOT and text in m.raw_message)


# -- quick operations ------------------------------------------------------------------


async def test_a_group_reply_quotes_the_trigger_and_can_mention_the_sender() -> None:
    receiver = WebhookReceiver()
    receiver.reply = replying({"reply": "pong", "at_sender": True})
    with trio.fail_after(TIMEOUT):
        async with receiver.running(), serving(hook(receiver.url)) as sim:
            trigger = sim.person(20003).send_group_msg(GROUP, "ping")
            reply = await bot_said(sim, "pong")
    assert reply.segments[0] == {"type": "reply", "data": {"id": str(trigger.message_id)}}
    assert reply.segments[1]["type"] == "at"
    assert reply.segments[1]["data"]["qq"] == "20003"
    assert reply.segments[-1] == {"type": "text", "data": {"text": "pong"}}


async def test_a_private_reply_goes_back_to_the_sender() -> None:
    receiver = WebhookReceiver()
    receiver.reply = replying("{reply: 'hi there', /* JSON5 */}")
    with trio.fail_after(TIMEOUT):
        async with receiver.running(), serving(hook(receiver.url)) as sim:
            sim.person(20001).send_private_msg(BOT, "hello")

            def answered() -> bool:
                return any(m.sender_id == BOT
                           for m in sim.history(user_id=BOT, peer_id=20001))

            await sim.wait_until(answered)
            reply = sim.history(user_id=BOT, peer_id=20001)[-1]
    assert reply.raw_message == "hi there"


async def test_a_friend_request_is_approved_by_the_reply() -> None:
    receiver = WebhookReceiver()
    receiver.reply = replying({"approve": True})
    with trio.fail_after(TIMEOUT):
        async with receiver.running(), serving(hook(receiver.url)) as sim:
            sim.person(20009).add_friend(BOT, "let me in")
            posted = await receiver.next_event()
            friends = sim.link(BOT).call("get_friend_list", {})["data"]
            while not any(f["user_id"] == 20009 for f in friends):
                await receiver.next_post()  # the friend_add notice follows the approval
                friends = sim.link(BOT).call("get_friend_list", {})["data"]
    assert (posted["post_type"], posted["request_type"]) == ("request", "friend")


@pytest.mark.parametrize(("status", "body", "logged"), [
    (500, '{"reply": "never"}', "failed: HTTP 500"),
    (200, "not json at all", "that is not JSON"),
])
async def test_a_failing_receiver_is_logged_and_its_reply_ignored(
    status: int, body: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    receiver = WebhookReceiver()
    receiver.reply = replying(body, status)
    with trio.fail_after(TIMEOUT), watching() as log:
        async with receiver.running(), serving(hook(receiver.url)) as sim:
            sim.person(20003).send_group_msg(GROUP, "first")
            await receiver.next_post()
            await log.wait_for(logged)
            sim.person(20003).send_group_msg(GROUP, "second")
            second = await receiver.next_event()
            history = sim.history(group_id=GROUP)
    assert second["raw_message"] == "second"  # delivery goes on after a failure
    assert all(m.sender_id != BOT for m in history)
    line = next(r.getMessage() for r in caplog.records if logged in r.getMessage())
    assert line.startswith(f"[{BOT} http-client]") and "\n" not in line


# -- slow receivers --------------------------------------------------------------------


async def test_a_stuck_receiver_stalls_neither_the_world_nor_other_connections() -> None:
    stuck, fast = WebhookReceiver(), WebhookReceiver()
    release = trio.Event()

    async def hang(post: Post) -> tuple[int, str]:
        await release.wait()
        return 204, ""

    stuck.reply = hang
    with trio.fail_after(TIMEOUT):
        async with stuck.running(), fast.running(), serving(
            hook(stuck.url, name="stuck"), hook(fast.url, name="fast"), ws=True
        ) as sim:
            ws_url = sim.url("ws")
            async with open_websocket_url(ws_url + "/") as ws:
                await ws.get_message()  # lifecycle
                sent = [sim.person(20003).send_group_msg(GROUP, f"m{i}") for i in range(20)]
                over_ws = [json.loads(await ws.get_message()) for _ in sent]
                over_fast = [await fast.next_event() for _ in sent]
                sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": "alive"})
            release.set()
    assert [e["raw_message"] for e in over_ws] == [m.raw_message for m in sent]
    assert sorted(e["raw_message"] for e in over_fast) == sorted(m.raw_message for m in sent)
    assert len(stuck.posts) == 8  # POSTS_IN_FLIGHT posts wait on the stuck receiver


async def test_a_receiver_that_never_answers_times_out_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    receiver = WebhookReceiver()

    async def never(post: Post) -> tuple[int, str]:
        await trio.sleep_forever()  # a receiver that never answers (cancelled at the end)
        raise AssertionError

    receiver.reply = never
    quick = dataclasses.replace(NAPCAT, wire=dataclasses.replace(NAPCAT.wire,
                                                                 webhook_timeout=0.2))
    with trio.fail_after(TIMEOUT), watching() as log:
        async with receiver.running(), serving(hook(receiver.url), profile=quick) as sim:
            sim.person(20003).send_group_msg(GROUP, "hello?")
            line = await log.wait_for("timeout")
    assert "no answer within the timeout" in line and "hello?" in line


async def test_a_full_queue_drops_the_newest_events_for_that_webhook_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="qqsim")
    stuck = WebhookReceiver()
    release = trio.Event()

    async def hang(post: Post) -> tuple[int, str]:
        await release.wait()
        return 204, ""

    stuck.reply = hang
    with trio.fail_after(TIMEOUT):
        async with stuck.running(), serving(hook(stuck.url), event_buffer=4) as sim:
            for i in range(8):  # fill the eight delivery slots
                sim.person(20003).send_group_msg(GROUP, f"in flight {i}")
            await stuck.wait_posts(8)
            for i in range(6):  # four fit in the queue, two are dropped
                sim.person(20003).send_group_msg(GROUP, f"queued {i}")
            release.set()
            delivered = [await stuck.next_event() for _ in range(12)]
            with trio.move_on_after(0.3):
                extra = await stuck.next_event()
                pytest.fail(f"an event over the limit was delivered: {extra}")
    texts = [e["raw_message"] for e in delivered]
    assert sorted(t for t in texts if t.startswith("queued")) == [f"queued {i}" for i in range(4)]
    drops = [r for r in caplog.records if "not keeping up" in r.getMessage()]
    assert len(drops) == 2


# -- go-cqhttp -------------------------------------------------------------------------


async def test_gocq_posts_heartbeats_with_its_own_headers() -> None:
    receiver = WebhookReceiver()
    with trio.fail_after(TIMEOUT):
        async with receiver.running(), serving(hook(receiver.url, token="k"), profile=GOCQ,
                                               clock=ManualClock()) as sim:
            await sim.settle()  # the heartbeat ticker sleeps on the world's clock
            sim.advance(5)
            beat = await receiver.next_post()
    assert beat.event["meta_event_type"] == "heartbeat"
    assert beat.event["interval"] == 5000
    assert beat.headers["user-agent"] == "CQHttp/4.15.0"
    assert beat.headers["x-self-id"] == str(BOT)
    assert beat.headers["x-signature"].startswith("sha1=")


async def test_napcat_posts_no_meta_events_and_names_no_user_agent() -> None:
    receiver = WebhookReceiver()
    with trio.fail_after(TIMEOUT):
        async with receiver.running(), serving(hook(receiver.url), clock=ManualClock()) as sim:
            await sim.settle()
            sim.advance(60)  # a go-cqhttp webhook would have had twelve heartbeats by now
            await sim.settle()
            sim.person(20003).send_group_msg(GROUP, "only this")
            post = await receiver.next_post()
    assert post.event["raw_message"] == "only this"
    assert "user-agent" not in post.headers
    assert "x-signature" not in post.headers  # no token, no signature
