"""Recording a live session as a scenario: what people do becomes steps, what the bot does
becomes expectations.

``sim.recorder.start()`` listens to the transcript. A person's act (a message
with its segments, a recall, a join, a poke, a request, a mute...) becomes
the step that makes that person do it again; the clock moving becomes
``advance``; a fault armed or disarmed becomes ``fault`` / ``clear_faults``;
each call of the bot under test becomes an ``expect`` of that action with its
parameters (a message's text matched exactly, editable to ``contains`` or
``regex``). Ids that change between runs are references (``draft.py``).

Left out, and why: calls made before the first person's act (a framework
connecting), and the housekeeping calls frameworks make on their own
(``translate.HOUSEKEEPING``), since a replay cannot cue them; event frames
(the scenario's steps cause them again). The scenario starts from the world's
seed, so what changed before recording began is not in it: start recording on
a fresh world.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import format_duration
from ..errors import ConfigError
from ..world import load_spec
from .draft import DraftStep, Ref, edit_text, render, to_yaml
from .translate import (
    HOUSEKEEPING,
    Context,
    bot_message_step,
    expect_step,
    fault_step,
    person_step,
)

if TYPE_CHECKING:
    from ..config import SimulatorConfig
    from ..faults import Fault, FaultApplied, FaultPlan
    from ..onebot.profiles import Profile
    from ..transcript import Entry, Transcript
    from ..world import World, WorldSpec

#: Kinds of transcript entry that never make a step.
QUIET = frozenset({"event", "fault", "lint", "connection", "step", "expect", "note",
                   "scenario", "result"})


class RecordingError(ConfigError):
    """A recording cannot do that (nothing recorded yet, an unknown step...)."""


class RecordingHost(Protocol):
    """What a ``ScenarioRecorder`` records (``Simulator`` is one): its transcript and faults
    as they happen, and the world, profile and seed the scenario starts from."""

    @property
    def world(self) -> World: ...

    @property
    def profile(self) -> Profile: ...

    @property
    def spec(self) -> WorldSpec: ...

    @property
    def config(self) -> SimulatorConfig: ...

    @property
    def transcript(self) -> Transcript: ...

    @property
    def faults(self) -> FaultPlan: ...

    @property
    def calls_in_flight(self) -> int: ...

    def default_bot(self) -> int: ...


class ScenarioRecorder:
    """The recording of one simulator; ``path``: where ``save()`` writes by default."""

    def __init__(self, sim: RecordingHost, path: Path | None = None,
                 directory: Path | None = None) -> None:
        self.sim = sim
        self.path = path
        #: Where the console's saves go when no ``path`` was given (never a client's path).
        self.directory = directory or Path.cwd() / "scenarios"
        self.recording = False
        self.steps: list[DraftStep] = []
        #: Changes with every step added, edited or removed (the console redraws on it).
        self.version = 0
        self.bot = 0
        self.saved: Path | None = None
        self._ids = itertools.count(1)
        self._reset_tracking()

    def _reset_tracking(self) -> None:
        self._bot_messages: dict[int, DraftStep] = {}
        self._faults: dict[int, Fault] = {}
        self._applied: Counter[int] = Counter()
        self._acted = False  # a person has acted: the bot's calls count from now on
        self._world_recorded = self.sim.world

    # -- switching ---------------------------------------------------------------------

    def start(self, bot: int | None = None) -> None:
        """Start (or go on) recording; ``bot``: the bot under test (default: the first)."""
        if self.recording:
            return
        if not self.steps:
            self._reset_tracking()
        self.bot = bot or self.bot or self.sim.default_bot()
        self.recording = True
        self._world_recorded = self.sim.world
        self.sim.transcript.add_listener(self._hear)
        self.sim.faults.add_listener(self._fault_applied)
        self._bump()

    def stop(self) -> None:
        if not self.recording:
            return
        self.recording = False
        self.sim.transcript.remove_listener(self._hear)
        self.sim.faults.remove_listener(self._fault_applied)
        self._bump()

    def clear(self) -> None:
        """Forget every step recorded (recording goes on if it was on)."""
        self.steps = []
        self._reset_tracking()
        self._bump()

    # -- editing -------------------------------------------------------------------------

    def step(self, step_id: int) -> DraftStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise RecordingError(f"no recorded step {step_id}")

    def edit(self, step_id: int, text_mode: str | None = None, text: str | None = None) -> None:
        try:
            edit_text(self.step(step_id), text_mode, text)
        except ValueError as exc:
            raise RecordingError(str(exc)) from None
        self._bump()

    def delete(self, step_id: int) -> None:
        self.steps.remove(self.step(step_id))
        self._bump()

    # -- saving --------------------------------------------------------------------------

    def scenario(self, name: str | None = None) -> dict[str, Any]:
        if not self.steps:
            raise RecordingError("nothing is recorded yet: act as a person while recording")
        header: dict[str, Any] = {"name": name or self._default_name(),
                                  "description": "Recorded with qqsim.",
                                  "world": self._world(), "profile": self.sim.profile.name,
                                  "bot": self.bot}
        return render(self.steps, header)

    def yaml(self, name: str | None = None) -> str:
        """The scenario as YAML text, checked against the scenario model first."""
        # Lazy for start-up cost: the scenario engine (its pydantic models, the step
        # registry: about 1.5 MB) loads when a recording is first written, not in every
        # serving simulator (issue 10).
        from ..scenarios.loader import load_text

        text = to_yaml(self.scenario(name))
        load_text(text, "<recording>")  # the same model the JSON Schema is made from
        return text

    def save(self, name: str | None = None, path: Path | None = None) -> Path:
        """Write the scenario to ``path``, else ``self.path``, else ``directory/<name>.yaml``."""
        text = self.yaml(name)
        target = path or self.path or self.directory / f"{_file_name(name or 'recorded')}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.saved = target
        self._bump()
        return target

    def to_json(self) -> dict[str, Any]:
        return {"recording": self.recording, "bot": self.bot, "version": self.version,
                "steps": [step.to_json() for step in self.steps],
                "saved": str(self.saved) if self.saved else None,
                "target": str(self.path) if self.path else None}

    # -- listening -----------------------------------------------------------------------

    def _hear(self, entry: Entry) -> None:
        kind = entry["kind"]
        if kind in QUIET:
            return
        if self.sim.world is not self._world_recorded:
            # The world was rebuilt (a scenario started from the console): what follows
            # is that scenario playing, not the session being recorded.
            self.stop()
            return
        self._sync_faults()
        if kind == "world":
            self._world_fact(entry["type"], entry["facts"])
        elif kind == "action":
            self._call(entry)
        elif kind == "clock":
            self._add("advance", format_duration(entry["advanced"]))

    def _world_fact(self, kind: str, facts: dict[str, Any]) -> None:
        if kind == "MessageCreated" and facts["message"]["sender_id"] == self.bot:
            if self._acted:
                step = self._add(*bot_message_step(facts))
                self._bot_messages[facts["message"]["message_id"]] = step
            return
        made = person_step(self._context(), kind, facts)
        if made is not None:
            self._add(*made)
            self._acted = True

    def _call(self, entry: Entry) -> None:
        action = str(entry["action"])
        if entry["bot"] != self.bot or not self._acted or action in HOUSEKEEPING:
            return
        kind, args, makes = expect_step(action, entry["params"], entry.get("response") or {})
        carried = next((self._bot_messages.pop(key) for what, key in makes
                        if what == "message" and key in self._bot_messages), None)
        if carried is not None:  # the call that posted a message takes its place
            self._fill(carried, kind, args, makes)
            self._bump()
        else:
            self._add(kind, args, makes)

    def _fault_applied(self, applied: FaultApplied) -> None:
        self._applied[applied.fault.id] += 1

    def _sync_faults(self) -> None:
        """Faults armed or disarmed since the last step (the plan has no event for it)."""
        now = self.sim.world.clock.now()
        active = {fault.id: fault for fault in self.sim.faults.active}
        for fault_id, fault in active.items():
            if fault_id not in self._faults:
                self._add(*fault_step(fault, now, self.bot))
        removed = [fault for fault_id, fault in self._faults.items()
                   if fault_id not in active and not self._used_up(fault, now)]
        self._faults = active
        if removed and not active and len(removed) > 1:
            self._add("clear_faults", None)
        elif removed:
            self._add("clear_faults", [Ref("fault", fault.id) for fault in removed])

    def _used_up(self, fault: Fault, now: float) -> bool:
        if fault.times is not None and self._applied[fault.id] >= fault.times:
            return True
        return fault.end is not None and now >= fault.end

    # -- helpers -----------------------------------------------------------------------

    def _add(self, kind: str, args: Any, makes: list[tuple[str, Any]] | None = None
             ) -> DraftStep:
        step = DraftStep(next(self._ids), kind, None)
        self._fill(step, kind, args, makes or [])
        self.steps.append(step)
        self._bump()
        return step

    @staticmethod
    def _fill(step: DraftStep, kind: str, args: Any, makes: list[tuple[str, Any]]) -> None:
        step.kind, step.args, step.makes = kind, args, makes
        if isinstance(args, dict) and "text" in args and kind.startswith("expect"):
            step.text_mode, step.text = "text", str(args.pop("text"))
        step.summary = _summary(kind, args, step.text)

    def _bump(self) -> None:
        self.version += 1

    def _context(self) -> Context:
        return Context(self.sim.world, self.bot, lambda: self.sim.calls_in_flight > 0)

    def _world(self) -> Any:
        """The world's seed name when the world came from one, else the world inline."""
        spec = self.sim.spec
        seed = self.sim.config.seed
        try:
            named = load_spec(seed)
        except ConfigError:
            named = None
        if named is not None and named == spec:
            return seed if not seed.endswith((".yaml", ".yml")) else str(Path(seed).resolve())
        return spec.model_dump(mode="json", exclude_defaults=True)

    def _default_name(self) -> str:
        stem = self.path.stem if self.path else "recorded"
        return stem


def _summary(kind: str, args: Any, text: str | None) -> str:
    if not isinstance(args, dict):
        return f"{kind} {args}" if args is not None else kind
    shown = {k: v for k, v in args.items() if not isinstance(v, list | dict)}
    parts = " ".join(f"{k}={v if not isinstance(v, Ref) else f'<{v.kind}>'}"
                     for k, v in shown.items())
    said = f" “{text}”" if text else ""
    return f"{kind} {parts}{said}".strip()


def _file_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "recorded"
