"""Names NapCat does not route (napcat.md §4.11) answer as unknown actions under napcat."""

from __future__ import annotations

import httpx
import pytest
import trio
from conftest import BOT, wired_config

from simulator import Simulator, open_simulator
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.profiles import Transport

UNROUTED = [
    # OneBot 11 standard
    "set_group_anonymous_ban", "set_group_anonymous",
    # go-cqhttp
    ".get_word_slices", "reload_event_filter", "qidian_get_account_info",
    "delete_unidirectional_friend", "get_supported_actions", "get_self_info", "get_user_info",
    "get_version",
    # go-cqhttp guild (channel) actions, apart from the two NapCat stubs
    "get_guild_meta_by_guest", "get_guild_channel_list", "get_guild_member_list",
    "get_guild_member_profile", "send_guild_channel_msg", "get_guild_msg", "get_guild_roles",
    "create_guild_role", "delete_guild_role", "update_guild_role", "set_guild_member_role",
    "get_topic_channel_feeds",
]

#: The unknown-action answer per transport (napcat.md §3.3).
EXPECTED = {
    Transport.HTTP: (200, "不支持的Api {name}"),
    Transport.WS_SERVER: (1404, "不支持的API {name}"),
    Transport.WS_CLIENT: (1404, "不支持的Api {name}"),
}


@pytest.mark.parametrize("transport", list(Transport))
@pytest.mark.parametrize("name", UNROUTED)
def test_unrouted_names_are_unknown(sim: Simulator, name: str, transport: Transport) -> None:
    link = sim.link(BOT, ConnectionSettings(transport=transport))
    retcode, text = EXPECTED[transport]
    for called in (name, f"{name}_async", f"{name}_rate_limited"):
        body = link.call(called, {"group_id": 100100, "user_id": 20001}, echo="e")
        message = text.format(name=called)
        assert body == {"status": "failed", "retcode": retcode, "data": None,
                        "message": message, "wording": message, "echo": "e",
                        "stream": "normal-action"}


def test_routed_stubs_next_to_them_still_answer(sim: Simulator) -> None:
    link = sim.link(BOT)
    for name in ("get_guild_list", "get_guild_service_profile"):
        body = link.call(name, {})
        assert body["status"] == "ok" and "data" not in body
    # names are case-sensitive
    assert link.call("Get_Guild_List", {})["retcode"] == 1404


@pytest.mark.trio
async def test_unrouted_over_http() -> None:
    config = wired_config()
    with trio.fail_after(10):
        async with open_simulator(config) as sim:
            url = sim.url("http")
            async with httpx.AsyncClient(base_url=url) as client:
                response = await client.post("/get_supported_actions", json={"echo": 5})
    assert response.status_code == 200
    assert response.json() == {"status": "failed", "retcode": 200, "data": None,
                               "message": "不支持的Api get_supported_actions",
                               "wording": "不支持的Api get_supported_actions", "echo": 5,
                               "stream": "normal-action"}
