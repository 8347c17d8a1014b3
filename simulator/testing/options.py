"""What world a test gets: ``QQSimOptions``, from markers, fixture parameters or code.

Every field has a default that gives the bundled default world, NapCat's
profile, a ``ManualClock`` and, for every bot account, a forward WebSocket
and an HTTP API on ephemeral 127.0.0.1 ports. ``build`` turns options into
what ``Simulator`` takes; nothing here starts anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..clock import Clock, ManualClock, SystemClock
from ..config import (
    HttpServerConfig,
    HttpSseServerConfig,
    NetworkConfig,
    OneBotConfig,
    SimulatorConfig,
    WebsocketServerConfig,
)
from ..errors import ConfigError
from ..world import WorldSpec, generate_spec, load_spec
from ..world.seed import seed_path
from .clocks import TrioClock

#: Listener kinds ``transports`` may name; each binds 127.0.0.1 on port 0.
TRANSPORTS = ("ws", "http", "sse")
CLOCKS = ("manual", "real", "trio")


@dataclass(frozen=True)
class QQSimOptions:
    """How to build a test's simulator.

    ``seed`` names a file in ``seed_data/`` or a YAML path; ``generate`` (the
    arguments of ``generate_spec``, e.g. ``{"seed": 7, "people": 30}``) or
    ``spec`` (a ``WorldSpec``) replace it. ``bots`` are the bot accounts served
    (default: every bot of the world). ``transports`` are the listeners each
    served bot gets (``ws``, ``http``, ``sse``; empty: none, in-process only),
    or ``onebot`` a whole NapCat ``onebot11.json`` (a mapping or
    ``OneBotConfig``) used for every served bot instead. ``clock``: ``manual``
    (world time moves only when advanced; the default), ``real``, or ``trio``
    (world time follows the running trio clock, so a ``MockClock`` drives it).
    ``within`` is the default timeout, in seconds, of waits and expectations.
    ``snapshot`` is a snapshot file (``sim.snapshot().save(path)``, ``qqsim snapshot
    save NAME --file PATH``) the world is restored from before the test starts.
    ``immediate_send_failures``: a send QQ refuses (the bot muted, or not in the group)
    fails at once with qqsim's text instead of NapCat's after 10 s of world time.
    """

    seed: str = "default"
    generate: Mapping[str, Any] | None = None
    spec: WorldSpec | None = None
    profile: str = "napcat"
    bots: Sequence[int] | None = None
    transports: Sequence[str] = ("ws", "http")
    onebot: OneBotConfig | Mapping[str, Any] | None = None
    token: str = ""
    heartbeat_ms: int = 30000
    clock: str = "manual"
    control: bool = False
    within: float = 5.0
    snapshot: str | None = None
    #: A send QQ refuses fails at once, not after NapCat's 10 s kernel timeout (world time).
    immediate_send_failures: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.transports, str):  # transports="ws" means ("ws",)
            object.__setattr__(self, "transports", (self.transports,))
        unknown = [t for t in self.transports if t not in TRANSPORTS]
        if unknown:
            raise ConfigError(f"unknown transports {unknown} (know {list(TRANSPORTS)})")
        if self.clock not in CLOCKS:
            raise ConfigError(f"unknown clock {self.clock!r} (know {list(CLOCKS)})")
        if self.generate is not None and "seed" not in self.generate:
            raise ConfigError("generate needs a seed, e.g. generate={'seed': 7, 'people': 30}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def merged(self, overrides: Mapping[str, Any]) -> QQSimOptions:
        """These options with ``overrides`` on top; unknown names are an error."""
        unknown = sorted(set(overrides) - set(self.names()))
        if unknown:
            raise ConfigError(f"unknown qqsim options {unknown} (know {list(self.names())})")
        return replace(self, **dict(overrides))


def layered(layers: Iterable[Mapping[str, Any]], base: QQSimOptions | None = None
            ) -> QQSimOptions:
    """Options from ``layers``, the later ones winning (e.g. module marker, then test)."""
    options = base or QQSimOptions()
    for layer in layers:
        options = options.merged(layer)
    return options


def world_spec(options: QQSimOptions) -> WorldSpec:
    """The test's world. Seed files and generated worlds are made once per process and
    shared (nothing changes a ``WorldSpec`` once built): parsing ``default.yaml`` alone
    costs more than the rest of a fixture."""
    if options.spec is not None:
        return options.spec
    if options.generate is not None:
        arguments = dict(options.generate)
        seed = arguments.pop("seed")
        key = tuple(sorted(arguments.items()))
        try:
            hash((seed, key))
        except TypeError:  # e.g. a list among the arguments: built each time
            return generate_spec(seed, **arguments)
        return _generated(seed, key)
    return _seeded(_seed_key(options.seed))


def _seed_key(seed: str) -> tuple[str, int, int]:
    """The seed and, for a file on disk, its modification time and size: an edited file
    is read again."""
    found = seed_path(seed)
    if isinstance(found, Path):
        stat = found.stat()
        return seed, stat.st_mtime_ns, stat.st_size
    return seed, 0, 0  # a bundled seed: part of the installed package


@lru_cache(maxsize=16)
def _seeded(key: tuple[str, int, int]) -> WorldSpec:
    return load_spec(key[0])


@lru_cache(maxsize=16)
def _generated(seed: Any, arguments: tuple[tuple[str, Any], ...]) -> WorldSpec:
    return generate_spec(seed, **dict(arguments))


def world_clock(options: QQSimOptions) -> Clock:
    if options.clock == "real":
        return SystemClock()
    if options.clock == "trio":
        return TrioClock()
    return ManualClock()


def simulator_config(options: QQSimOptions, spec: WorldSpec) -> SimulatorConfig:
    """Where each served bot listens: every port 0, so parallel tests never collide."""
    world_bots = [a.user_id for a in spec.accounts if a.bot]
    served = list(options.bots) if options.bots is not None else world_bots
    missing = [b for b in served if b not in world_bots]
    if missing:
        raise ConfigError(f"{missing} are not bot accounts of world {spec.name!r}")
    onebot = _onebot(options)  # checks the test's own config, even with no bot served
    given = onebot is options.onebot  # the test's ``OneBotConfig`` itself: copied for each
    bots: dict[int, OneBotConfig] = {}
    for bot in served:  # each bot gets its own config
        bots[bot] = onebot.model_copy(deep=True) if given else onebot
        if not given and len(bots) < len(served):
            onebot = _onebot(options)  # made afresh: quicker than a deep copy
    return SimulatorConfig(
        seed=options.seed, profile=options.profile, bots=bots,
        control_port=0 if options.control else None,
        immediate_send_failures=options.immediate_send_failures,
    )


def _onebot(options: QQSimOptions) -> OneBotConfig:
    if isinstance(options.onebot, OneBotConfig):
        return options.onebot
    if options.onebot is not None:
        return OneBotConfig.model_validate(dict(options.onebot))
    network = NetworkConfig()
    common: dict[str, Any] = {"enable": True, "host": "127.0.0.1", "port": 0,
                              "token": options.token}
    if "ws" in options.transports:
        network.websocketServers = [WebsocketServerConfig(
            **common, heartInterval=options.heartbeat_ms)]
    if "http" in options.transports:
        network.httpServers = [HttpServerConfig(**common)]
    if "sse" in options.transports:
        network.httpSseServers = [HttpSseServerConfig(**common)]
    return OneBotConfig(network=network)
