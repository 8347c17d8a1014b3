"""What a scenario's steps see while it runs: ``ScenarioRun`` (the simulator, the bot under
test, the names steps gave things, the expectations), and how a step fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from ..faults import Fault
from .expect import Call, ExpectationFailed, Expectations
from .model import LoadedScenario, ScenarioError

if TYPE_CHECKING:
    from ..people import Person
    from .host import ScenarioHost


class StepFailed(ExpectationFailed):
    """A step's own check failed (a bot that never reconnected, ...)."""


class ScenarioRun:
    """What steps see: the simulator, the bot under test, names, and expectations."""

    def __init__(self, sim: ScenarioHost, loaded: LoadedScenario, bot: int) -> None:
        self.sim = sim
        self.loaded = loaded
        self.bot = bot
        self.refs: dict[str, Any] = {}
        self.expect = Expectations(sim, bot=bot, within=loaded.scenario.timeout)

    def person(self, user_id: int) -> Person:
        return self.sim.person(user_id)

    def remember(self, name: str | None, value: Any) -> None:
        if name:
            self.refs[name] = value

    def ref(self, name: str) -> Any:
        if name not in self.refs:
            known = ", ".join(sorted(self.refs)) or "none yet"
            raise ScenarioError(f"nothing is named {name!r} (named so far: {known})")
        return self.refs[name]

    def message_id(self, ref: int | str) -> int:
        """A message id from an id, or a name given to a message, a call or a file."""
        if isinstance(ref, int):
            return ref
        value = self.ref(ref)
        message_id = getattr(value, "message_id", None)
        if isinstance(value, Call) and isinstance(value.data, dict):
            message_id = value.data.get("message_id")
        if isinstance(value, int):
            message_id = value
        if not isinstance(message_id, int):
            raise ScenarioError(f"{ref!r} does not name a message")
        return message_id

    def request_state(self, name: str) -> str:
        """pending, approved, rejected or expired: a named request as the world has it now."""
        value = self.ref(name)
        flag = getattr(value, "flag", None)
        if flag is None:
            raise ScenarioError(f"{name!r} does not name a request")
        request = self.sim.world.requests.find(flag)
        if request is None:
            raise ScenarioError(f"request {flag} is gone from the world")
        if self.sim.world.requests.is_expired(request):
            return "expired"
        return request.state

    def substitute(self, value: Any) -> Any:
        """``"$name"`` anywhere in ``value`` becomes the named thing's id."""
        if isinstance(value, str) and value.startswith("$") and len(value) > 1:
            return _natural_id(self.ref(value[1:]))
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        return value

    def fail(self, message: str) -> NoReturn:
        raise StepFailed(message)

    def fail_step(self, message: str) -> NoReturn:
        raise ScenarioError(message)


def _natural_id(value: Any) -> Any:
    if isinstance(value, Call):
        data = value.data
        return data.get("message_id") if isinstance(data, dict) else data
    if isinstance(value, list) and value:
        value = value[0]
    for attribute in ("message_id", "flag", "file_id", "id"):
        found = getattr(value, attribute, None)
        if found is not None and not isinstance(value, Fault):
            return found
    return value
