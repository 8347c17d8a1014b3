"""The world clock under control: durations, advancing, waiting on world time, expiry, reset."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from conftest import Api

from simulator import ConfigError, ManualClock, Simulator, SimulatorConfig, SystemClock
from simulator.clock import format_duration, parse_duration
from simulator.link import BotLink
from simulator.world import load_spec


def test_durations() -> None:
    assert [parse_duration(t) for t in ("10m", "1h30m", "500ms", "2d", "1.5s", 3, "7")] == [
        600, 5400, 0.5, 172800, 1.5, 3, 7]
    for bad in ("x", "10 minutes", "1m x", -1, True):
        with pytest.raises(ValueError):
            parse_duration(bad)  # type: ignore[arg-type]
    assert [format_duration(s) for s in (90, 0.25, 86400, 3661)] == ["1m30s", "250ms", "1d",
                                                                     "1h1m1s"]


def test_clocks_advance_forward_and_tell_listeners() -> None:
    moves: list[float] = []
    for clock in (ManualClock(), SystemClock()):
        clock.add_listener(moves.append)
        before = clock.now()
        clock.advance(3600)
        assert clock.now() - before >= 3600
        with pytest.raises(ValueError):
            clock.advance(-1)
        clock.remove_listener(moves.append)
        clock.advance(1)
    assert moves == [3600, 3600]


@pytest.mark.trio
async def test_sleep_world_wakes_when_the_clock_passes_its_time(sim: Simulator) -> None:
    woke: list[int] = []

    async def sleeper() -> None:
        await sim.sleep_world(600)
        woke.append(sim.world.now())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sleeper)
        await trio.testing.wait_all_tasks_blocked()
        sim.advance(599)
        await trio.testing.wait_all_tasks_blocked()
        assert woke == []  # a manual clock never moves by itself
        sim.world.clock.advance(3600)  # advancing the clock directly works too
        await trio.testing.wait_all_tasks_blocked()
    assert woke == [sim.world.now()]
    assert [e["advanced"] for e in sim.transcript.entries if e["kind"] == "clock"] == [599, 3600]


@pytest.mark.trio
async def test_wait_until_wakes_on_the_clock(sim: Simulator, api: Api) -> None:
    api.ok("set_group_ban", {"group_id": 100100, "user_id": 20003, "duration": 60})
    with trio.fail_after(2):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sim.wait_until,
                               lambda: not sim.world.groups.is_muted(100100, 20003))
            await trio.testing.wait_all_tasks_blocked()
            sim.advance(61)  # the mute expires with time: nothing else changed


def test_friend_requests_expire_after_a_week(sim: Simulator, api: Api) -> None:
    request = sim.person(20004).add_friend(10001, "hi")
    sim.advance(7 * 86400)
    assert sim.world.requests.pending(10001) == [request]
    sim.advance(1)
    assert sim.world.requests.is_expired(sim.world.requests.find(request.flag))  # type: ignore
    assert sim.world.requests.pending(10001) == []
    api.fail("set_friend_add_request", {"flag": request.flag}, "No such request")
    assert not sim.world.accounts.is_friend(10001, 20004)


def test_event_times_follow_the_clock(sim: Simulator, bot: BotLink) -> None:
    sim.advance(86400)
    message = sim.person(20003).send_group_msg(100100, "明天见")
    assert message.time == int(sim.world.clock.now()) == 1_767_225_600 + 86400
    assert bot.heartbeat(30000)["time"] == message.time


def test_advance_needs_a_steerable_clock() -> None:
    class Fixed:
        def now(self) -> float:
            return 0.0

    sim = Simulator(SimulatorConfig(control_port=None), clock=Fixed())
    with pytest.raises(ConfigError, match="cannot be advanced"):
        sim.advance(1)
    sim.close()


def test_reset_rebuilds_the_world_and_forgets_the_run(sim: Simulator, api: Api) -> None:
    sim.person(20003).send_group_msg(100100, "before")
    api.ok("get_login_info")
    sim.faults.fail("get_status")
    new_clock = ManualClock(2_000_000_000)
    sim.reset(load_spec("default"), profile="gocq", clock=new_clock)
    assert sim.history(group_id=100100) == []
    assert (list(sim.actions), sim.faults.active, list(sim.transcript.entries)) == ([], [], [])
    assert sim.profile.name == "gocq" and sim.world.clock is new_clock
    body = api.call("get_status")  # the old link sees the new world and profile
    assert body["status"] == "ok" and "stream" not in body
    sim.advance(5)
    assert sim.world.now() == 2_000_000_005
