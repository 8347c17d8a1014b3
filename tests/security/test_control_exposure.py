"""Issue 11 row 5: ``qqsim run --host 0.0.0.0`` put the tokenless control API on every
address. ``--host`` now moves only the bot listeners; the control listener stays on
127.0.0.1 unless ``--control-host`` names another address, and a non-loopback one
needs ``--control-token``. Nothing here binds anything but 127.0.0.1."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import trio
from control_probe import serving, under_attack

import simulator.app
from simulator import SimulatorConfig, cli, open_simulator
from simulator.config import check_control_exposure
from simulator.errors import ConfigError

REFUSED_HOSTS = ["0.0.0.0", "::", "192.168.1.5", "qqsim.example"]


@pytest.mark.trio
@pytest.mark.parametrize("host", REFUSED_HOSTS)
async def test_a_tokenless_control_api_off_loopback_is_refused(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--control-host", host, "--control-port", "0", "--http-port", "0",
            "--ws-port", "0", "-q"]
    with trio.fail_after(10):
        async with serving() as (sim, _):
            async def attack() -> None:
                assert await trio.to_thread.run_sync(cli.main, argv) == 2

            await under_attack(sim, attack)
    err = capsys.readouterr().err
    lines = set(err.splitlines())
    assert len(lines) == 1, err  # the same one line each time, no traceback
    line = lines.pop()
    assert line.startswith("qqsim: ") and "--control-token" in line and host in line


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[SimulatorConfig]:
    """``qqsim run`` that builds its simulator but serves nothing; the configs it built."""
    seen: list[SimulatorConfig] = []
    real = simulator.app.Simulator

    def recording(config: SimulatorConfig, **kwargs: Any) -> Any:
        seen.append(config)
        return real(config, **kwargs)

    monkeypatch.setattr(simulator.app, "Simulator", recording)
    monkeypatch.setattr(cli, "trio", SimpleNamespace(run=lambda serve: None))  # binds nothing
    return seen


def test_host_moves_only_the_bot_listeners(no_serving: list[SimulatorConfig]) -> None:
    assert cli.main(["run", "--host", "0.0.0.0", "-q"]) == 0
    config = no_serving[0]
    assert config.control_host == "127.0.0.1"
    network = next(iter(config.bots.values())).network
    hosts = {s.host for s in network.httpServers} | {s.host for s in network.websocketServers}
    assert hosts == {"0.0.0.0"}


@pytest.mark.parametrize(("argv", "host"), [
    (["--control-host", "localhost"], "localhost"),
    (["--control-host", "::1"], "::1"),
    (["--control-host", "0.0.0.0", "--control-token", "s3cret"], "0.0.0.0"),
    (["--control-host", "0.0.0.0", "--control-port", "-1"], "0.0.0.0"),  # no control API
])
def test_a_control_host_is_taken_when_allowed(
    no_serving: list[SimulatorConfig], argv: list[str], host: str
) -> None:
    assert cli.main(["run", "-q", *argv]) == 0
    assert no_serving[0].control_host == host


@pytest.mark.parametrize(("host", "token", "refused"), [
    ("127.0.0.1", "", False), ("127.0.0.2", "", False), ("localhost", "", False),
    ("::1", "", False), ("[::1]", "", False), ("0.0.0.0", "", True), ("::", "", True),
    ("10.0.0.1", "", True), ("qqsim.example", "", True), ("0.0.0.0", "t", False),
])
def test_the_exposure_rule(host: str, token: str, refused: bool) -> None:
    config = SimulatorConfig(control_host=host, control_token=token)
    if refused:
        with pytest.raises(ConfigError, match="--control-token"):
            check_control_exposure(config)
    else:
        check_control_exposure(config)


@pytest.mark.trio
async def test_the_library_refuses_before_binding_the_control_api() -> None:
    with trio.fail_after(10):
        async with serving() as (sim, _):
            async def attack() -> None:
                config = SimulatorConfig(control_host="0.0.0.0", control_port=0)
                with pytest.raises(ConfigError):  # at once: no world is built first
                    async with open_simulator(config):
                        raise AssertionError("the control API started")  # pragma: no cover

            await under_attack(sim, attack)
