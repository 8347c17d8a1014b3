"""Fuzzing everything that parses a bot's input: frames, bodies and action parameters.

Whatever a bot sends, qqsim answers in the protocol's envelope or (where NapCat
does) stays silent; it never raises, and the world stays usable afterwards.
"""

from __future__ import annotations

import json
from typing import Any

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.adapters import wire
from simulator.adapters.session import respond
from simulator.app import Simulator
from simulator.link import BotLink
from simulator.onebot.dispatch import REGISTRY
from simulator.storable import storable

ENVELOPE_KEYS = {"status", "retcode", "message", "wording", "echo", "stream"}

#: Lone surrogates: what JSON's "\ud800" escapes decode to; SQLite cannot store them.
LONE_SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Any text, often with a lone surrogate inside (hypothesis leaves them out by default)."""
    half = max_size // 2
    return st.text(max_size=max_size) | st.builds(
        lambda head, lone, tail: head + lone + tail,
        st.text(max_size=half), LONE_SURROGATES, st.text(max_size=half))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | texts(20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts(8), inner, max_size=4),
    max_leaves=12,
)
action_names = st.sampled_from(sorted(s.name for s in REGISTRY)) | texts(12)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_envelope(text: str) -> None:
    body = json.loads(text)
    assert set(body) >= ENVELOPE_KEYS, body
    assert body["status"] in ("ok", "failed")


@FUZZ
@given(action=action_names, params=json_values, echo=json_values)
def test_any_action_with_any_params_answers_with_an_envelope(
    bot: BotLink, action: str, params: Any, echo: Any
) -> None:
    body = bot.call(action, params, echo)
    assert set(body) >= ENVELOPE_KEYS
    assert (body["status"] == "ok") == (body["retcode"] == 0)
    if not storable(params):  # refused before any handler could store it
        assert body["status"] == "failed", body
    assert bot.call("get_login_info", {})["retcode"] == 0


@FUZZ
@given(frame=texts(200) | json_values.map(json.dumps)
       | st.builds(lambda a, p, e: json.dumps({"action": a, "params": p, "echo": e}),
                   action_names, json_values, json_values))
def test_any_websocket_frame_gets_an_envelope_or_silence(bot: BotLink, frame: str) -> None:
    replies = trio.run(respond, bot, frame)
    for reply in replies:
        _check_envelope(reply)
    assert bot.call("get_login_info", {})["retcode"] == 0


@FUZZ
@given(body=st.binary(max_size=200), form=st.booleans())
def test_any_http_body_decodes_or_is_refused_as_bad_json(body: bytes, form: bool) -> None:
    try:
        decoded = wire.decode_body(body, form=form)
    except wire.BadJson:
        return
    assert isinstance(decoded, dict)


def test_the_world_still_works_after_fuzzing(sim: Simulator, bot: BotLink) -> None:
    bot.call("send_group_msg", {"group_id": 100100, "message": [{"type": None}]})
    bot.call("set_group_ban", {"group_id": [], "user_id": {}})
    assert bot.call("send_group_msg", {"group_id": 100100, "message": "still here"})[
        "status"] == "ok"
    assert sim.history(group_id=100100)[-1].raw_message == "still here"
