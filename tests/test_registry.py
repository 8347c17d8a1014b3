"""The action registry: every action is declared completely, and every action is tested."""

from __future__ import annotations

import re

import pytest
from action_gate import untested
from conftest import BOT

from simulator import Simulator, UnknownAction
from simulator.coverage import Coverage
from simulator.onebot.context import ActionContext
from simulator.onebot.dispatch import REGISTRY, resolve
from simulator.onebot.params import NoParams, Params
from simulator.onebot.profiles import GOCQ, NAPCAT
from simulator.onebot.registry import Backing, Origin, Registry

# NapCat §4.12: the OneBot 11 standard actions it routes, plus the hidden quick operation.
STANDARD = [
    "send_private_msg", "send_group_msg", "send_msg", "delete_msg", "get_msg",
    "get_forward_msg", "send_like", "set_group_kick", "set_group_ban", "set_group_whole_ban",
    "set_group_admin", "set_group_card", "set_group_name", "set_group_leave",
    "set_group_special_title", "set_friend_add_request", "set_group_add_request",
    "get_login_info", "get_stranger_info", "get_friend_list", "get_group_info",
    "get_group_list", "get_group_member_info", "get_group_member_list", "get_group_honor_info",
    "get_cookies", "get_csrf_token", "get_credentials", "get_record", "get_image",
    "can_send_image", "can_send_record", "get_status", "get_version_info", "set_restart",
    "clean_cache",
]

# NapCat §3.5: actions whose success carries no ``data`` key (send_packet only
# with rsp=false, so it is declared with data).
VOID = {
    "send_like", "set_friend_add_request", "set_friend_remark", "set_doubt_friends_add_request",
    "_send_group_notice", ".handle_quick_operation", "_set_model_show", "get_guild_list",
    "get_guild_service_profile", "nc_get_packet_status", "set_restart", "clean_cache",
    "clean_stream_temp_file", "set_group_special_title", "set_group_sign", "send_group_sign",
    "send_poke", "group_poke", "friend_poke", "set_group_todo", "complete_group_todo",
    "cancel_group_todo", "delete_qzone_msg", "bot_exit",
    # Listed as "raw" in napcat.md, but their v4.18.19 handlers return nothing.
    "upload_image_to_qun_album", "refuse_online_file", "cancel_online_file",
}


def test_the_standard_names_are_registered_and_routed(sim: Simulator) -> None:
    assert len(STANDARD) == 36 and len(set(STANDARD)) == 36
    ctx = ActionContext(world=sim.world, self_id=BOT, profile=NAPCAT)
    for name in [*STANDARD, ".handle_quick_operation"]:
        spec = resolve(name, ctx)
        assert spec.name == name and spec.origin is Origin.SPEC


@pytest.mark.parametrize("name", ["set_group_anonymous", "set_group_anonymous_ban"])
def test_anonymous_actions_are_unknown_under_napcat(sim: Simulator, name: str) -> None:
    assert name in REGISTRY  # declared (the spec has them) ...
    with pytest.raises(UnknownAction):
        resolve(name, ActionContext(world=sim.world, self_id=BOT, profile=NAPCAT))
    assert resolve(name, ActionContext(world=sim.world, self_id=BOT, profile=GOCQ)).name == name


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.name)
def test_every_action_is_fully_declared(spec: object) -> None:
    from simulator.onebot.registry import ActionSpec

    assert isinstance(spec, ActionSpec)
    # a one-line summary sentence: `qqsim actions` and the docs print it
    assert re.fullmatch(r"[A-Z].{10,}\.", spec.summary), spec.summary
    assert isinstance(spec.origin, Origin) and isinstance(spec.backing, Backing)
    assert isinstance(spec.params, type) and issubclass(spec.params, Params)
    assert spec.void == (spec.name in VOID)


def test_the_action_gate_names_an_action_no_test_called() -> None:
    # The gate itself runs at the end of the whole suite (tests/action_gate.py), on the
    # calls the suite's simulators recorded; here, that it sees a gap and its filling.
    everything_but = Coverage("napcat", actions={s.name: 1 for s in REGISTRY
                                                 if s.name != "send_like"})
    assert untested({"napcat": everything_but}) == ["send_like"]
    assert untested({"napcat": everything_but,
                     "gocq": Coverage("gocq", actions={"send_like": 2})}) == []


def test_registry_rejects_duplicates_and_serves_aliases() -> None:
    registry = Registry()

    @registry.action("one", origin=Origin.NAPCAT, aliases=("uno",))
    def one(ctx: ActionContext, p: NoParams) -> int:
        """Return one."""
        return 1

    assert [s.name for s in registry] == ["one", "uno"] and len(registry) == 2
    uno = registry.get("uno")
    assert uno is not None and uno.handler is one and uno.params is NoParams
    assert uno.summary == "Return one." and uno.result is int
    with pytest.raises(ValueError, match="action 'one' is declared twice"):
        registry.action("one", origin=Origin.NAPCAT)(one)
