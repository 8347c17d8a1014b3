"""Configuration: NapCat's own ``onebot11.json`` network section, plus qqsim's settings.

qqsim reads the file a NapCat user already has. As in NapCat, the file may be
JSON5 and missing keys take NapCat's defaults; a key NapCat has nowhere is an
error with a "did you mean" (``config_keys``: NapCat drops it silently). Only
adapters with ``enable: true`` start, and a file from which none would is refused.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config_keys import unknown_keys
from .errors import ConfigError


class _Adapter(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    name: str
    enable: bool = False
    token: str = ""
    messagePostFormat: str = "array"
    debug: bool = False


class HttpServerConfig(_Adapter):
    name: str = "http-server"
    host: str = "127.0.0.1"
    port: int = 3000
    enableCors: bool = True
    enableWebsocket: bool = False


class HttpSseServerConfig(HttpServerConfig):
    name: str = "http-sse-server"
    reportSelfMessage: bool = False


class HttpClientConfig(_Adapter):
    name: str = "http-client"
    url: str = "http://localhost:8080"
    reportSelfMessage: bool = False


class WebsocketServerConfig(_Adapter):
    name: str = "websocket-server"
    host: str = "127.0.0.1"
    port: int = 3001
    reportSelfMessage: bool = False
    enableForcePushEvent: bool = True
    heartInterval: int = 30000


class WebsocketClientConfig(_Adapter):
    """A reverse WebSocket: qqsim connects out to the bot.

    ``apiUrl``, ``eventUrl`` and ``useUniversalClient`` are qqsim extensions for
    go-cqhttp's split reverse WebSocket and are read only under the ``gocq``
    profile (NapCat drops such keys: it always opens one universal connection
    to ``url``). Under ``gocq``, when ``useUniversalClient`` is false and an
    ``apiUrl`` or ``eventUrl`` is given, qqsim opens an API connection
    (``X-Client-Role: API``) to ``apiUrl`` and an Event connection
    (``X-Client-Role: Event``) to ``eventUrl``, an empty one meaning ``url``;
    otherwise one ``Universal`` connection to ``url``.
    """

    name: str = "websocket-client"
    url: str = "ws://localhost:8082"
    reportSelfMessage: bool = False
    heartInterval: int = 30000
    reconnectInterval: int = 5000
    verifyCertificate: bool = True
    apiUrl: str = ""
    eventUrl: str = ""
    useUniversalClient: bool = False


class NetworkConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    httpServers: list[HttpServerConfig] = Field(default_factory=list)
    httpSseServers: list[HttpSseServerConfig] = Field(default_factory=list)
    httpClients: list[HttpClientConfig] = Field(default_factory=list)
    websocketServers: list[WebsocketServerConfig] = Field(default_factory=list)
    websocketClients: list[WebsocketClientConfig] = Field(default_factory=list)
    plugins: list[dict[str, Any]] = Field(default_factory=list)

    def enabled(self) -> list[_Adapter]:
        groups: list[list[Any]] = [
            self.httpServers,
            self.httpSseServers,
            self.httpClients,
            self.websocketServers,
            self.websocketClients,
        ]
        return [adapter for group in groups for adapter in group if adapter.enable]


#: Each ``network`` list and the model of its entries.
ADAPTER_MODELS: dict[str, type[BaseModel]] = {
    "httpServers": HttpServerConfig, "httpSseServers": HttpSseServerConfig,
    "httpClients": HttpClientConfig, "websocketServers": WebsocketServerConfig,
    "websocketClients": WebsocketClientConfig,
}


class OneBotConfig(BaseModel):
    """NapCat's ``onebot11.json``."""

    model_config = ConfigDict(extra="ignore")
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    musicSignUrl: str = ""
    enableLocalFile2Url: bool = False
    parseMultMsg: bool = False


def parse_onebot_config(text: str, source: str = "<config>") -> OneBotConfig:
    """A NapCat ``onebot11.json``; a key NapCat has nowhere is an error (``config_keys``)."""
    import json5  # only a config file is JSON5: a default ``qqsim run`` never loads it

    try:
        data = json5.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: not JSON5: {exc}") from None
    unknown = unknown_keys(data, OneBotConfig, NetworkConfig, ADAPTER_MODELS)
    if unknown:
        raise ConfigError("\n".join(f"{source}: {problem}" for problem in unknown))
    try:
        return OneBotConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise ConfigError(f"{source}: {where.lstrip('.')}: {first['msg']}") from None


def require_enabled(config: OneBotConfig, source: str) -> OneBotConfig:
    """Refuse a config that would start no connection at all: the bot could never connect."""
    if config.network.enabled():
        return config
    entries = sum(len(getattr(config.network, kind)) for kind in ADAPTER_MODELS)
    listed = f"{entries} {'entry' if entries == 1 else 'entries'} in network"
    raise ConfigError(f'{source}: no adapter is enabled ({listed}, none with "enable": true), '
                      "so no bot could connect")


def load_onebot_config(path: str | Path) -> OneBotConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return require_enabled(parse_onebot_config(text, str(path)), str(path))


def bot_id_from_filename(path: str | Path) -> int | None:
    """NapCat names a bot's file ``onebot11_<uin>.json``."""
    match = re.fullmatch(r"onebot11_(\d+)\.json5?", Path(path).name)
    return int(match.group(1)) if match else None


def default_onebot_config(
    *, http_port: int = 3000, ws_port: int = 3001, host: str = "127.0.0.1", token: str = ""
) -> OneBotConfig:
    """NapCat's developer template: one HTTP server and one WebSocket server."""
    return OneBotConfig(
        network=NetworkConfig(
            httpServers=[HttpServerConfig(enable=True, host=host, port=http_port, token=token)],
            websocketServers=[
                WebsocketServerConfig(enable=True, host=host, port=ws_port, token=token)
            ],
        )
    )


@dataclass
class SimulatorConfig:
    """Everything needed to start a simulator.

    ``bots`` maps a bot account to its NapCat OneBot config; a bot without an
    entry has no connections. ``seed`` names a file in ``seed_data/`` or a path.
    """

    seed: str = "default"
    db_path: str | None = None
    profile: str = "napcat"
    bots: dict[int, OneBotConfig] = field(default_factory=dict)
    #: The control API's address. Only a loopback one may go without ``control_token``.
    control_host: str = "127.0.0.1"
    control_port: int | None = 6099
    control_token: str = ""
    storage_dir: str | None = None
    #: Events buffered per connection before the oldest... see bus.py for the policy.
    event_buffer: int = 1000
    #: A send QQ refuses (the bot muted, or not in the group) fails at once with qqsim's
    #: own text, instead of NapCat's kernel timeout text after 10 s of world time.
    immediate_send_failures: bool = False


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP (``127.0.0.0/8``, ``::1``, bracketed or not)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def is_wildcard(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every address of the machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def check_control_exposure(config: SimulatorConfig) -> None:
    """Refuse a tokenless control API on an address other machines can reach: it
    lets whoever connects read the world, act as anyone and arm faults."""
    host = config.control_host
    if config.control_port is None or config.control_token or is_loopback(host):
        return
    raise ConfigError(f"the control API on {host} needs a token: add --control-token TOKEN "
                      "(or leave --control-host at 127.0.0.1)")
