"""``qqsim test PATH...``: run scenario files headless against a bot, for CI.

It starts one simulator (the adapters the bot connects to: by default NapCat's
developer template, an HTTP server on 3000 and a forward WebSocket on 3001,
or the ``--config`` onebot11.json), optionally starts the bot under test with
``--bot-cmd`` (its environment gets ``QQSIM_WS_URL``, ``QQSIM_HTTP_URL``,
``QQSIM_TOKEN`` and ``QQSIM_BOT_ID``), waits for it to connect, and then runs
each scenario on a fresh world built in place (``Simulator.reset``), so the
bot keeps its connection from one scenario to the next. Each scenario prints
its result, and its transcript and what the bot printed meanwhile (its
output is captured, never mixed into the results) when it fails
(``--verbose``: always);
``--transcript-dir`` keeps every transcript as JSON lines, ``--junit`` writes
JUnit XML.

Exit status: 0 when every scenario passed, 1 when one failed or could not
run, 2 when nothing could run (a file is invalid, the bot never connected).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import trio

from ..app import Simulator, serve
from ..config import OneBotConfig, SimulatorConfig, default_onebot_config, load_onebot_config
from ..coverage import text_report, write_reports
from ..errors import ConfigError
from ..lint import parse_ignore
from ..lint.report import lint_entries, lint_line
from ..lint.report import summary as lint_summary
from ..transcript import render_text, write_jsonl
from .bot_output import (
    BotNotConnected,
    BotOutput,
    render_tail,
    run_bot,
    wait_connected_or_exit,
)
from .engine import ScenarioResult, run_scenario, world_spec
from .junit import write_junit
from .loader import LoadedScenario, ScenarioError, load_file

log = logging.getLogger("qqsim.test")

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
#: How long a bot started by --bot-cmd gets to stop before it is killed.
STOP_GRACE = 3.0


@dataclass
class TestOptions:
    paths: list[str]
    bot_cmd: str | None = None
    junit: str | None = None
    transcript_dir: str | None = None
    config: str | None = None
    bot: int | None = None
    host: str = "127.0.0.1"
    http_port: int = 3000
    ws_port: int = 3001
    token: str = ""
    connect_timeout: float = 30.0
    verbose: bool = False
    #: Lint rules not to check, comma-separated (``simulator.lint.RULES``).
    lint_ignore: str = ""
    #: A folder for the coverage report (``qqsim-coverage.json`` and ``.html``).
    coverage: str | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)


def collect(paths: Sequence[str]) -> list[Path]:
    """Scenario files: the files named, and every .yaml/.yml under the folders named."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            found.append(path)
        else:
            raise ConfigError(f"no such scenario file or folder: {name}")
    if not found:
        raise ConfigError(f"no scenario files in {', '.join(paths)}")
    return found


def run_tests(options: TestOptions) -> int:
    """The ``qqsim test`` command; returns the exit status."""
    try:
        files = collect(options.paths)
    except ConfigError as exc:
        print(f"qqsim test: {exc}", file=options.out)
        return EXIT_ERROR
    loaded, invalid = _load_all(files)
    for result in invalid:
        _print_result(options, result)
    if not loaded:
        _finish(options, invalid)
        return EXIT_ERROR
    try:
        results = trio.run(_run_loaded, options, loaded)
    except BaseException as exc:  # trio wraps a task's error in an exception group
        problem = _find(exc, (ConfigError, BotNotConnected))
        if problem is None:
            raise
        print(f"qqsim test: {problem}", file=options.out)
        _finish(options, invalid)
        return EXIT_ERROR
    everything = invalid + results
    _finish(options, everything)
    return EXIT_PASSED if all(r.passed for r in everything) else EXIT_FAILED


def _find(exc: BaseException, kinds: tuple[type[Exception], ...]) -> Exception | None:
    if isinstance(exc, kinds):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _find(inner, kinds)
            if found is not None:
                return found
    return None


def _load_all(files: list[Path]) -> tuple[list[LoadedScenario], list[ScenarioResult]]:
    loaded, invalid = [], []
    for path in files:
        try:
            loaded.append(load_file(path))
        except ScenarioError as exc:
            invalid.append(ScenarioResult(path.stem, str(path), "error", 0.0, str(exc)))
    return loaded, invalid


def simulator_config(options: TestOptions, bot: int) -> SimulatorConfig:
    onebot: OneBotConfig = (
        load_onebot_config(options.config) if options.config
        else default_onebot_config(http_port=options.http_port, ws_port=options.ws_port,
                                   host=options.host, token=options.token)
    )
    return SimulatorConfig(bots={bot: onebot}, control_port=None)


async def _run_loaded(options: TestOptions, loaded: list[LoadedScenario]) -> list[ScenarioResult]:
    first = loaded[0]
    spec = world_spec(first)
    bot = options.bot or first.scenario.bot or next(
        (a.user_id for a in spec.accounts if a.bot), None)
    if bot is None:
        raise ConfigError(f"{first.source}: its world has no bot account")
    ignored = parse_ignore(options.lint_ignore)
    sim = Simulator(simulator_config(options, bot), spec=spec)
    output = BotOutput()  # the bot's own output: in the results, not mixed with them
    sim.lint.silence(*ignored)
    try:
        async with trio.open_nursery() as nursery:
            endpoints = await nursery.start(serve, sim)
            urls = {e.kind: e.url for e in endpoints}
            _print_endpoints(options, bot, urls)
            if options.bot_cmd:
                print(f"  starting the bot: {options.bot_cmd}", file=options.out, flush=True)
                await nursery.start(run_bot, shlex.split(options.bot_cmd),
                                    _bot_env(options, bot, urls), output, STOP_GRACE)
            await _wait_for_bot(sim, bot, options, output, first_time=True)
            results = []
            for index, scenario in enumerate(loaded):
                try:
                    await _wait_for_bot(sim, bot, options, output)
                except BotNotConnected as gone:  # the rest cannot run: say so, keep results
                    results += [_not_run(options, s, gone) for s in loaded[index:]]
                    break
                mark = output.mark()
                result = await run_scenario(sim, scenario, bot=bot)
                result.bot_output = output.since(mark)  # what it printed meanwhile
                _print_result(options, result)
                results.append(result)
            nursery.cancel_scope.cancel()
        if options.coverage:
            _report_coverage(options, sim)
    finally:
        sim.close()
    return results


def _report_coverage(options: TestOptions, sim: Simulator) -> None:
    coverages = sim.coverage.coverages
    print(text_report(coverages), file=options.out)
    for path in write_reports(coverages, Path(options.coverage or ".")):
        print(f"  coverage: {path}", file=options.out)


def _bot_env(options: TestOptions, bot: int, urls: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ, QQSIM_BOT_ID=str(bot), QQSIM_TOKEN=options.token)
    if "ws" in urls:
        env["QQSIM_WS_URL"] = urls["ws"] + "/"
    if "http" in urls:
        env["QQSIM_HTTP_URL"] = urls["http"]
    return env


async def _wait_for_bot(sim: Simulator, bot: int, options: TestOptions, output: BotOutput, *,
                        first_time: bool = False) -> None:
    if any(link.self_id == bot for link in sim.connections):
        return
    if first_time:
        print(f"  waiting for bot {bot} to connect (up to {options.connect_timeout:g}s)",
              file=options.out, flush=True)
    connected = await wait_connected_or_exit(sim, bot, output, options.connect_timeout)
    if not connected:
        said = f"; its output:\n{render_tail(output.since(0))}" if options.bot_cmd else ""
        raise BotNotConnected(f"bot {bot} did not connect within "
                              f"{options.connect_timeout:g}s{said}")


def _not_run(options: TestOptions, loaded: LoadedScenario, why: Exception) -> ScenarioResult:
    result = ScenarioResult(loaded.name, loaded.source, "error", 0.0, f"not run: {why}")
    _print_result(options, result)
    return result


def _print_endpoints(options: TestOptions, bot: int, urls: dict[str, str]) -> None:
    print(f"qqsim test: serving bot {bot}", file=options.out)
    for kind, url in urls.items():
        print(f"  {kind:8} {url}", file=options.out)
    options.out.flush()


def _print_result(options: TestOptions, result: ScenarioResult) -> None:
    out = options.out
    print(("✓ " if result.passed else "✗ ") + result.headline(), file=out)
    if result.message:
        print(_indent(result.message), file=out)
    for entry in lint_entries(result.entries):
        print(_indent(lint_line(entry)), file=out)
    if result.entries and (options.verbose or not result.passed):
        print("  transcript:", file=out)
        print(_indent(transcript_text(result), 4), file=out)
    if result.bot_output and (options.verbose or not result.passed):
        print("  bot output:", file=out)
        lines = result.bot_output
        print(_indent("\n".join("  | " + line for line in lines) if options.verbose
                      else render_tail(lines), 2), file=out)
    out.flush()


def transcript_text(result: ScenarioResult) -> str:
    origin = result.entries[0]["time"] if result.entries else 0
    return render_text(result.entries, origin)


def _indent(text: str, width: int = 2) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())


def _finish(options: TestOptions, results: list[ScenarioResult]) -> None:
    if options.transcript_dir:
        for result in results:
            if result.entries:
                write_jsonl(Path(options.transcript_dir) / f"{_file_name(result.name)}.jsonl",
                            result.entries)
    if options.junit:
        write_junit(options.junit, results)
    passed = sum(r.passed for r in results)
    failed = sum(r.status == "failed" for r in results)
    errors = sum(r.status == "error" for r in results)
    print(f"{len(results)} scenarios: {passed} passed, {failed} failed, {errors} errors",
          file=options.out, flush=True)
    lints = lint_summary([r.entries for r in results])
    if lints:
        print(lints, file=options.out, flush=True)


def _file_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "scenario"
