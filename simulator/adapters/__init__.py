"""Thin transports. Each adapter moves JSON between a socket and a ``BotLink``.

Adapters import ``link``/``onebot`` and never touch the world directly. The
six ways a bot connects, by NapCat config key:

=================  ================================  =====================
``httpServers``    HTTP API (+ WebSocket on the port) ``http_server.py``
``httpSseServers`` HTTP API + ``GET /_events``         ``http_streams.py``
``httpClients``    HTTP POST webhook                  ``http_client.py``
``websocketServers`` forward WebSocket                ``ws_server.py``
``websocketClients`` reverse WebSocket                ``ws_client.py``
``plugins``        in-process JS in NapCat: not served by qqsim
=================  ================================  =====================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import trio

from ..config import (
    HttpClientConfig,
    HttpServerConfig,
    WebsocketClientConfig,
    WebsocketServerConfig,
)
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..app import Endpoint, Simulator


async def start_adapter(
    nursery: trio.Nursery, sim: Simulator, bot_id: int, config: Any
) -> Endpoint:
    """Start the adapter ``config`` describes for ``bot_id``; return where it listens."""
    from .http_client import serve_http_client
    from .http_server import serve_http_server
    from .ws_client import serve_ws_client
    from .ws_server import serve_ws_server

    # An SSE server config is also an HTTP server config: serve_http_server tells them apart.
    serve: Any
    if isinstance(config, WebsocketServerConfig):
        serve = serve_ws_server
    elif isinstance(config, WebsocketClientConfig):
        serve = serve_ws_client
    elif isinstance(config, HttpClientConfig):
        serve = serve_http_client
    elif isinstance(config, HttpServerConfig):
        serve = serve_http_server
    else:
        raise ConfigError(f"adapter kind {type(config).__name__} is not served by qqsim")
    endpoint: Endpoint = await nursery.start(serve, sim, bot_id, config)
    return endpoint
