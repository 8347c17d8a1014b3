"""Steps that check what the bot did (``expect*``) and what the world is (``expect_state``).

Call patterns match by action name (or glob, or a list), a subset of the
parameters (``$name`` refers to something named with ``as:``), the message
text exactly / by substring / by regex, at-mentions and the quoted message.
Each expectation waits up to ``within`` (default: the scenario's ``timeout``)
and consumes what it matched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import Field, model_validator

from ..expect import ActionPattern, MessagePattern, TextPattern
from ..model import Args, Duration, MessageRef
from .registry import step

if TYPE_CHECKING:
    from ..host import ScenarioHost
    from ..run import ScenarioRun


class Refs(Protocol):
    """What building a pattern or a state check needs: a scenario run, or a test's
    ``qqsim.expect`` (where names given with ``as:`` do not exist and ids are given)."""

    @property
    def sim(self) -> ScenarioHost: ...

    @property
    def bot(self) -> int | None: ...

    def message_id(self, ref: int | str) -> int: ...

    def request_state(self, name: str) -> str: ...

    def substitute(self, value: Any) -> Any: ...


class TextArgs(Args):
    text: str | None = Field(None, description="the message's text, exactly (trimmed)")
    contains: str | None = None
    regex: str | None = None
    at: list[int | Literal["all"]] | int | None = Field(None, description="mentioned accounts")
    reply_to: MessageRef | None = Field(None, description="the quoted message")

    def text_pattern(self, run: Refs) -> TextPattern:
        at = [] if self.at is None else self.at if isinstance(self.at, list) else [self.at]
        return TextPattern(
            text=self.text, contains=self.contains, regex=self.regex,
            at=tuple(str(qq) for qq in at),
            reply_to=None if self.reply_to is None else run.message_id(self.reply_to),
        )


class CallArgs(TextArgs):
    """A call the bot makes."""

    action: str | list[str] | None = Field(None, description="a name or glob, or several")
    params: dict[str, Any] = Field(default_factory=dict, description="these must match")
    group: int | None = Field(None, description="shorthand for params.group_id")
    user: int | None = Field(None, description="shorthand for params.user_id")
    ok: bool | None = Field(None, description="whether the call succeeded")

    def pattern(self, run: Refs) -> ActionPattern:
        params = dict(run.substitute(self.params))
        if self.group is not None:
            params["group_id"] = self.group
        if self.user is not None:
            params["user_id"] = self.user
        names = () if self.action is None else (
            (self.action,) if isinstance(self.action, str) else tuple(self.action))
        return ActionPattern(action=names, params=params, message=self.text_pattern(run),
                             ok=self.ok, bot=run.bot)


class ExpectArgs(CallArgs):
    within: Duration | None = None
    name: str | None = Field(None, alias="as", description="name the call (its message_id)")


@step("expect", ExpectArgs)
async def expect(run: ScenarioRun, args: ExpectArgs) -> None:
    """The bot makes a matching call, within ``within``."""
    call = await run.expect.action(args.pattern(run), within=args.within)
    run.remember(args.name, call)


class OrderedArgs(Args):
    calls: list[CallArgs] = Field(min_length=1)
    within: Duration | None = None


def _ordered(value: list[CallArgs] | OrderedArgs) -> OrderedArgs:
    return value if isinstance(value, OrderedArgs) else OrderedArgs(calls=value)


@step("expect_in_order", list[CallArgs] | OrderedArgs)
async def expect_in_order(run: ScenarioRun, args: list[CallArgs] | OrderedArgs) -> None:
    """The bot makes these calls in this order (other calls may come between)."""
    ordered = _ordered(args)
    await run.expect.in_order([c.pattern(run) for c in ordered.calls], within=ordered.within)


@step("expect_any_order", list[CallArgs] | OrderedArgs)
async def expect_any_order(run: ScenarioRun, args: list[CallArgs] | OrderedArgs) -> None:
    """The bot makes all these calls, in any order."""
    ordered = _ordered(args)
    await run.expect.any_order([c.pattern(run) for c in ordered.calls], within=ordered.within)


class NeverArgs(CallArgs):
    within: Duration = Field(0.5, description="how long to watch (real time)")
    until_end: bool = Field(False, description="keep watching until the scenario ends")


@step("expect_never", NeverArgs)
async def expect_never(run: ScenarioRun, args: NeverArgs) -> None:
    """The bot makes no such call within ``within`` (``until_end``: until the scenario ends)."""
    await run.expect.never(args.pattern(run), during=args.within, until_end=args.until_end)


class MessageArgs(TextArgs):
    """A message the bot posts (whatever action it used: send_msg, a quick reply...)."""

    group: int | None = None
    to: int | None = Field(None, description="a private chat with this account")
    within: Duration | None = None
    name: str | None = Field(None, alias="as")


@step("expect_message", MessageArgs)
async def expect_message(run: ScenarioRun, args: MessageArgs) -> None:
    """The bot's message appears in a chat (checked in the world, not on the wire)."""
    pattern = MessagePattern(group=args.group, to=args.to, message=args.text_pattern(run))
    said = await run.expect.message(pattern, within=args.within)
    run.remember(args.name, said.message_id)


# -- the world's state ---------------------------------------------------------------


class Member(Args):
    group: int
    user: int


class CardState(Member):
    card: str


class TitleState(Member):
    title: str


class RequestState(Args):
    request: str = Field(description="a request named with as:")
    state: Literal["pending", "approved", "rejected", "expired"]


class GroupNameState(Args):
    group: int
    name: str


class StateArgs(Args):
    """Exactly one condition on the world, waited for up to ``within``."""

    muted: Member | None = None
    not_muted: Member | None = None
    whole_muted: int | None = Field(None, description="a group")
    not_whole_muted: int | None = None
    member: Member | None = None
    not_member: Member | None = None
    admin: Member | None = None
    not_admin: Member | None = None
    card: CardState | None = None
    title: TitleState | None = None
    friends: tuple[int, int] | None = None
    not_friends: tuple[int, int] | None = None
    request: RequestState | None = None
    recalled: MessageRef | None = None
    not_recalled: MessageRef | None = None
    group_name: GroupNameState | None = None
    within: Duration | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StateArgs:
        given = [k for k in type(self).model_fields if k != "within"
                 and getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one condition (got {given or 'none'})")
        return self

    @property
    def condition(self) -> tuple[str, Any]:
        key = next(k for k in type(self).model_fields if k != "within"
                   and getattr(self, k) is not None)
        return key, getattr(self, key)


Check = Callable[[], tuple[bool, str]]


@step("expect_state", StateArgs)
async def expect_state(run: ScenarioRun, args: StateArgs) -> None:
    """The world is in a state (muted, approved, recalled...), now or within ``within``."""
    check, description = state_check(run, args)
    await run.expect.state(check, description, within=args.within)


def state_check(run: Refs, args: StateArgs) -> tuple[Check, str]:
    """The check behind ``args`` (it returns: holds, what the world says) and its wording."""
    key, value = args.condition
    negate = key.startswith("not_")
    check, description = _STATE_CHECKS[key.removeprefix("not_")](run, value)
    if negate:
        check, description = _negated(check), f"not ({description})"
    return check, description


def _negated(check: Check) -> Check:
    def negated() -> tuple[bool, str]:
        holds, actual = check()
        return not holds, actual

    return negated


def _member_check(run: Refs, value: Member, what: str,
                  test: Callable[[Any], tuple[bool, str]]) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        member = run.sim.world.groups.find_member(value.group, value.user)
        if member is None:
            return False, f"{value.user} is not in group {value.group}"
        return test(member)

    return check, f"{value.user} {what} in group {value.group}"


def _muted(run: Refs, value: Member) -> tuple[Check, str]:
    def test(member: Any) -> tuple[bool, str]:
        now = run.sim.world.clock.now()
        if member.muted_at(now):
            return True, f"muted for {member.mute_until - int(now)}s more"
        return False, "not muted" + (f" (the mute ended at {member.mute_until})"
                                     if member.mute_until else "")

    return _member_check(run, value, "is muted", test)


def _whole_muted(run: Refs, group_id: int) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        muted = run.sim.world.groups.get(group_id).whole_mute
        return muted, f"group {group_id} is {'' if muted else 'not '}muted as a whole"

    return check, f"group {group_id} is muted as a whole"


def _member(run: Refs, value: Member) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        found = run.sim.world.groups.find_member(value.group, value.user) is not None
        return found, f"{value.user} is {'' if found else 'not '}in group {value.group}"

    return check, f"{value.user} is a member of group {value.group}"


def _admin(run: Refs, value: Member) -> tuple[Check, str]:
    return _member_check(run, value, "is an admin", lambda m: (
        m.role == "admin", f"{value.user}'s role is {m.role}"))


def _card(run: Refs, value: CardState) -> tuple[Check, str]:
    return _member_check(run, value, f"has the card {value.card!r}", lambda m: (
        m.card == value.card, f"the card is {m.card!r}"))


def _title(run: Refs, value: TitleState) -> tuple[Check, str]:
    return _member_check(run, value, f"has the title {value.title!r}", lambda m: (
        m.title == value.title, f"the title is {m.title!r}"))


def _friends(run: Refs, pair: tuple[int, int]) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        are = run.sim.world.accounts.is_friend(*pair)
        return are, f"{pair[0]} and {pair[1]} are {'' if are else 'not '}friends"

    return check, f"{pair[0]} and {pair[1]} are friends"


def _request(run: Refs, value: RequestState) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        state = run.request_state(value.request)
        return state == value.state, f"request {value.request!r} is {state}"

    return check, f"request {value.request!r} is {value.state}"


def _recalled(run: Refs, ref: int | str) -> tuple[Check, str]:
    message_id = run.message_id(ref)

    def check() -> tuple[bool, str]:
        message = run.sim.world.messages.get(message_id)
        by = f" (by {message.recalled_by})" if message.recalled else ""
        return message.recalled, f"message {message_id} is {'' if message.recalled else 'not '}" \
            f"recalled{by}"

    return check, f"message {ref} is recalled"


def _group_name(run: Refs, value: GroupNameState) -> tuple[Check, str]:
    def check() -> tuple[bool, str]:
        name = run.sim.world.groups.get(value.group).name
        return name == value.name, f"group {value.group} is named {name!r}"

    return check, f"group {value.group} is named {value.name!r}"


_STATE_CHECKS: dict[str, Callable[[Refs, Any], tuple[Check, str]]] = {
    "muted": _muted,
    "whole_muted": _whole_muted,
    "member": _member,
    "admin": _admin,
    "card": _card,
    "title": _title,
    "friends": _friends,
    "request": _request,
    "recalled": _recalled,
    "group_name": _group_name,
}
