"""Dispatch and envelopes: name resolution, validation, coercion, echo, retcodes, profiles."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ADMIN_GROUP, BOT, Api

from simulator import ConfigError, Simulator, SimulatorConfig
from simulator.onebot import dispatch
from simulator.onebot.context import ActionContext, ConnectionSettings
from simulator.onebot.envelope import response
from simulator.onebot.params import NoParams
from simulator.onebot.profiles import GOCQ, NAPCAT, Transport
from simulator.onebot.registry import Origin, Registry

KEYS = ["status", "retcode", "data", "message", "wording", "echo", "stream"]


def link(sim: Simulator, transport: Transport) -> Any:
    return sim.link(BOT, ConnectionSettings(transport=transport))


# -- envelope shape ---------------------------------------------------------------------


def test_success_envelope_key_order(api: Api) -> None:
    body = api.call("get_login_info", {}, echo="e1")
    assert list(body) == KEYS
    assert body == {"status": "ok", "retcode": 0, "data": {"user_id": BOT, "nickname": "小Q"},
                    "message": "", "wording": "", "echo": "e1", "stream": "normal-action"}
    assert "msg" not in body


@pytest.mark.parametrize(("action", "params"), [
    ("send_like", {"user_id": 20001}),
    ("set_restart", {}),
    ("clean_cache", {}),
    ("set_friend_add_request", None),  # filled in below
    ("set_group_special_title", {"group_id": 100200, "user_id": 20008}),
    (".handle_quick_operation", {"context": {"time": 1, "self_id": BOT, "post_type": "notice",
                                             "user_id": 1}, "operation": {}}),
])
def test_void_actions_have_no_data_key(sim: Simulator, api: Api, action: str,
                                       params: Any) -> None:
    if params is None:
        params = {"flag": sim.person(20004).add_friend(BOT).flag}
    body = api.call(action, params)
    assert list(body) == [k for k in KEYS if k != "data"] and body["status"] == "ok"


def test_null_results_keep_a_null_data_key(api: Api) -> None:
    body = api.call("set_group_card", {"group_id": ADMIN_GROUP, "user_id": BOT, "card": "x"})
    assert list(body) == KEYS and body["data"] is None


def test_failure_envelope(api: Api) -> None:
    body = api.call("get_msg", {"message_id": 1}, echo={"n": 1})
    assert list(body) == KEYS
    assert body == {"status": "failed", "retcode": 1200, "data": None, "message": "消息不存在",
                    "wording": "消息不存在", "echo": {"n": 1}, "stream": "normal-action"}


@pytest.mark.parametrize("echo", ["abc", 0, 12.5, None, [1, "x"], {"k": [1]}])
def test_ws_echo_comes_back_unchanged(api: Api, echo: Any) -> None:
    assert api.call("get_status", {}, echo=echo)["echo"] == echo
    assert api.call("no_such_action", {}, echo=echo)["echo"] == echo


def test_ws_echo_when_the_request_had_none(api: Api) -> None:
    assert api.call("get_status")["echo"] == ""
    assert api.call("get_group_info", {})["echo"] == ""  # bad params keep ""
    assert api.call("no_such_action")["echo"] is None


def test_http_echo_and_retcodes(sim: Simulator) -> None:
    http = link(sim, Transport.HTTP)
    first, second = http.call("get_status", {})["echo"], http.call("get_status", {})["echo"]
    assert len(first) == 11 and first.isalnum() and first.lower() == first and first != second
    assert http.call("get_status", {}, "mine")["echo"] == "mine"
    bad = http.call("get_group_info", {}, "mine")
    assert (bad["retcode"], bad["echo"]) == (400, None)
    runtime = http.call("get_msg", {"message_id": 1}, "mine")
    assert (runtime["retcode"], runtime["echo"]) == (200, "mine")
    unknown = http.call("nope", {})
    assert (unknown["retcode"], unknown["message"]) == (200, "不支持的Api nope")
    assert len(unknown["echo"]) == 11


@pytest.mark.parametrize(("transport", "text"), [
    (Transport.WS_SERVER, "不支持的API nope"),
    (Transport.WS_CLIENT, "不支持的Api nope"),
])
def test_unknown_action_per_transport(sim: Simulator, transport: Transport, text: str) -> None:
    body = link(sim, transport).call("nope", {})
    assert (body["status"], body["retcode"], body["message"], body["wording"]) == (
        "failed", 1404, text, text)
    assert body["data"] is None


@pytest.mark.parametrize("name", ["Get_Status", "get_supported_actions", "get_status_",
                                  "_async", "nope_async", "get_status_async_async", 42])
def test_names_that_are_not_routed(api: Api, name: Any) -> None:
    body = api.link.call(name, {})
    assert (body["retcode"], body["message"]) == (1404, f"不支持的API {name}")


# -- aliases ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["_async", "_rate_limited"])
def test_async_and_rate_limited_are_plain_aliases(api: Api, sim: Simulator,
                                                  suffix: str) -> None:
    assert api.ok("get_login_info" + suffix) == api.ok("get_login_info")
    data = api.ok("send_group_msg" + suffix, {"group_id": ADMIN_GROUP, "message": "now"})
    assert sim.history(group_id=ADMIN_GROUP)[-1].message_id == data["message_id"]
    api.void("send_like" + suffix, {"user_id": 20001})
    api.fail("get_msg" + suffix, {"message_id": 1}, "消息不存在")


def test_actions_are_recorded(api: Api, sim: Simulator) -> None:
    api.call("get_status", {"x": 1})
    record = sim.actions[-1]
    assert (record.bot_id, record.action, record.params, record.response["retcode"]) == (
        BOT, "get_status", {"x": 1}, 0)


# -- validation and coercion ------------------------------------------------------------


@pytest.mark.parametrize(("action", "params", "message"), [
    ("get_group_member_info", {"group_id": ADMIN_GROUP},
     "Expected required property (/user_id)"),
    ("get_group_info", {"group_id": "abc"}, "Expected number (/group_id)"),
    ("get_group_info", {"group_id": None}, "Expected number (/group_id)"),
    ("get_group_info", {"group_id": 1.5}, "Expected number (/group_id)"),
    ("get_group_list", {"no_cache": "maybe"}, "Expected boolean (/no_cache)"),
    ("get_friend_list", {"no_cache": 2}, "Expected boolean (/no_cache)"),
    ("set_friend_add_request", {"flag": None}, "Expected string (/flag)"),
    ("set_friend_add_request", {"flag": {"a": 1}}, "Expected string (/flag)"),
    ("get_group_honor_info", {"group_id": 1, "type": "x"}, "Expected union value (/type)"),
    ("get_status", [], "Expected object"),
    ("get_status", "params", "Expected object"),
    (".handle_quick_operation", {"context": [], "operation": {}}, "Expected object (/context)"),
])
def test_validation_failures_name_the_parameter(api: Api, action: str, params: Any,
                                                message: str) -> None:
    api.fail(action, params, f"Schema compilation error: {message}", 1400)


@pytest.mark.parametrize(("params", "expected"), [
    ({"group_id": "100100", "user_id": "20003"}, 20003),
    ({"group_id": 100100.0, "user_id": " 20003 "}, 20003),
    ({"group_id": 100100, "user_id": 20003, "no_cache": "false", "extra": [1]}, 20003),
])
def test_numeric_strings_and_extra_keys(api: Api, params: dict[str, Any],
                                        expected: int) -> None:
    assert api.ok("get_group_member_info", params)["user_id"] == expected


@pytest.mark.parametrize("flag", ["true", "false", "1", "0", 1, 0, True])
def test_boolean_coercion(api: Api, flag: Any) -> None:
    assert len(api.ok("get_friend_list", {"no_cache": flag})) == 4


def test_numbers_become_strings(api: Api) -> None:
    assert "p_skey=" in api.ok("get_cookies", {"domain": 123})["cookies"]
    api.fail("set_friend_add_request", {"flag": 123}, "No such request")  # reached the world


def test_params_none_means_empty(api: Api) -> None:
    assert api.link.call("get_status", None)["status"] == "ok"


# -- handler crashes and void semantics, on a private registry --------------------------


def test_a_crashing_handler_is_a_runtime_failure(sim: Simulator) -> None:
    registry = Registry()

    @registry.action("boom", origin=Origin.NAPCAT)
    def boom(ctx: ActionContext, p: NoParams) -> None:
        """Always crashes."""
        raise RuntimeError("kaput")

    @registry.action("maybe", origin=Origin.NAPCAT, void=True)
    def maybe(ctx: ActionContext, p: NoParams) -> int:
        """Void unless it returns something."""
        return 7

    ctx = ActionContext(world=sim.world, self_id=BOT)
    outcome = dispatch.call(ctx, "boom", {}, registry)
    body = response(outcome, Transport.WS_SERVER, NAPCAT)
    # The crash is logged; the bot reads no exception text (issue 11 row 11).
    assert (body["retcode"], body["message"]) == (1200, dispatch.INTERNAL_ERROR)
    assert response(dispatch.call(ctx, "maybe", {}, registry), Transport.WS_SERVER,
                    NAPCAT)["data"] == 7


def test_routes_are_remembered_per_profile_and_forgotten_when_an_action_is_declared(
        sim: Simulator) -> None:
    registry = Registry()

    @registry.action("ping", origin=Origin.NAPCAT)
    def ping(ctx: ActionContext, p: NoParams) -> int:
        """One."""
        return 1

    napcat, gocq = (ActionContext(world=sim.world, self_id=BOT, profile=profile)
                    for profile in (NAPCAT, GOCQ))
    assert dispatch.call(napcat, "ping_async", {}, registry).data == 1
    assert registry.routes[0] is NAPCAT and set(registry.routes[1]) == {"ping_async"}
    assert dispatch.call(napcat, "nothing", {}, registry).failure is not None
    assert set(registry.routes[1]) == {"ping_async"}  # unknown names are not kept
    # Another profile resolves again: go-cqhttp routes no NapCat-only action.
    assert dispatch.call(gocq, "ping", {}, registry).failure is not None
    assert dispatch.call(napcat, "ping_async", {}, registry).data == 1

    @registry.action("ping_async", origin=Origin.NAPCAT)
    def ping_async(ctx: ActionContext, p: NoParams) -> int:
        """Two: the name no longer reaches ``ping``."""
        return 2

    assert registry.routes == (None, {})
    assert dispatch.call(napcat, "ping_async", {}, registry).data == 2


# -- the go-cqhttp profile --------------------------------------------------------------


def gocq(sim: Simulator, action: str, params: Any) -> dict[str, Any]:
    ctx = ActionContext(world=sim.world, self_id=BOT, profile=GOCQ)
    return response(dispatch.call(ctx, action, params), Transport.WS_SERVER, GOCQ)


def test_gocq_envelope_differences(sim: Simulator) -> None:
    void = gocq(sim, "set_group_card", {"group_id": ADMIN_GROUP, "user_id": 20003})
    # coolq/api.go OK(nil): no wording, no echo when none was sent, keys in Go's map order.
    assert list(void.items()) == [("data", None), ("message", ""), ("retcode", 0),
                                  ("status", "ok")]
    unknown = gocq(sim, "send_like", {"user_id": 20001})  # go-cqhttp 1.2 routes no send_like
    assert unknown == {"data": None, "message": "API不存在", "msg": "API_NOT_FOUND",
                       "retcode": 404, "status": "failed", "wording": "API不存在"}
    assert gocq(sim, "get_status_rate_limited", {})["retcode"] == 404
    assert gocq(sim, "get_status_async", {})["retcode"] == 0
    assert gocq(sim, "get_group_info", {"group_id": "x"})["retcode"] == 100
    missing = gocq(sim, "get_msg", {"message_id": 1})
    assert (missing["retcode"], missing["msg"], missing["wording"]) == (
        100, "MSG_NOT_FOUND", "消息不存在")


def test_anonymous_actions_exist_only_for_gocq(sim: Simulator, api: Api) -> None:
    for name in ("set_group_anonymous", "set_group_anonymous_ban"):
        api.fail(name, {"group_id": ADMIN_GROUP}, f"不支持的API {name}", 1404)
    assert gocq(sim, "set_group_anonymous", {"group_id": ADMIN_GROUP})["status"] == "ok"
    assert gocq(sim, "set_group_anonymous", {"group_id": 100300})["message"] == (
        "ERR_NOT_GROUP_ADMIN")
    banned = gocq(sim, "set_group_anonymous_ban", {"group_id": ADMIN_GROUP, "flag": "f1"})
    assert (banned["retcode"], banned["msg"], banned["message"]) == (
        100, "INVALID_FLAG", "无效的flag")


def test_gocq_simulator_profile(clock: Any) -> None:
    sim = Simulator(SimulatorConfig(control_port=None, profile="gocq"), clock=clock)
    bot = sim.link(BOT)
    assert bot.call("get_version_info", {})["data"]["app_name"] == "go-cqhttp"
    sent = sim.person(20003).send_group_msg(ADMIN_GROUP, "hi")
    got = bot.call("get_msg", {"message_id": sent.message_id})["data"]
    assert got["group"] is True and "raw_message" not in got
    sim.close()
    with pytest.raises(ConfigError, match="unknown profile 'llob'"):
        Simulator(SimulatorConfig(control_port=None, profile="llob"))


def test_only_bots_get_links(sim: Simulator) -> None:
    with pytest.raises(ConfigError, match="20001 is not a bot account"):
        sim.link(20001)
