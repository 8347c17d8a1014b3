"""The usual answer written from a template (``envelope.UsualAnswer``) and the call path that
skips an empty fault plan: the same envelopes, the same records, the same text as the
general code, for every profile and transport and for echoes and data of every JSON type.
"""

from __future__ import annotations

import json
import math
from typing import Any

import json5
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.adapters import session
from simulator.faults import Fault, FaultKind
from simulator.link import Deferred
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.dispatch import ABSENT, Outcome
from simulator.onebot.envelope import NO_ECHO, UsualAnswer, encode, response
from simulator.onebot.params import ascii_frame
from simulator.onebot.profiles import PROFILES, Failure, Transport
from simulator.storable import storable

ECHOES: list[Any] = [
    "", "7", "echo with \"quotes\" and \\ and \n", "回声", "emoji 🙂", "\ud800 lone", 0, -1,
    2**70, 1.5, -0.0, math.inf, math.nan, True, False, None, [], [1, "a", None], {},
    {"nested": {"list": [1.25, "ü"]}}, "\ue000qqsim echo\ue001",
]
DATA: list[Any] = [
    {"message_id": 5}, {"message_id": 2**31 - 1, "res_id": "abc"}, [], [{"a": "\udc00"}],
    None, 0, "text", "中文", {"deep": [{"x": math.inf}]}, True, 3.25,
    {"k": "\ue000qqsim data\ue001"},
    # one key: the shape every send answers, written without the encoder when the value is
    # a plain int
    {"message_id": -5}, {"message_id": 0}, {"message_id": 2**80}, {"message_id": True},
    {"message_id": 1.0}, {"message_id": "5"}, {"a\"b\\c\n": 1}, {"ü": 1}, {"\ud800": 2},
    {1: 2}, {None: 3}, {"x": None},
]


def _items(body: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(body.items())  # order matters: it is the order on the wire


@pytest.mark.parametrize("profile_name", sorted(PROFILES))
@pytest.mark.parametrize("transport", list(Transport))
def test_the_template_gives_what_response_and_encode_give(profile_name: str,
                                                         transport: Transport) -> None:
    profile = PROFILES[profile_name]
    usual = UsualAnswer(profile, transport)
    # go-cqhttp's HTTP answers carry no echo: nothing to put in, ``response`` writes them.
    assert (usual.body is None) == (profile_name == "gocq" and transport is Transport.HTTP)
    for data in DATA:
        for echo in ECHOES:
            outcome = Outcome("send_group_msg", data=data)
            body = usual.answer(outcome, echo)
            expected = response(outcome, transport, profile, echo)
            if usual.body is None:
                assert body is None
                continue
            assert body is not None
            assert repr(_items(body)) == repr(_items(expected))
            assert usual.text(body) == encode(expected)


@pytest.mark.parametrize("profile_name", sorted(PROFILES))
def test_anything_else_is_left_to_response(profile_name: str) -> None:
    usual = UsualAnswer(PROFILES[profile_name], Transport.WS_SERVER)
    data = {"message_id": 1}
    for outcome in (Outcome("x"), Outcome("x", data=ABSENT),
                    Outcome("x", data=data, failure=Failure.RUNTIME, message="no"),
                    Outcome("x", data=data, message="note"),
                    Outcome("x", data=data, stream=True),
                    Outcome("x", data=data, packets=({"a": 1},)),
                    Outcome("x", data=data, delay=1.0)):
        assert usual.answer(outcome, "1") is None
    assert usual.answer(Outcome("x", data=data), NO_ECHO) is None
    assert usual.answer(Outcome("x", data=data), "1") is not None


def _sim(profile: str) -> Simulator:
    return Simulator(SimulatorConfig(control_port=None, profile=profile))


CALLS: list[tuple[str, Any, Any]] = [
    ("send_group_msg", {"group_id": 100100, "message": "hello"}, "1"),
    ("send_group_msg", {"group_id": 100100, "message": "回声 \ud800"}, {"e": [1]}),
    ("send_group_msg", {"group_id": 999, "message": "no such group"}, 2),
    ("get_login_info", {}, None),
    ("get_login_info", {}, NO_ECHO),
    ("no_such_action", {}, "x"),
    ("send_msg_async", {"message_type": "group", "group_id": 100100, "message": "a"}, "y"),
    ("set_group_ban", {"group_id": 100100, "user_id": 20002, "duration": 60}, "void"),
]


@pytest.mark.parametrize("profile_name", sorted(PROFILES))
def test_a_transport_gets_the_text_of_what_is_recorded(profile_name: str) -> None:
    sim, twin = _sim(profile_name), _sim(profile_name)
    settings = ConnectionSettings(name="ws", transport=Transport.WS_SERVER)
    wire, plain = sim.link(10001, settings), twin.link(10001, settings)
    for action, params, echo in CALLS:
        texts = wire.answer_now(action, params, echo)
        bodies = plain.handle_now(action, params, echo)
        if isinstance(bodies, Deferred):  # a kernel timeout: held, as envelopes, by both
            assert isinstance(texts, Deferred) and texts.seconds == bodies.seconds
            assert list(texts) == list(bodies)
        else:
            assert isinstance(texts, list) and isinstance(bodies, list)
            assert texts == [encode(body) for body in bodies]
        recorded, expected = sim.actions[-1].response, twin.actions[-1].response
        if "message_id" in json.dumps(expected, default=str):
            continue  # ids differ between two worlds only by their salt-free position
        assert repr(_items(recorded)) == repr(_items(expected))


def test_an_armed_fault_is_seen_and_an_empty_plan_is_not_consulted() -> None:
    sim = _sim("napcat")
    link = sim.link(10001, ConnectionSettings(name="ws", transport=Transport.WS_SERVER))
    assert sim.faults.armed is False
    fault = sim.faults.add(Fault(FaultKind.FAIL, action="send_group_msg", times=1))
    assert sim.faults.armed is True
    texts = link.answer_now("send_group_msg", {"group_id": 100100, "message": "hi"}, "1")
    assert isinstance(texts, list) and '"status":"failed"' in texts[0]
    assert sim.faults.armed is False  # used up
    assert sim.actions[-1].fault == "fail"
    sim.faults.add(fault)
    sim.faults.clear()
    assert sim.faults.armed is False
    again = sim.faults.add(Fault(FaultKind.FAIL, action="get_status"))
    sim.faults.remove(again)
    assert sim.faults.armed is False
    texts = link.answer_now("send_group_msg", {"group_id": 100100, "message": "hi"}, "2")
    assert isinstance(texts, list) and '"status":"ok"' in texts[0]


# -- parameters known storable from their frame's text -------------------------------------


@pytest.mark.parametrize(("text", "known"), [
    ('{"action":"send_group_msg","params":{"group_id":1,"message":"hi"}}', True),
    ('{"action":"x","params":{"message":"tab\\tquote\\"slash\\\\"}}', True),
    ("{action:'x',params:{message:'\\x41'}}", True),  # JSON5: \\x gives at most U+00FF
    ('{"action":"x","params":{"message":"\\ud800"}}', False),
    ('{"action":"x","params":{"message":"\\\\ud800"}}', False),  # an escaped backslash
    ('{"action":"x","params":{"message":"中文"}}', False),
    ('{"action":"x","params":{"message":"\ud800"}}', False),  # a lone surrogate itself
    ('{"action":"x","params":{"message":"%s"}}' % ("a" * 5000), False),  # long: not searched
])
def test_a_frame_in_ascii_with_no_unicode_escape_holds_only_storable_strings(
        text: str, known: bool) -> None:
    assert ascii_frame(text) is known
    if known:
        value = json.loads(text) if text.startswith('{"') else json5.loads(text)
        assert storable(value)


def test_an_unstorable_string_sent_in_a_frame_is_still_refused() -> None:
    sim = _sim("napcat")
    link = sim.link(10001, ConnectionSettings(name="ws", transport=Transport.WS_SERVER))
    before = len(sim.world.messages.group_history(100100))
    for message in ("\ud800", "a\udfffb"):
        params = json.dumps({"group_id": 100100, "message": message})  # written as \\udXXX
        answer = session.answer_now(link, f'{{"action":"send_group_msg","params":{params}}}')
        assert isinstance(answer, list)
        assert json.loads(answer[0])["retcode"] == 1400  # bad parameters, nothing sent
    assert len(sim.world.messages.group_history(100100)) == before
