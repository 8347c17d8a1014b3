"""Every error qqsim raises, in one tree.

    SimulatorError
    ├── ConfigError            a configuration file or flag is wrong
    ├── Worded                     a failure a bot reads: a ``Why`` code and its data
    │   └── WorldError             QQ refused: the world's state forbids the action
    │       ├── NotFound           a user, group, member, message or request does not exist
    │       ├── PermissionDenied   the actor lacks the role the action needs
    │       ├── InvalidState       the action makes no sense now (muted, already a friend)
    │       ├── StoreFailed        the world could not store the change (rolled back)
    │       └── KernelTimeout      QQ never confirmed it; NapCat fails after its timeout
    └── ProtocolError              the request itself is wrong (OneBot layer)
        ├── BadParams              parameter validation failed (NapCat: 400 / 1400); Worded
        └── UnknownAction          the action name is not routed (NapCat: 200 / 1404)

A ``WorldError`` carries no text: a ``Why`` code naming the failure and the data of
the failure (``error.data``). Each implementation's catalogue words it
(``catalogue/napcat.py``, ``catalogue/gocq.py``); the OneBot layer turns it into a
runtime failure (retcode 200 over HTTP, 1200 over WebSocket). ``str(error)`` is the
default wording, NapCat's, for logs, the control API and Python callers. Nothing here
imports from the package but the codes and NapCat's catalogue, which import nothing else.
"""

from __future__ import annotations

from .catalogue.napcat import render
from .why import Why

__all__ = ["BadParams", "ConfigError", "InvalidState", "KernelTimeout", "NotFound",
           "PermissionDenied", "ProtocolError", "SimulatorError", "StoreFailed",
           "UnknownAction", "Why", "Worded", "WorldError"]


class SimulatorError(Exception):
    """Base of every qqsim error."""


class ConfigError(SimulatorError):
    """A configuration file, seed file or command-line flag is invalid."""


class Worded(SimulatorError):
    """An error a bot reads: ``why`` names the failure, ``data`` holds its facts.

    ``why`` may instead be a plain string, kept verbatim: for qqsim's own refusals
    that no bot reads (the control API's) and for texts another layer already worded
    (a parameter check's description).
    """

    def __init__(self, why: Why | str, /, **data: object) -> None:
        super().__init__(why)
        self.why: Why | None = why if isinstance(why, Why) else None
        self.data = data

    def __str__(self) -> str:
        if self.why is None:
            return super().__str__()
        return render(self.why, self.data)

    def __repr__(self) -> str:
        # The code and the data, as the raise site wrote them (str() is the wording).
        if self.why is None:
            return super().__repr__()
        fields = "".join(f", {key}={value!r}" for key, value in self.data.items())
        return f"{type(self).__name__}(Why.{self.why.name}{fields})"


class WorldError(Worded):
    """The world refuses an action; ``str(error)`` is NapCat's text for it.

    go-cqhttp's catalogue picks its own code and wording from the error's class and
    ``why`` (``catalogue/gocq.py``).
    """


class NotFound(WorldError):
    """A user, group, member, message, file or request does not exist."""


class PermissionDenied(WorldError):
    """The acting account lacks the role the action needs."""


class InvalidState(WorldError):
    """The action is not possible in the current state (muted, not a friend, ...)."""


class StoreFailed(WorldError):
    """Storing a change failed; the world rolled it back and carries on unchanged."""


class KernelTimeout(WorldError):
    """QQ never confirmed the change, so NapCat gives up when its kernel call times out.

    ``why`` is NapCat's timeout; the world's own refusal is the ``__cause__``. The
    bot gets the answer only ``seconds`` of world time later.
    """

    def __init__(self, why: Why | str, seconds: float, **data: object) -> None:
        super().__init__(why, **data)
        self.seconds = seconds


class ProtocolError(SimulatorError):
    """The request is malformed at the OneBot level."""


class BadParams(ProtocolError, Worded):
    """Parameter validation failed; the message names the parameter."""


class UnknownAction(ProtocolError):
    """No handler is routed under this action name."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action
