"""Thin transports. Each adapter moves JSON between a socket and a ``BotLink``.

Adapters import ``link``/``onebot`` and never touch the world directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import trio

from ..config import HttpServerConfig, WebsocketServerConfig
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator


async def start_adapter(
    nursery: trio.Nursery, sim: Simulator, bot_id: int, config: Any
) -> Endpoint:
    """Start the adapter ``config`` describes for ``bot_id``; return where it listens."""
    from .http_server import serve_http_server
    from .ws_server import serve_ws_server

    # Order matters: an SSE server config is also an HTTP server config.
    if isinstance(config, WebsocketServerConfig):
        endpoint: Endpoint = await nursery.start(serve_ws_server, sim, bot_id, config)
    elif isinstance(config, HttpServerConfig) and type(config) is HttpServerConfig:
        endpoint = await nursery.start(serve_http_server, sim, bot_id, config)
    else:
        raise ConfigError(f"adapter kind {type(config).__name__} is not served yet")
    return endpoint
