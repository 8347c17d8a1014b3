"""qqsim: a fake QQ for bot developers, speaking OneBot 11 as NapCat does.

Layers, bottom up: ``world`` (state and rules, sync, SQLite), ``onebot``
(actions, codec, envelopes, events; I/O-free), ``adapters`` (transports),
then ``app`` (``Simulator``), ``control`` and ``cli``.
"""

from .app import ActionRecord, Endpoint, Simulator, open_simulator
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
    WorldError,
)
from .people import Person

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
    "WorldError",
    "__version__",
    "default_onebot_config",
    "load_onebot_config",
    "open_simulator",
    "parse_onebot_config",
]
