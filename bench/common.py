"""What every bench shares: the machine's load, and rounds that alternate the two sides.

Imported by the bench scripts (run as ``python bench/bench_x.py``, so this folder is
on ``sys.path``).
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from pathlib import Path

from simulator import ManualClock, Simulator, SimulatorConfig
from simulator.world import WorldSpec
from simulator.world.spec import AccountSpec, GroupSpec, MemberSpec


def loadavg() -> str:
    """``/proc/loadavg`` as it reads now: printed beside every figure."""
    try:
        return Path("/proc/loadavg").read_text(encoding="ascii").strip()
    except OSError:
        return "unavailable"


async def alternate(names: list[str], rounds: int, measure: Callable[[str], Awaitable[float]],
                    report: Callable[[int, dict[str, list[float]]], None]
                    ) -> dict[str, list[float]]:
    """Measure each side once per round, swapping which goes first, so a drift in the
    machine's load hits both alike; ``report`` prints each round as it ends."""
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(1, rounds + 1):
        for name in names if number % 2 else list(reversed(names)):
            times[name].append(await measure(name))
        report(number, times)
    return times


def bots_world(bots: int, *, group: int, person: int, name: str) -> WorldSpec:
    """``bots`` bot accounts (10001, 10002, ...) in one group that ``person`` owns."""
    bot_ids = [10001 + i for i in range(bots)]
    accounts = [AccountSpec(user_id=b, nickname=f"bot{b}", bot=True) for b in bot_ids]
    accounts.append(AccountSpec(user_id=person, nickname="talker"))
    members = [MemberSpec(user_id=b) for b in bot_ids]
    spec = GroupSpec(group_id=group, name=name, owner=person, members=members)
    return WorldSpec(name=name, accounts=accounts, groups=[spec])


def quiet_pair() -> dict[str, Simulator]:
    """Two default-world simulators on manual clocks, "on" and "off", for an A/B bench of a
    feature the caller switches off in ``off``."""
    return {side: Simulator(SimulatorConfig(control_port=None), clock=ManualClock())
            for side in ("on", "off")}


def on_off(feature: str, name: str, measure: Callable[[str], float], rounds: int) -> None:
    """Warm up both sides, alternate them for ``rounds`` rounds, print medians, minimums
    and the on/off ratio (``measure(side)`` returns seconds per call)."""
    measure("on"), measure("off")  # warm-up
    times: dict[str, list[float]] = {"on": [], "off": []}
    for number in range(rounds):
        for side in ("on", "off") if number % 2 else ("off", "on"):
            times[side].append(measure(side))
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    print(f"{name}: {feature} on median {on * 1e6:.1f} µs (min {min(times['on']) * 1e6:.1f}),"
          f" off {off * 1e6:.1f} µs (min {min(times['off']) * 1e6:.1f}); on/off "
          f"{on / off:.3f}   loadavg {loadavg()}")
