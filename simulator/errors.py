"""Every error qqsim raises, in one tree.

    SimulatorError
    ├── ConfigError            a configuration file or flag is wrong
    ├── WorldError             QQ refused: the world's state forbids the action
    │   ├── NotFound           a user, group, member, message or request does not exist
    │   ├── PermissionDenied   the actor lacks the role the action needs
    │   ├── InvalidState       the action makes no sense now (muted, already a friend, ...)
    │   ├── StoreFailed        the world could not store the change (rolled back)
    │   └── KernelTimeout      QQ never confirmed it; NapCat fails after its timeout
    └── ProtocolError          the request itself is wrong (OneBot layer)
        ├── BadParams          parameter validation failed (NapCat: retcode 400 / 1400)
        └── UnknownAction      the action name is not routed (NapCat: 200 / 1404)

A ``WorldError`` carries the exact text NapCat puts in ``message``/``wording``;
the OneBot layer turns it into a runtime failure (retcode 200 over HTTP, 1200 over
WebSocket). Nothing here imports from the rest of the package.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of every qqsim error."""


class ConfigError(SimulatorError):
    """A configuration file, seed file or command-line flag is invalid."""


class WorldError(SimulatorError):
    """The world refuses an action; ``str(error)`` is the text a bot sees.

    ``subject`` names what the error is about (``"group"``, ``"member"``, ...) where
    the raise site knows it: a profile's error catalogue picks its own code and
    wording from the error's class and subject, never from NapCat's text.
    """

    subject: str = ""

    def __init__(self, *args: object, subject: str = "") -> None:
        super().__init__(*args)
        if subject:
            self.subject = subject


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

    ``str(error)`` is NapCat's timeout text; the world's own refusal is the
    ``__cause__``. The bot gets the answer only ``seconds`` of world time later.
    """

    def __init__(self, text: str, seconds: float, *, subject: str = "") -> None:
        super().__init__(text, subject=subject)
        self.seconds = seconds


class ProtocolError(SimulatorError):
    """The request is malformed at the OneBot level."""


class BadParams(ProtocolError):
    """Parameter validation failed; the message names the parameter."""


class UnknownAction(ProtocolError):
    """No handler is routed under this action name."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action
