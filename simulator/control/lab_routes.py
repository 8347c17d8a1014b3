"""Routes for the protocol lint and for recording a session as a scenario.

    GET    /api/lints?since=N              lints after number N (and every rule's facts)
    GET    /api/recording                  the recording: on or off, its steps so far
    POST   /api/recording/start            {"bot"?}: start (or go on) recording
    POST   /api/recording/stop             stop; the steps stay, to edit and save
    POST   /api/recording/clear            forget the steps recorded
    PATCH  /api/recording/steps/<id>       {"text_mode"?: text|contains|regex, "text"?}
    DELETE /api/recording/steps/<id>       leave a step out
    GET    /api/recording/yaml?name=N      the scenario as YAML text (to download)
    POST   /api/recording/save             {"name"?}: write it (``qqsim run --record FILE``'s
                                           file, else ./scenarios/<name>.yaml); never a path
                                           the request names

Refusals (nothing recorded, an unknown step, a bad regex) are 400 with ``{"error"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quart import Response, request
from quart_trio import QuartTrio

from ..lint import RULES
from ..recorder import RecordingError
from .common import MalformedRequest, json_object, query_int, reply, text

if TYPE_CHECKING:
    from ..simulation import Simulator


def add_routes(app: QuartTrio, sim: Simulator) -> None:
    @app.errorhandler(RecordingError)
    async def recording_refused(error: RecordingError) -> Response:
        return reply({"error": str(error)}, 400)

    @app.get("/api/lints")
    async def lab_lints() -> Response:
        since = query_int("since", 0) or 0
        return reply({"total": sim.lint.total, "counts": dict(sim.lint.counts),
                      "ignored": sorted(sim.lint.ignored),
                      "lints": [lint.to_json() for lint in sim.lint.since(since)],
                      "rules": [{"id": r.id, "summary": r.summary, "source": r.source,
                                 "warning": f"simulator.lint.{r.warning.__name__}"}
                                for r in RULES.values()]})

    @app.get("/api/recording")
    async def recording_state() -> Response:
        return reply(sim.recorder.to_json())

    @app.post("/api/recording/start")
    async def recording_start() -> Response:
        body = await json_object() if await request.get_data() else {}
        bot = body.get("bot")
        if bot is not None and (isinstance(bot, bool) or not isinstance(bot, int)):
            raise MalformedRequest("'bot' must be an integer")
        if bot is not None:
            account = sim.world.accounts.find(bot)
            if account is None or not account.is_bot:
                raise MalformedRequest(f"{bot} is not a bot account")
        sim.recorder.start(bot)
        return reply(sim.recorder.to_json())

    @app.post("/api/recording/stop")
    async def recording_stop() -> Response:
        sim.recorder.stop()
        return reply(sim.recorder.to_json())

    @app.post("/api/recording/clear")
    async def recording_clear() -> Response:
        sim.recorder.clear()
        return reply(sim.recorder.to_json())

    @app.patch("/api/recording/steps/<int:step_id>")
    async def recording_edit(step_id: int) -> Response:
        body = await json_object()
        mode = text(body, "text_mode") if "text_mode" in body else None
        new_text = text(body, "text") if "text" in body else None
        sim.recorder.edit(step_id, mode, new_text)
        return reply(sim.recorder.to_json())

    @app.delete("/api/recording/steps/<int:step_id>")
    async def recording_delete(step_id: int) -> Response:
        sim.recorder.delete(step_id)
        return reply(sim.recorder.to_json())

    @app.get("/api/recording/yaml")
    async def recording_yaml() -> Response:
        name = request.args.get("name") or None
        return Response(sim.recorder.yaml(name), content_type="text/yaml; charset=utf-8")

    @app.post("/api/recording/save")
    async def recording_save() -> Response:
        body = await json_object() if await request.get_data() else {}
        name = text(body, "name") if body.get("name") else None
        try:
            path = sim.recorder.save(name)
        except OSError as exc:
            raise RecordingError(f"cannot write the scenario: {exc.strerror or exc}") from None
        return reply({**sim.recorder.to_json(), "path": str(path),
                      "yaml": path.read_text(encoding="utf-8")})
