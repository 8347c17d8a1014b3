"""Issue 11 row 1: a message holding a lone surrogate (``"\\ud800"``) failed the write,
every later action answered ``PendingRollbackError`` and the next WebSocket connection
ended the process. Such a string is now a bad parameter before it reaches the world, and
a write the store refuses anyway is rolled back; either way the bot goes on."""

from __future__ import annotations

import json

import pytest
from control_probe import BOT, bot_answers, serving, under_attack
from trio_websocket import open_websocket_url

from simulator.app import Simulator

GROUP = 100100
#: The frame as a bot's JSON library writes it: the surrogate as an escape.
FRAME = '{"action": "send_group_msg", "params": {"group_id": 100100, "message": "\\ud800"}}'


async def _send_lone_surrogate(sim: Simulator) -> None:
    async with open_websocket_url(sim.url("ws", BOT) + "/api") as ws:  # a new connection
        await ws.send_message(FRAME)
        answer = json.loads(await ws.get_message())
    assert (answer["status"], answer["retcode"]) == ("failed", 1400), answer
    assert "/message" in answer["message"]


@pytest.mark.trio
async def test_a_lone_surrogate_is_refused_and_the_bot_goes_on() -> None:
    async with serving() as (sim, _control):
        await under_attack(sim, lambda: _send_lone_surrogate(sim))
        await bot_answers(sim)
        reply = sim.link(BOT).call("send_group_msg", {"group_id": GROUP, "message": "fine"})
        assert reply["status"] == "ok"
        assert [m.raw_message for m in sim.history(group_id=GROUP)] == ["fine"]
