"""Actions labelled ``world`` answer from the world: a logged-out bot is offline and mute.

The gate at the end reads every handler declared with ``Backing.WORLD``: one
that never touches the world (``ctx.world``, ``ctx.files``, or the whole
``ctx`` handed to a helper) answers the same whatever the world holds, so it
is mislabelled. ``get_status`` was such a handler (it returned a constant).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, Api, wired_config

from simulator import ManualClock, Simulator
from simulator.link import BotLink, Deferred
from simulator.onebot.actions._timeout import KERNEL_SEND_TIMEOUT_TEXT
from simulator.onebot.registry import REGISTRY, Backing

OFFLINE_TEXT = f"发送消息失败: {BOT} 已离线"


def test_get_status_says_offline_after_bot_exit(api: Api) -> None:
    assert api.ok("get_status") == {"online": True, "good": True, "stat": {}}
    api.void("bot_exit")
    assert api.ok("get_status") == {"online": False, "good": True, "stat": {}}


def test_get_status_follows_the_account_back_online(api: Api) -> None:
    api.void("bot_exit")
    api.ok("set_online_status", {"status": 10, "ext_status": 0, "battery_status": 0})
    assert api.ok("get_status")["online"] is True


def test_heartbeats_carry_the_status_get_status_gives(bot: BotLink) -> None:
    assert bot.heartbeat(30000)["status"] == {"online": True, "good": True}
    bot.call("bot_exit", {})
    assert bot.heartbeat(30000)["status"] == {"online": False, "good": True}


def test_under_gocq_an_offline_bot_is_not_good_either(sim: Simulator, api: Api) -> None:
    sim.reset(profile="gocq")  # go-cqhttp has no bot_exit: QQ logs the account out
    sim.world.profiles.go_offline(BOT, "下线", "账号在其他设备登录")
    status = api.ok("get_status")
    assert (status["online"], status["good"]) == (False, False)


def test_an_offline_bots_group_send_times_out_as_napcats_kernel_does(
        sim: Simulator, bot: BotLink) -> None:
    bot.call("bot_exit", {})
    answer = bot.call_frames("send_group_msg", {"group_id": ADMIN_GROUP, "message": "hi"})
    assert isinstance(answer, Deferred) and answer.seconds == 10
    assert (answer[-1]["status"], answer[-1]["message"]) == ("failed", KERNEL_SEND_TIMEOUT_TEXT)
    assert sim.history(group_id=ADMIN_GROUP) == []


def test_an_offline_bots_sends_fail_at_once_with_immediate_send_failures() -> None:
    config = wired_config()
    config.immediate_send_failures = True
    sim = Simulator(config, clock=ManualClock())
    try:
        api = Api(sim.link(BOT))
        api.void("bot_exit")
        api.fail("send_group_msg", {"group_id": ADMIN_GROUP, "message": "hi"}, OFFLINE_TEXT)
        api.fail("send_private_msg", {"user_id": 20001, "message": "hi"}, OFFLINE_TEXT)
        assert sim.history(group_id=ADMIN_GROUP) == []
        assert sim.history(user_id=BOT, peer_id=20001) == []
    finally:
        sim.close()


def test_an_offline_bot_cannot_write_privately_and_others_still_can(
        sim: Simulator, api: Api) -> None:
    api.void("bot_exit")
    api.fail("send_private_msg", {"user_id": 20001, "message": "hi"}, OFFLINE_TEXT)
    sim.person(20001).send_group_msg(ADMIN_GROUP, "还在")
    assert [m.raw_message for m in sim.history(group_id=ADMIN_GROUP)] == ["还在"]


def test_get_login_info_answers_from_the_world(sim: Simulator, api: Api) -> None:
    sim.world.accounts.update(BOT, nickname="改过的名字")
    assert api.ok("get_login_info") == {"user_id": BOT, "nickname": "改过的名字"}


# -- the gate: a handler labelled ``world`` must read the world ----------------------------


def ignores_the_world(handler: Callable[..., Any]) -> bool:
    """Whether ``handler`` never reads ``ctx.world`` / ``ctx.files`` nor hands ``ctx`` on."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler))).body[0]
    assert isinstance(tree, ast.FunctionDef)
    ctx = tree.args.args[0].arg
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == ctx:
            parent = parents[node]
            if not isinstance(parent, ast.Attribute) or parent.attr in ("world", "files"):
                return False  # the world itself, or the whole context given to a helper
    return True


def test_every_handler_labelled_world_reads_the_world() -> None:
    handlers = {spec.handler for spec in REGISTRY if spec.backing is Backing.WORLD}
    assert len(handlers) > 100  # the whole surface is registered
    mislabelled = sorted(h.__name__ for h in handlers if ignores_the_world(h))
    assert mislabelled == []


def constant_status(ctx: Any, p: Any) -> dict[str, Any]:
    return {"online": True, "self": ctx.self_id, "format": ctx.settings.message_format}


def status_from_world(ctx: Any, p: Any) -> dict[str, Any]:
    return {"online": ctx.world.accounts.is_online(ctx.self_id)}


def status_via_helper(ctx: Any, p: Any) -> dict[str, Any]:
    return dict(status_from_world(ctx, p))


@pytest.mark.parametrize(("handler", "ignores"), [
    (constant_status, True), (status_from_world, False), (status_via_helper, False)])
def test_the_gate_catches_a_handler_that_answers_a_constant(
        handler: Callable[..., Any], ignores: bool) -> None:
    assert ignores_the_world(handler) is ignores
