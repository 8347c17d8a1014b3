"""Issue 11, "no request holds the event loop for more than ~50 ms": a frame of millions of
small JSON values. The stdlib parser holds the GIL for the whole parse (a thread does not
help) and costs per value, not per byte: 45 MB of ``[1,1,1,…]`` took ~860 ms in one step,
wide objects ~0.5 s. qqsim now counts a text's values before parsing it (commas, colons,
``[``, ``{``: ``adapters.json_budget``), a few MB per step, and refuses one with more than
``Limits.json_values_max`` (``--json-values-max``) in the transport's own envelope: a
NapCat-style 1400 failure with the echo when it is cheap to find (WebSocket), 400 (HTTP,
as for a bad body). A text just under the bound is parsed in one short step; real traffic
(base64 media, forwards of thousands of nodes) is far under it, and its count is cheap.

The attacker runs in a thread of its own; ``loop_watch`` measures the server's longest
step while the other bot's ``get_login_info`` must be answered within 1 s, during and after
(``test_big_message.while_attacked``).
"""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
import trio
from loop_watch import longest_step, require_under, rerun_when_held
from test_big_message import (
    ATTACKER,
    GROUP,
    HOLD_MAX,
    parse_seconds,
    send_over_http,
    send_over_ws,
    serving,
    while_attacked,
)

from simulator.adapters import json_budget, wire

LIMIT = wire.Limits().json_values_max
#: What the server's parse step may take beyond the parse measured here.
PARSE_MARGIN = 0.015
MB = 1000 * 1000
FLAG = "--json-values-max"


def ones(count: int) -> str:
    """``[1,1,…]`` with ``count`` values, built without a list of them."""
    return "[" + "1," * (count - 1) + "1]"


def send_frame(echo_at: str, count: int) -> str:
    """A ``send_group_msg`` whose message is ``count`` ones; its echo first, last, or
    where it is not cheap to find (only inside ``params``)."""
    params = f'{{"group_id":{GROUP},"message":{ones(count)}'
    if echo_at == "first":
        return f'{{"echo":"many","action":"send_group_msg","params":{params}}}}}'
    if echo_at == "last":
        return f'{{"action":"send_group_msg","params":{params}}},"echo":{{"n":[1,2]}}}}'
    return f'{{"action":"send_group_msg","params":{params},"echo":"inner"}}}}'


@pytest.mark.trio
@pytest.mark.parametrize(("echo_at", "echo"), [
    ("first", "many"), ("last", {"n": [1, 2]}), ("nowhere", None)])
@rerun_when_held
async def test_45mb_of_small_values_over_ws_is_refused_in_short_steps(
    echo_at: str, echo: object
) -> None:
    frame = send_frame(echo_at, 22 * MB)
    assert len(frame) > 44 * MB
    with trio.fail_after(60):
        async with serving() as sim:
            answer = await while_attacked(sim, lambda: send_over_ws(sim.url("ws"), frame))
            assert (answer["status"], answer["retcode"], answer["data"]) == ("failed", 1400,
                                                                             None)
            assert answer["echo"] == echo
            allowed = json_budget.allowance(len(frame), LIMIT)
            assert allowed < LIMIT  # a 45 MB text may hold fewer values than a short one
            assert (f"more than {allowed} JSON values for its {len(frame) / 1e6:.0f} MB"
                    in answer["message"])
            assert FLAG in answer["message"]
            assert not any(m.sender_id == ATTACKER for m in sim.history(group_id=GROUP))


@pytest.mark.trio
@rerun_when_held
async def test_a_wide_object_over_http_is_refused_with_400() -> None:
    """8 MB of distinct keys (under the 8 MiB body cap) used to cost ~0.4 s to parse."""
    keys = ",".join(f'"k{i}":1' for i in range(700_000))
    body = f'{{"group_id":{GROUP},"message":"hi","pad":{{{keys}}}}}'.encode()
    assert 7 * MB < len(body) < wire.Limits().http_body_max
    with trio.fail_after(60):
        async with serving() as sim:
            response = await while_attacked(sim, lambda: send_over_http(sim.url("http"), body))
            assert response.status_code == 400
            assert not any(m.sender_id == ATTACKER for m in sim.history(group_id=GROUP))


def under_the_bound(item: str, per_item: int) -> str:
    """A cheap call carrying a parameter it does not read: as many ``item`` as the bound
    allows (each counted ``per_item`` times)."""
    count = LIMIT // per_item
    while count * per_item > json_budget.allowance(count * (len(item) + 1), LIMIT) - 20:
        count -= 100  # a longer text may hold fewer values (``json_budget.allowance``)
    return json.dumps({"action": "get_group_info", "echo": "pad", "params": {
        "group_id": GROUP, "pad": []}}).replace("[]", "[" + ",".join([item] * count) + "]")


def wire_parse_seconds(frame: str) -> float:
    """CPU seconds this thread takes to parse ``frame`` as the server does (best of five:
    under a loaded CI the CPU time of one parse of ~35 ms measured 53 ms once, from caches
    shared with other processes, not from the parse)."""
    return parse_seconds(frame, wire.parse_json5, tries=5)


@pytest.mark.trio
@pytest.mark.parametrize(("item", "per_item"), [
    ("-12345678901234567890123", 1),  # the costliest value per count
    ('{"k":-1.2345678901234567e-300}', 2 + json_budget.FLOAT_WEIGHT),  # the costliest float
    ('"' + "\\n" * json_budget.ESCAPES_PER_VALUE + '"', 2),  # escapes count too
], ids=["24-digit-ints", "floats", "escapes"])
@rerun_when_held
async def test_a_frame_just_under_the_bound_is_parsed_in_one_short_step(
    item: str, per_item: int
) -> None:
    """The parse (best of five, in this thread) is under ``HOLD_MAX``: that is what the
    bound is chosen for (30-40 ms here); the server's parse step may take as long as it
    plus a margin, every other step (counting, answering) less than ``HOLD_MAX``."""
    frame = under_the_bound(item, per_item)
    assert json_budget.check(frame, LIMIT) <= LIMIT
    parse = wire_parse_seconds(frame)
    require_under(parse, HOLD_MAX, "the parse here (best of five)")
    with trio.fail_after(60):
        async with serving() as sim:
            answer = await while_attacked(sim, lambda: send_over_ws(sim.url("ws"), frame),
                                          parse + PARSE_MARGIN)
            assert (answer["status"], answer["echo"]) == ("ok", "pad"), answer["message"]


def test_a_long_text_may_hold_fewer_values_so_both_costs_stay_bounded() -> None:
    """Characters cost too (1-1.5 ms per MB, whatever the frame holds): 45 MB of string with
    as many values as a short frame may hold took ~30 ms more than the string alone. The
    bound falls with the length, so the values a long text may hold add little to what its
    characters cost, and more are refused."""
    blob = "x" * (45 * MB)

    def frame(count: int) -> str:
        return '{"blob":"' + blob + '","pad":[' + ",".join(["-12345678901234567890123"] *
                                                          count) + "]}"

    count = LIMIT
    while count > json_budget.allowance(len(frame(count)), LIMIT) - 2:  # its colon and [
        count -= 500
    allowed = json_budget.allowance(len(frame(count)), LIMIT)
    assert json_budget.LENGTH_FLOOR < allowed < LIMIT // 4
    with pytest.raises(wire.TooManyValues):
        wire.parse_json5(frame(count + 1000))
    fits = frame(count)
    # The values it may hold add ~7 ms; as many as a short frame may hold added ~55 ms.
    assert wire_parse_seconds(fits) < wire_parse_seconds(frame(0)) + 0.025
    assert json_budget.allowance(1 * MB, LIMIT) > 0.95 * LIMIT  # short frames: almost all


def forward_frame(nodes: int) -> str:
    """A forward of ``nodes`` text nodes, punctuated as chat is (commas, colons)."""
    text = "今天天气不错，我们去公园散步吧。Let's go, shall we: at 3:00?"
    node = {"type": "node", "data": {"user_id": "20001", "nickname": "路人", "content": [
        {"type": "text", "data": {"text": text}}, {"type": "face", "data": {"id": "14"}}]}}
    return json.dumps({"action": "send_group_forward_msg", "echo": "fwd",
                       "params": {"group_id": GROUP, "messages": [node] * nodes}})


def test_real_traffic_is_far_under_the_bound_and_cheap_to_count() -> None:
    assert json_budget.check(forward_frame(5000), LIMIT) < LIMIT
    # A Python bot escapes CJK text (ensure_ascii): a 1 MiB-character text is 65,536.
    assert json_budget.check(json.dumps({"m": "我" * 1024 * 1024}), LIMIT) == 65536 + 1
    media = base64.b64encode(os.urandom(37 * MB)).decode()
    frame = json.dumps({"action": "send_group_msg", "echo": "img", "params": {
        "group_id": GROUP, "message": [{"type": "image", "data": {
            "file": "base64://" + media}}]}})
    assert len(frame) > 49 * MB
    started = time.thread_time()
    counted = json_budget.check(frame, LIMIT)
    spent = time.thread_time() - started
    assert counted < 50
    assert spent < 0.02, spent  # ~5 ms: memchr finds none of the counted characters
    assert parse_seconds(frame) > spent  # cheaper than the parse it guards


@pytest.mark.trio
@rerun_when_held
async def test_counting_a_50mb_frame_takes_several_short_steps() -> None:
    """The worst case for the count itself: every chunk holds the counted characters."""
    text = ("x" * 99_999 + ",") * 500
    steps = 0

    async def count() -> None:
        await json_budget.check_async(text, LIMIT)

    async def tick() -> None:
        nonlocal steps
        while True:
            steps += 1
            await trio.lowlevel.checkpoint()

    with longest_step() as watch:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(tick)
            await count()
            nursery.cancel_scope.cancel()
    assert steps >= 10  # the ticker ran between chunks
    require_under(watch.longest, 0.015)


@pytest.mark.trio
@pytest.mark.parametrize(("size", "ok"), [(60 * 1024, True), (100 * 1024, False)])
@rerun_when_held
async def test_the_json5_fallback_stays_bounded(size: int, ok: bool) -> None:
    """Not strict JSON (single quotes, trailing commas): JSON5 is tried only up to 64 KiB,
    in a worker thread past 2 KiB, so the loop is never held by it; longer is bad JSON."""
    pad = "[" + "1," * ((size - 100) // 2) + "]"  # a trailing comma: JSON5 only
    frame = f"{{action:'get_group_info',echo:'j5',params:{{group_id:{GROUP},pad:{pad},}},}}"
    assert size - 100 < len(frame) < size
    with trio.fail_after(60):
        async with serving() as sim:
            answer = await while_attacked(sim, lambda: send_over_ws(sim.url("ws"), frame))
    if ok:
        assert (answer["status"], answer["echo"]) == ("ok", "j5")
    else:
        assert (answer["status"], answer["retcode"]) == ("failed", 1400)
        assert answer["message"].startswith("json解析失败")


def test_a_number_too_long_to_convert_cheaply_makes_a_long_text_bad_json() -> None:
    """A 4300-digit integer takes ~80 µs to convert: 50 MB of them ~1 s."""
    long_ints = "[" + ",".join(["9" * 4000] * 20) + "]"
    with pytest.raises(wire.BadJson):
        wire.parse_json5(long_ints)
    assert wire.parse_json5("[" + "9" * 100 + "]") == [int("9" * 100)]  # short: JSON5 reads it


def test_the_bound_is_what_limits_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "LIMITS", wire.LIMITS.with_values(json_values_max=100))
    with pytest.raises(wire.TooManyValues) as refused:
        wire.parse_json5('{"echo":7,"params":' + ones(200) + "}")
    assert refused.value.echo == 7 and "more than 100 JSON values" in str(refused.value)
    assert wire.parse_json5(ones(50)) == [1] * 50
    assert HOLD_MAX == 0.05
