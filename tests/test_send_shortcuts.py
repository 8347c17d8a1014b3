"""The send path's shortcuts give what the general code they spare gives.

Each shortcut (a plain text message, NapCat's usual answer, a named tuple built without its
``__new__``, an account read from its row's loaded values) is checked against the general
path on the same input, odd inputs included.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from simulator import Simulator
from simulator.adapters import wire
from simulator.errors import NotFound
from simulator.jsontext import spaced
from simulator.link import BotLink
from simulator.onebot import dispatch
from simulator.onebot.actions._sending import SendMsgParams, _segments, route
from simulator.onebot.codec import to_segments
from simulator.onebot.compose import Chat, compose
from simulator.onebot.envelope import NO_ECHO
from simulator.world import accounts as accounts_module
from simulator.world.accounts import account_of
from simulator.world.messages import segments_json
from simulator.world.snapshots import Account
from simulator.world.tables import AccountRow

BOT, GROUP = 10001, 100100

TEXTS = ["benchmark", "", " padded\u3000", 'quote " and \\ backslash', "中文 and emoji 😀",
         "\x00\x1f\x7f controls", "\u2028\u2029 separators", "\ud800 lone surrogate",
         "[brackets] & amp", "&amp;#91; entity", "[CQ:face,id=1] code", "\ufeff bom"]


def _random_text(rng: random.Random) -> str:
    alphabet = 'ab &[]",\\\n\t\x01 中\u3000\ud83d\ude00\ud800'
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))


def test_one_text_segment_is_stored_as_the_encoder_writes_it() -> None:
    rng = random.Random(7)
    for text in TEXTS + [_random_text(rng) for _ in range(300)]:
        segments = [{"type": "text", "data": {"text": text}}]
        assert segments_json(segments) == spaced(segments)


@pytest.mark.parametrize("segments", [
    [],
    [{"data": {"text": "keys the other way"}, "type": "text"}],
    [{"type": "text", "data": {"text": "a"}}, {"type": "text", "data": {"text": "b"}}],
    [{"type": "text", "data": {"text": 5}}],
    [{"type": "text", "data": {"text": "x", "extra": 1}}],
    [{"type": "face", "data": {"id": "1"}}],
    [{"type": "text", "data": {"text": "x"}, "more": True}],
])
def test_other_segments_take_the_encoder(segments: list[Any]) -> None:
    assert segments_json(segments) == spaced(segments)


BODIES = [*(text for text in TEXTS if text), "x" * 10, "a [CQ:at,qq=all] b", "&#91;CQ:x&#93;"]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("auto_escape", [None, True, "true", False])
def test_a_plain_text_body_gives_what_parsing_gives(body: str, auto_escape: Any) -> None:
    params = SendMsgParams(message=body, auto_escape=auto_escape)
    expected = to_segments(body, auto_escape=auto_escape in (True, "true"))
    assert _segments(params) == expected


@pytest.mark.parametrize("text", [*TEXTS, " ", 12, None])
def test_one_text_segment_composes_as_the_general_walk(bot: BotLink, text: Any) -> None:
    chat = Chat("group", GROUP)
    segment = {"type": "text", "data": {"text": text}}
    try:
        general = compose(bot.context, chat, (segment,))  # a tuple: the general walk
    except Exception as exc:  # an empty text: both refuse it alike
        with pytest.raises(type(exc), match=str(exc)):
            compose(bot.context, chat, [segment])
        return
    assert compose(bot.context, chat, [segment]) == general


def test_named_tuples_built_directly_equal_their_constructors(bot: BotLink) -> None:
    outcome = dispatch.call(bot.context, "send_group_msg", {"group_id": GROUP, "message": "hi"})
    assert type(outcome) is dispatch.Outcome
    assert outcome == dispatch.Outcome("send_group_msg", data=outcome.data, stream=False)
    chat = route(SendMsgParams(group_id=GROUP, user_id=5), "group")
    assert type(chat) is Chat and chat == Chat("group", group_id=GROUP)
    frame = wire.split_frame('{"action": "get_status", "params": null, "echo": null}')
    assert type(frame) is wire.Frame and frame == wire.Frame("get_status", {}, NO_ECHO)


def test_a_short_lenient_frame_is_still_read_as_json5() -> None:
    assert wire.split_frame("{action: 'get_status', echo: 1,}") == wire.Frame("get_status", {}, 1)
    with pytest.raises(wire.BadJson):
        wire.split_frame("{not json")


def test_an_account_is_read_from_its_row_expired_or_not(sim: Simulator) -> None:
    session = sim.world.core.session
    row = sim.world.core.row(AccountRow, BOT)
    assert row is not None
    expected = Account(user_id=row.user_id, nickname=row.nickname, sex=row.sex, age=row.age,
                       is_bot=row.is_bot, qq_level=row.qq_level, long_nick=row.long_nick,
                       reg_time=row.reg_time)
    assert account_of(row) == expected
    assert vars(account_of(row)) == vars(expected)  # the same fields, in the same order
    session.expire(row)  # as after a rollback: nothing loaded
    assert "nickname" not in row.__dict__
    assert account_of(row) == expected
    sim.world.accounts.update(BOT, nickname="renamed")
    assert sim.world.accounts.get(BOT).nickname == "renamed"


def test_account_snapshots_are_kept_until_the_table_may_have_changed(sim: Simulator) -> None:
    accounts = sim.world.accounts
    first = accounts.get(BOT)
    assert accounts.get(BOT) is first and accounts.find(BOT) is first  # kept
    accounts.update(BOT, nickname="renamed")  # a write: every snapshot is read again
    assert accounts.get(BOT).nickname == "renamed"
    accounts.row(BOT).nickname = "not committed"  # a write the world's services never make
    sim.world.core.forget_derived()  # the one invalidation: the row is read again
    assert accounts.get(BOT).nickname == "not committed"
    sim.world.core.rollback()  # takes the write back, and forgets the snapshot of it
    assert accounts.get(BOT).nickname == "renamed"
    assert accounts.find(99999999) is None and 99999999 not in accounts._snapshots
    with pytest.raises(NotFound):
        accounts.get(99999999)


def test_account_snapshots_stay_within_their_bound(sim: Simulator,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_module, "SNAPSHOTS_KEPT", 3)
    accounts = sim.world.accounts
    people = [account.user_id for account in accounts.all()][:7]
    for user_id in people:
        assert accounts.get(user_id).user_id == user_id
        assert len(accounts._snapshots) <= 3
