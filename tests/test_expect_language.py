"""One expectation language: ``qqsim.expect`` takes exactly the scenario steps' arguments.

The signatures of ``Expect``'s methods are checked against the published
``scenarios/schema.json`` (so the Python surface and the file format cannot
drift apart), and the same arguments behave the same way in both.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from simulator.scenarios.schema import SCHEMA_PATH
from simulator.testing.expectations import Expect, action_pattern

#: Python method -> the scenario step it is.
METHODS = {
    "action": "expect",
    "in_order": "expect_in_order",
    "any_order": "expect_any_order",
    "never": "expect_never",
    "message": "expect_message",
    "state": "expect_state",
}
#: Differences on purpose, and why.
SCENARIO_ONLY = {"as"}  # names what matched: in Python, check() returns it
PYTHON_ONLY = {"bot"}  # a test may serve several bots; a scenario tests one


def _step_properties(kind: str) -> set[str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = schema["$defs"]
    value = defs[f"Step_{kind}"]["properties"][kind]
    refs = [value] if "$ref" in value else [v for v in value["anyOf"] if "$ref" in v]
    assert len(refs) == 1, value
    return set(defs[refs[0]["$ref"].rsplit("/", 1)[1]]["properties"])


def _python_arguments(method: str) -> set[str]:
    names = set()
    for parameter in inspect.signature(getattr(Expect, method)).parameters.values():
        if parameter.name == "self":
            continue
        names.add(parameter.name)
    return names


@pytest.mark.parametrize(("method", "kind"), sorted(METHODS.items()))
def test_python_expectations_take_the_steps_arguments(method: str, kind: str) -> None:
    assert _python_arguments(method) - PYTHON_ONLY == _step_properties(kind) - SCENARIO_ONLY


def test_every_expectation_step_has_a_python_method() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    steps = {name.removeprefix("Step_") for name in schema["$defs"] if name.startswith("Step_")}
    assert {s for s in steps if s.startswith("expect")} == set(METHODS.values())


def test_the_checker_sees_a_difference() -> None:
    # A drift check that cannot fail protects nothing: a step with an extra key differs.
    assert _step_properties("expect_never") - SCENARIO_ONLY != _python_arguments("message")


# -- the same words behave the same way ------------------------------------------------


def test_state_takes_the_step_conditions(qqsim: Any) -> None:
    qqsim.person(20001).mute(100100, 20003, 600)
    qqsim.expect.state(muted={"group": 100100, "user": 20003}).check()
    qqsim.expect.state(friends=(10001, 20001), within="100ms").check()
    qqsim.advance("11m")
    qqsim.expect.state(not_muted={"group": 100100, "user": 20003}, within=0).check()


def test_state_failure_says_what_the_world_holds(qqsim: Any) -> None:
    with pytest.raises(AssertionError, match=r"expected the world: 20003 is muted in group "
                       r"100100 \(within 0s\)\nbut: not muted"):
        qqsim.expect.state(muted={"group": 100100, "user": 20003}, within=0).check()


def test_never_takes_within_as_its_window(qqsim: Any) -> None:
    expectation = qqsim.expect.never("send_*", within=0.05)
    qqsim.call("send_group_msg", {"group_id": 100100, "message": "oops"})
    with pytest.raises(AssertionError, match="expected never: send_"):
        expectation.check()


def test_in_order_takes_step_style_dicts(qqsim: Any) -> None:
    qqsim.call("send_group_msg", {"group_id": 100100, "message": "first"})
    qqsim.call("set_group_card", {"group_id": 100100, "user_id": 20003, "card": "x"})
    calls = qqsim.expect.in_order({"action": "send_group_msg", "text": "first"},
                                  {"action": "set_group_card", "user": 20003},
                                  within="1s").check()
    assert [c.action for c in calls] == ["send_group_msg", "set_group_card"]


@pytest.mark.parametrize(("build", "error"), [
    (lambda e: e.state(muted=20003), r"expect \(expect_state\): muted: "),
    (lambda e: e.state(), r"give exactly one condition"),
    (lambda e: e.never("send_*", within="soon"), r"expect \(expect_never\): within"),
    (lambda e: e.in_order({"action": "send_msg", "txt": "a"}), r"txt: Extra inputs"),
    (lambda e: e.message(reply_to="q1"), r"give a message id, not 'q1'"),
])
def test_a_wrong_argument_is_a_type_error_naming_it(qqsim: Any, build: Any, error: str) -> None:
    with pytest.raises(TypeError, match=error):
        build(qqsim.expect)


def test_action_pattern_is_an_expect_steps_call() -> None:
    pattern = action_pattern("send_*", group=100100, at=[20003, "all"], ok=True)
    assert pattern.action == ("send_*",)
    assert pattern.params == {"group_id": 100100}
    assert pattern.message.at == ("20003", "all")


def test_a_persons_own_message_is_never_the_bots(qqsim: Any) -> None:
    # Without a bot named, expect.message matches what bots post, not what people say.
    qqsim.person(20003).send_group_msg(100100, "ping")
    with pytest.raises(AssertionError, match="but the bot posted no message"):
        qqsim.expect.message(group=100100, text="ping", within=0).check()
    qqsim.call("send_group_msg", {"group_id": 100100, "message": "ping"})
    assert qqsim.expect.message(group=100100, text="ping").check().sender_id == 10001
