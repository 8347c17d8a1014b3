"""What a serving ``qqsim run`` has imported before anyone connects (issue 10: idle memory).

Quart (with Flask, Werkzeug and Jinja) is the control API's, built on its first request;
hypercorn is imported at a listener's first connection; httpx only for webhooks,
reverse WebSockets and remote media; Faker only to generate a world. A listener that
is connected to loads them then, and answers as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAZY = ("quart", "quart_trio", "flask", "werkzeug", "jinja2", "hypercorn", "h2", "httpx",
        "faker", "json5", "difflib")
#: qqsim's own modules an idle server must not hold: the action handlers (imported by the
#: registry on its first read), the scenario engine (a recording checks itself against
#: it when written), coverage reports, the world generator, and the world services (with
#: their tables) that only actions reach: ``World`` builds them on first use.
LAZY_OWN = ("simulator.onebot.actions", "simulator.scenarios", "simulator.coverage.report",
            "simulator.world.generate", "simulator.world.history_fill")
LAZY_WORLD = tuple(f"simulator.world.{name}" for name in (
    "albums", "bulletins", "favorites", "files", "forward_cards", "group_extras", "profiles",
    "reactions", "reads", "social", "transfers"))

SERVE_THEN_LIST = """
import json, sys, urllib.request
import trio
from simulator import SimulatorConfig, default_onebot_config, open_simulator

async def main():
    config = SimulatorConfig(bots={10001: default_onebot_config(http_port=0, ws_port=0)},
                             control_port=0)
    async with open_simulator(config) as sim:
        idle = sorted({name.split(".")[0] for name in sys.modules})
        own = sorted(name for name in sys.modules if name.startswith("simulator."))
        def get(url):
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.read().decode()
        http = await trio.to_thread.run_sync(get, sim.url("http") + "/get_login_info")
        console = await trio.to_thread.run_sync(get, sim.url("control") + "/api/clock")
        print(json.dumps({"idle": idle, "own": own, "http": http, "console": console}))

trio.run(main)
"""


def test_an_idle_server_has_not_imported_what_it_serves_on_demand() -> None:
    done = subprocess.run([sys.executable, "-c", SERVE_THEN_LIST], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert [name for name in LAZY if name in found["idle"]] == []
    assert [name for name in found["own"] if name.startswith(LAZY_OWN)] == []
    assert [name for name in LAZY_WORLD if name in found["own"]] == []
    status, body = found["http"]
    assert status == 200 and json.loads(body)["data"]["user_id"] == 10001
    status, body = found["console"]
    assert status == 200 and "now" in json.loads(body)


def test_every_action_is_declared_once_the_registry_is_read() -> None:
    # The handlers load on the first read of the registry: every reader sees all of them.
    done = subprocess.run([sys.executable, "-c", (
        "import sys; from simulator.onebot.registry import REGISTRY\n"
        "assert 'simulator.onebot.actions' not in sys.modules\n"
        "print('send_group_msg' in REGISTRY, len(REGISTRY) > 150,"
        " REGISTRY.get('get_login_info') is not None)")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "True", "True"]
