"""qqsim: a fake QQ for bot developers, speaking OneBot 11 as NapCat does.

Floors, bottom up: ``world`` (state and rules, sync, SQLite), ``onebot`` (actions,
codec, envelopes, events; I/O-free), ``link``/``people`` (one bot's or person's view),
``adapters`` and ``scenarios`` (through protocols, never ``Simulator``), ``simulation``
(``Simulator``), ``control``, then ``app`` (serving), ``cli`` and ``testing``;
``tests/test_layers.py`` states each rule.
"""

from typing import TYPE_CHECKING

from .lazy import lazy_exports

if TYPE_CHECKING:
    from .app import Endpoint, Simulator, open_simulator
    from .clock import Clock, ManualClock, SystemClock
    from .config import (
        OneBotConfig,
        SimulatorConfig,
        default_onebot_config,
        load_onebot_config,
        parse_onebot_config,
    )
    from .errors import (
        BadParams,
        ConfigError,
        InvalidState,
        NotFound,
        PermissionDenied,
        ProtocolError,
        SimulatorError,
        UnknownAction,
        Why,
        WorldError,
    )
    from .people import Person
    from .traffic import ActionRecord

__version__ = "0.1.0"

__all__ = [
    "ActionRecord",
    "BadParams",
    "Clock",
    "ConfigError",
    "Endpoint",
    "InvalidState",
    "ManualClock",
    "NotFound",
    "OneBotConfig",
    "PermissionDenied",
    "Person",
    "ProtocolError",
    "Simulator",
    "SimulatorConfig",
    "SimulatorError",
    "SystemClock",
    "UnknownAction",
    "Why",
    "WorldError",
    "__version__",
    "default_onebot_config",
    "load_onebot_config",
    "open_simulator",
    "parse_onebot_config",
]

# Names are imported on first use, for start-up memory and time: ``import simulator``
# (the pytest plugin loaded in every pytest run, ``qqsim actions``) then costs neither
# the world's SQLAlchemy nor the servers' Quart, about 60 MB and a second.
_HOME = {
    "ActionRecord": ".traffic",
    "Endpoint": ".app",
    "Simulator": ".app",
    "open_simulator": ".app",
    "Clock": ".clock",
    "ManualClock": ".clock",
    "SystemClock": ".clock",
    "OneBotConfig": ".config",
    "SimulatorConfig": ".config",
    "default_onebot_config": ".config",
    "load_onebot_config": ".config",
    "parse_onebot_config": ".config",
    "BadParams": ".errors",
    "ConfigError": ".errors",
    "InvalidState": ".errors",
    "NotFound": ".errors",
    "PermissionDenied": ".errors",
    "ProtocolError": ".errors",
    "SimulatorError": ".errors",
    "UnknownAction": ".errors",
    "Why": ".errors",
    "WorldError": ".errors",
    "Person": ".people",
}


__getattr__ = lazy_exports(__name__, _HOME, globals())


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
