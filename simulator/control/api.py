"""The control API and the web console: read the world, act as its people, watch the wire.

    GET  /                                     the web console (static/index.html)
    WS   /api/stream                           live world facts, actions and frames (stream.py)

pages.py adds the reads of the world, a page at a time (people, groups,
members, a chat's messages with its notices); acting.py the routes that change
the world as a person (messages, recall, join, mute, requests, ...);
inspector.py the traffic log, connections, messages with their frames, forwards
and media; session_routes.py scenarios, faults and the clock.

With ``control_token`` set, every ``/api`` request needs ``Authorization: Bearer
<token>`` or ``?access_token=<token>`` (401 otherwise); the console's own page
and assets are served without it (they hold no data) and ask for the token.
Requests a browser makes from another site are refused (403), so a web page
cannot drive or read a local qqsim; so is every request, page, asset or stream,
whose ``Host`` is not a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``)
or the configured host, so a DNS-rebound name (``evil.example`` pointing at
127.0.0.1) reaches nothing. A listener on a non-loopback address needs the
token, and one on every address (``0.0.0.0``) answers any ``Host``: the token
is what a rebinding page cannot present. Errors are ``{"error": text}``: 400 for a
malformed request or a refusal by the world, 404 for something that does not
exist, 501 for what this qqsim cannot do yet. Uses only ``Simulator``'s public
surface.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from ..adapters.asgi_server import serve_asgi
from ..config import check_control_exposure
from ..endpoint import Endpoint
from .request_log import RequestLog

if TYPE_CHECKING:
    from ..simulation import Simulator

log = logging.getLogger("qqsim.control")

#: The lifespan scope hypercorn would give the app (``hypercorn.trio.lifespan``).
_LIFESPAN_SCOPE = {"type": "lifespan", "asgi": {"spec_version": "2.0", "version": "3.0"}}

__all__ = ["LazyConsole", "build_app", "serve_control"]


async def serve_control(
    sim: Simulator, *, task_status: trio.TaskStatus[Endpoint] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve the control API and console on ``control_host:control_port`` until cancelled."""
    check_control_exposure(sim.config)  # before binding, for callers other than the CLI
    host, port = sim.config.control_host, sim.config.control_port or 0
    requests = RequestLog(sim)  # follows the bus from now: the console lists what came before
    async with trio.open_nursery() as nursery:
        nursery.start_soon(requests.follow)
        app = LazyConsole(sim, requests, nursery, Path.cwd() / "scenarios")
        bound = await nursery.start(partial(serve_asgi, app, host, port, log, lifespan=False))
        shown = f"[{host}]" if ":" in host else host  # an IPv6 address
        endpoint = Endpoint(None, "control", "control", f"http://{shown}:{bound}")
        log.info("web console and control API on %s", endpoint.url)
        task_status.started(endpoint)


class LazyConsole:
    """The control listener's ASGI app: the Quart app of ``console_app``, built on the
    first request.

    Quart (with Flask, Werkzeug and Jinja) and the scenario engine cost about 10 MB
    and 150 ms at start-up, which a ``qqsim run`` whose console nobody opens never
    needs; the first request pays them instead. The scenario service and the app's
    own lifespan (quart-trio's nursery) then run in the listener's nursery.
    """

    def __init__(self, sim: Simulator, requests: RequestLog, nursery: trio.Nursery,
                 scenario_dir: Path) -> None:
        self._sim = sim
        self._requests = requests
        self._nursery = nursery
        self._scenario_dir = scenario_dir  # the working directory's, when qqsim started
        self._app: Any = None
        self._building = trio.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # the real app's runs when it is built
            await _bare_lifespan(receive, send)
            return
        app = self._app if self._app is not None else await self._build()
        await app(scope, receive, send)

    async def _build(self) -> Any:
        async with self._building:
            if self._app is None:
                # Imported here, not at the top: Quart's start-up cost (see the class doc).
                from .console_app import build_app as build
                from .session_routes import Runs

                runs = Runs(self._sim, self._scenario_dir)
                await self._nursery.start(runs.serve)
                app = build(self._sim, self._requests, runs)
                await self._nursery.start(_app_lifespan, app)
                self._app = app
        return self._app


async def _bare_lifespan(receive: Any, send: Any) -> None:
    """ASGI's lifespan protocol for an app with nothing to start or stop."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _app_lifespan(app: Any, *,
                        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Run ``app``'s lifespan (startup, then until cancelled), as hypercorn would have."""
    to_app, app_inbox = trio.open_memory_channel[dict[str, Any]](1)
    from_app, app_outbox = trio.open_memory_channel[dict[str, Any]](1)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(app, {**_LIFESPAN_SCOPE, "state": {}}, app_inbox.receive,
                           from_app.send)
        await to_app.send({"type": "lifespan.startup"})
        answer = await app_outbox.receive()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the control app did not start: {answer.get('message')}")
        task_status.started()


def build_app(sim: Simulator, requests: RequestLog, runs: Any) -> Any:
    """The control API's Quart app (``console_app.build_app``), imported on use."""
    # Lazy for start-up cost: Quart and the scenario engine (see ``LazyConsole``).
    from .console_app import build_app as build

    return build(sim, requests, runs)
