"""Issue 11 row 6: a scenario posted to the control API with ``world: /any/path.yaml`` read
any YAML file of the machine and echoed its values in the run's error. A posted scenario
now reads seed files only from the directories qqsim serves (the bundled seeds, the
scenario directory, ``--storage``); refusals name neither the absolute path nor anything
in the file, and validation errors never echo input values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from control_probe import BOT, bot_answers, serving, under_attack

from simulator.app import Simulator
from simulator.scenarios.engine import world_spec
from simulator.scenarios.loader import load_text

SECRET = "hunter2-SECRET"
# Invalid as a world (accounts must be a list) and valid YAML: the old error echoed it.
SECRET_YAML = f"name: leak\naccounts: {SECRET}\npassword: {SECRET}\n"
STORED_WORLD = f"""\
name: stored
accounts:
  - {{user_id: {BOT}, nickname: B, bot: true}}
  - {{user_id: 30001, nickname: P}}
"""


def scenario(world: str) -> str:
    return f"name: probe\nworld: {world}\nsteps:\n  - note: started\n"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "secret.yaml"
    path.parent.mkdir()
    path.write_text(SECRET_YAML, encoding="utf-8")
    return path


def assert_tells_nothing(response: httpx.Response, *paths: Path) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert SECRET not in error and "input_value" not in error
    for path in paths:
        assert str(path.parent) not in error, error


async def run_state(client: httpx.AsyncClient, run_id: int) -> Any:
    """The run's state once it ended (each GET lets the run's task go on)."""
    while True:
        state = (await client.get(f"/api/scenarios/runs/{run_id}")).json()
        if state["status"] != "running":
            return state


async def refused_every_time(sim: Simulator, client: httpx.AsyncClient, body: dict[str, Any],
                             *paths: Path) -> None:
    async def attack() -> None:
        assert_tells_nothing(await client.post("/api/scenarios/run", json=body), *paths)

    await under_attack(sim, attack)
    assert (await client.get("/api/scenarios")).json()["runs"] == []  # nothing ran


@pytest.mark.trio
@pytest.mark.parametrize("form", ["absolute", "seed", "relative", "bare"])
async def test_a_posted_scenario_cannot_name_a_file_outside(
    form: str, secret: Path, tmp_path: Path
) -> None:
    storage = tmp_path / "storage"
    outside = {"absolute": str(secret),
               "seed": f"{{seed: {secret}}}",
               "relative": "../" * 12 + str(secret).lstrip("/"),
               "bare": "../" * 12 + str(secret.with_suffix("")).lstrip("/")}[form]
    with trio.fail_after(10):
        async with serving(storage_dir=str(storage)) as (sim, client):
            body = {"text": scenario(outside), "name": "probe.yaml"}
            await refused_every_time(sim, client, body, secret)


@pytest.mark.trio
async def test_a_symlink_in_storage_does_not_lead_outside(secret: Path, tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "link.yaml").symlink_to(secret)
    with trio.fail_after(10):
        async with serving(storage_dir=str(storage)) as (sim, client):
            for world in ("link.yaml", str(storage / "link.yaml")):
                body = {"text": scenario(world)}
                await refused_every_time(sim, client, body, secret, storage / "link.yaml")


@pytest.mark.trio
async def test_an_invalid_seed_in_storage_is_reported_without_its_values(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "bad.yaml").write_text(SECRET_YAML, encoding="utf-8")
    with trio.fail_after(10):
        async with serving(storage_dir=str(storage)) as (sim, client):
            body = {"text": scenario("bad.yaml")}
            await refused_every_time(sim, client, body, storage / "bad.yaml")
            error = (await client.post("/api/scenarios/run", json=body)).json()["error"]
    assert "'bad.yaml'" in error and "accounts" in error  # where, not what


@pytest.mark.trio
async def test_a_posted_scenario_does_not_echo_its_own_values(tmp_path: Path) -> None:
    inline = f"{{name: x, accounts: [{{user_id: {SECRET}}}]}}"
    with trio.fail_after(10):
        async with serving(storage_dir=str(tmp_path)) as (sim, client):
            await refused_every_time(sim, client, {"text": scenario(inline)})


@pytest.mark.trio
async def test_seeds_qqsim_serves_are_still_read(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "world.yaml").write_text(STORED_WORLD, encoding="utf-8")
    with trio.fail_after(20):
        async with serving(storage_dir=str(storage)) as (sim, client):
            states = []
            for world in ("default", "{seed: default}", "world.yaml", str(storage / "world.yaml")):
                started = await client.post("/api/scenarios/run", json={"text": scenario(world)})
                assert started.status_code == 200, started.text
                states.append(await run_state(client, started.json()["id"]))
                await bot_answers(sim)
            person = sim.world.accounts.find(30001)
    assert [s["status"] for s in states] == ["passed"] * 4, states
    assert person is not None  # the last run's world is the stored one


@pytest.mark.trio
async def test_the_scenario_directory_is_served_and_confines_too(
    tmp_path: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = tmp_path / "scenarios"
    (scenarios / "worlds").mkdir(parents=True)
    (scenarios / "worlds" / "w.yaml").write_text(STORED_WORLD, encoding="utf-8")
    (scenarios / "ok.yaml").write_text(scenario("worlds/w.yaml"), encoding="utf-8")
    (scenarios / "leak.yaml").write_text(scenario("../elsewhere/secret.yaml"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the console serves ./scenarios
    with trio.fail_after(20):
        async with serving() as (sim, client):
            await refused_every_time(sim, client, {"path": "leak.yaml"}, secret, scenarios / "x")
            started = await client.post("/api/scenarios/run", json={"path": "ok.yaml"})
            state = await run_state(client, started.json()["id"])
            await bot_answers(sim)
    assert state["status"] == "passed", state
    assert state["source"] == "ok.yaml"  # named as the request did, not by absolute path


@pytest.mark.trio
async def test_the_scenario_listing_shows_no_path_of_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios" / "deep").mkdir(parents=True)
    (tmp_path / "scenarios" / "deep" / "a.yaml").write_text(scenario("default"), "utf-8")
    monkeypatch.chdir(tmp_path)
    with trio.fail_after(20):
        async with serving() as (sim, client):
            async def list_them() -> None:
                listing = await client.get("/api/scenarios")
                assert listing.status_code == 200
                assert str(tmp_path) not in listing.text and "/deep" not in listing.text
                body = listing.json()
                assert (body["directory"], body["files"]) == ("scenarios", ["deep/a.yaml"])

            await under_attack(sim, list_them)


def test_a_scenario_run_from_the_cli_still_reads_seed_files_by_path(tmp_path: Path) -> None:
    seed = tmp_path / "anywhere" / "world.yaml"
    seed.parent.mkdir()
    seed.write_text(STORED_WORLD, encoding="utf-8")
    loaded = load_text(scenario(str(seed)), "cli.yaml", path=tmp_path / "cli.yaml")
    assert world_spec(loaded).name == "stored"
