"""Shared fixtures: a deterministic simulator on the default seed, a bot link, and events.

The default world (seed_data/default.yaml): bot 10001 is an admin in 100100 (owner
20001), the owner of 100200, and a plain member of 100300 (owner 20007); people are
20001-20010. Every test gets a fresh in-memory world and a ``ManualClock``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import action_gate
import pytest

from simulator import ManualClock, Simulator, SimulatorConfig, default_onebot_config
from simulator.link import BotLink
from simulator.onebot.context import ConnectionSettings
from simulator.onebot.events import render_event
from simulator.world import DomainEvent

BOT = 10001
ADMIN_GROUP = 100100  # bot is admin, 20001 owns it, 20002 is another admin
OWNED_GROUP = 100200  # bot is the owner, 20007 is admin
MEMBER_GROUP = 100300  # bot is a plain member, 20007 owns it, 20010 is admin


def wired_config() -> SimulatorConfig:
    """Bot 10001 on a forward WebSocket and an HTTP API, both on ephemeral ports."""
    return SimulatorConfig(bots={BOT: default_onebot_config(http_port=0, ws_port=0)},
                           control_port=None)


def pytest_configure(config: pytest.Config) -> None:
    action_gate.configure(config)  # the action gate counts every call of the whole suite


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    action_gate.finish(session, exitstatus)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    action_gate.summary(terminalreporter, config)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    simulator = Simulator(SimulatorConfig(control_port=None), clock=clock)
    yield simulator
    simulator.close()


@pytest.fixture
def bot(sim: Simulator) -> BotLink:
    return sim.link(BOT)


class Api:
    """Calls actions as a bot and checks the whole envelope a bot would see."""

    def __init__(self, link: BotLink) -> None:
        self.link = link

    def call(self, action: str, params: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self.link.call(action, {} if params is None else params, **kwargs)

    def ok(self, action: str, params: Any = None) -> Any:
        """Call and require success; return ``data`` (the key must be present)."""
        body = self.call(action, params)
        assert (body["status"], body["retcode"], body["message"]) == ("ok", 0, ""), body
        assert "data" in body, body
        return body["data"]

    def void(self, action: str, params: Any = None) -> None:
        """Call a NapCat void action: success and no ``data`` key at all."""
        body = self.call(action, params)
        assert (body["status"], body["retcode"], body["message"]) == ("ok", 0, ""), body
        assert "data" not in body, body

    def fail(self, action: str, params: Any, message: str, retcode: int = 1200) -> None:
        """Call and require a failure with exactly this retcode and message."""
        body = self.call(action, params)
        assert body["status"] == "failed", body
        assert (body["retcode"], body["message"], body["wording"]) == (
            retcode, message, message), body
        assert body["data"] is None


@pytest.fixture
def api(bot: BotLink) -> Api:
    return Api(bot)


class EventLog:
    """Every domain event the world announces, rendered on demand for one bot."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.domain: list[DomainEvent] = []
        sim.world.add_listener(self.domain.append)

    def clear(self) -> None:
        self.domain.clear()

    def rendered(
        self, self_id: int = BOT, settings: ConnectionSettings | None = None
    ) -> list[dict[str, Any]]:
        settings = settings or ConnectionSettings()
        out = [render_event(e, self_id, settings, self.sim.profile) for e in self.domain]
        return [e for e in out if e is not None]

    def of(self, post_type: str, kind: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """Rendered events of one post_type (and notice/request type) for the bot."""
        found = []
        for event in self.rendered(**kwargs):
            detail = event.get("notice_type") or event.get("request_type")
            if event["post_type"] == post_type and (kind is None or detail == kind):
                found.append(event)
        return found

    def one(self, post_type: str, kind: str | None = None, **kwargs: Any) -> dict[str, Any]:
        found = self.of(post_type, kind, **kwargs)
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def events(sim: Simulator) -> EventLog:
    return EventLog(sim)
