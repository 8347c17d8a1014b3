"""``BotLink``: one connection's view of the simulator, shared by every adapter.

A link knows which bot account it serves and its connection settings; it runs
actions and renders events for that bot, and logs one line per action and
per event. Adapters only move the resulting JSON over their transport.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from .onebot import dispatch
from .onebot.codec import segments_to_text
from .onebot.context import ActionContext, ConnectionSettings
from .onebot.envelope import NO_ECHO, response
from .onebot.events import render_event
from .onebot.events.meta import heartbeat, lifecycle_connect
from .world import DomainEvent

if TYPE_CHECKING:
    from .app import Simulator

traffic = logging.getLogger("qqsim.traffic")


class BotLink:
    def __init__(self, sim: Simulator, self_id: int, settings: ConnectionSettings) -> None:
        self.sim = sim
        self.self_id = self_id
        self.settings = settings
        self.context = ActionContext(
            world=sim.world,
            self_id=self_id,
            settings=settings,
            profile=sim.profile,
            files=sim.storage,
            allow_remote_media=sim.config.allow_remote_media,
        )

    @property
    def tag(self) -> str:
        return f"[{self.self_id} {self.settings.name or self.settings.transport}]"

    def call(self, action: object, params: object, echo: Any = NO_ECHO) -> dict[str, Any]:
        """Run one action and return the envelope for this link's transport."""
        started = time.perf_counter()
        outcome = dispatch.call(self.context, action, params)
        body = response(outcome, self.settings.transport, self.sim.profile, echo)
        elapsed_ms = (time.perf_counter() - started) * 1000
        result = "ok" if outcome.ok else f"failed {body['retcode']} {outcome.message}"
        traffic.info("%s ← %s %s → %s (%.1f ms)", self.tag, outcome.action,
                     _brief(params), result, elapsed_ms)
        self.sim.record_action(self, outcome.action, params, body, elapsed_ms)
        return body

    def render(self, event: DomainEvent) -> dict[str, Any] | None:
        rendered = render_event(event, self.self_id, self.settings, self.sim.profile)
        if rendered is not None:
            traffic.info("%s → %s", self.tag, describe_event(rendered))
        return rendered

    def lifecycle(self) -> dict[str, Any]:
        return lifecycle_connect(self.self_id, self.sim.world.now())

    def heartbeat(self, interval_ms: int) -> dict[str, Any]:
        return heartbeat(self.self_id, self.sim.world.now(), interval_ms)


def _brief(params: object, limit: int = 120) -> str:
    text = str(params)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_event(event: dict[str, Any]) -> str:
    """One readable line for an event."""
    post_type = event.get("post_type")
    if post_type in ("message", "message_sent"):
        where = (f"group {event.get('group_id')}" if event.get("message_type") == "group"
                 else "private")
        message = event.get("message")
        text = message if isinstance(message, str) else segments_to_text(message or [])
        return f"{post_type} {where} from {event.get('user_id')}: {_brief(text, 80)}"
    detail = event.get("notice_type") or event.get("request_type") or event.get(
        "meta_event_type"
    )
    sub = f"/{event['sub_type']}" if event.get("sub_type") else ""
    return f"{post_type} {detail}{sub}"
