"""The ``qqsim`` command: run a simulated QQ, list actions, generate worlds."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import trio
import yaml
from pydantic import ValidationError

from . import snapshot_cli
from .config import (
    OneBotConfig,
    SimulatorConfig,
    bot_id_from_filename,
    check_control_exposure,
    default_onebot_config,
    load_onebot_config,
)
from .errors import ConfigError
from .lint import parse_ignore
from .world import WorldSpec, load_spec

if TYPE_CHECKING:
    from .app import Simulator


def _world_args(parser: argparse.ArgumentParser) -> None:
    world = parser.add_argument_group("world")
    world.add_argument("--seed", default="default",
                       help="seed file: a name in seed_data/ or a .yaml path (default: default)")
    world.add_argument("--generate", type=int, metavar="SEED",
                       help="generate a world with Faker from this random seed instead")
    world.add_argument("--people", type=int, default=50, help="generated people (default 50)")
    world.add_argument("--groups", type=int, default=5, help="generated groups (default 5)")
    world.add_argument("--bots", type=int, default=1, help="generated bot accounts (default 1)")
    world.add_argument("--group-size", type=int, default=20,
                       help="people per generated group, bots besides (default 20)")
    world.add_argument("--locale", default="zh_CN", help="Faker locale (default zh_CN)")
    world.add_argument("--messages", type=int, default=0, metavar="N",
                       help="fill a generated world's history with N messages (default 0)")


def _spec_from(args: argparse.Namespace, *, drawn: bool = False) -> WorldSpec:
    """The world the arguments name. A generated one is drawn into the database when
    the world is built (fast at 100k people), unless ``drawn`` asks for every row now."""
    if args.generate is None:
        return load_spec(args.seed)
    # Lazy for start-up cost: the generator loads only for --generate, not for a seed file.
    from .world import generate_spec, generated_world

    arguments = {"people": args.people, "groups": args.groups, "bots": args.bots,
                 "group_size": args.group_size, "locale": args.locale}
    try:
        if not drawn:
            return generated_world(args.generate, messages=args.messages, **arguments)
        if args.messages:
            raise ConfigError("a seed file holds no message history: drop --messages")
        return generate_spec(args.generate, **arguments)
    except ValidationError as exc:  # one line, naming the flag
        first = exc.errors()[0]
        flag = f"--{first['loc'][0]}".replace("_", "-") if first["loc"] else "--generate"
        raise ConfigError(f"{flag}: {first['msg'].removeprefix('Value error, ')}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qqsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the simulator and serve bots")
    _world_args(run)
    run.add_argument("--db", help="keep the world in this SQLite file (default: in memory)")
    run.add_argument("--profile", default="napcat", help="napcat (default) or gocq")
    run.add_argument("--immediate-send-failures", action="store_true",
                     help="a send QQ refuses (bot muted, or not in the group) fails at once "
                          "with qqsim's text, not after NapCat's 10 s kernel timeout")
    run.add_argument("--config", action="append", default=[], metavar="[BOT=]FILE",
                     help="a NapCat onebot11.json; repeat for several bots. The bot is taken "
                          "from BOT=, from a onebot11_<uin>.json name, or is the first bot")
    run.add_argument("--bot", type=int, help="bot account served by the default listeners")
    run.add_argument("--host", default="127.0.0.1",
                     help="address of the default bot listeners (default 127.0.0.1)")
    run.add_argument("--http-port", type=int, default=3000, help="HTTP API port (default 3000)")
    run.add_argument("--ws-port", type=int, default=3001,
                     help="forward WebSocket port (default 3001)")
    run.add_argument("--token", default="", help="access token for the default listeners")
    run.add_argument("--control-port", type=int, default=6099,
                     help="control API port (default 6099; -1 disables)")
    run.add_argument("--control-token", default="", help="token protecting the control API")
    run.add_argument("--control-host", default="127.0.0.1",
                     help="control API address (default 127.0.0.1; any other address needs "
                          "--control-token)")
    run.add_argument("--storage", help="directory for files bots send and fetch")
    run.add_argument("-q", "--quiet", action="store_true", help="do not log each action/event")
    _limit_args(run)
    run.add_argument("--record", metavar="FILE",
                     help="record what people and the bot do as a scenario, saved to FILE "
                          "when qqsim stops (or from the console)")
    _lint_arg(run)

    actions = sub.add_parser("actions", help="list every action and how it is backed")
    actions.add_argument("--format", choices=("text", "md", "json"), default="text")

    seed = sub.add_parser("seed", help="print a world as YAML (e.g. a generated one)")
    _world_args(seed)
    _test_args(sub.add_parser("test", help="run scenario files against a bot (exit 1 on failure)"))
    snapshot_cli.add_parser(sub)
    return parser


def _lint_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lint-ignore", default="", metavar="RULE[,RULE]",
                        help="lint rules not to check (simulator.lint; also QQSIM_LINT_IGNORE)")


def _limit_args(run: argparse.ArgumentParser) -> None:
    """What one request may cost a bot listener (``adapters.wire.Limits``; README, Limits)."""
    limits = run.add_argument_group("limits (every bot listener)")
    limits.add_argument("--http-body-max", type=int, metavar="BYTES",
                        help="largest HTTP request body (default 8388608); larger: 413")
    limits.add_argument("--frame-max", type=int, metavar="BYTES",
                        help="largest WebSocket frame (default 52428800, NapCat's)")
    limits.add_argument("--json-values-max", type=int, metavar="N",
                        help="JSON values one frame or body may hold, counted before "
                             "parsing (default 150000); more: 1400 / 400")
    limits.add_argument("--body-timeout", type=float, metavar="SECONDS",
                        help="time to receive an HTTP body (default 30); slower: 408")
    limits.add_argument("--head-timeout", type=float, metavar="SECONDS",
                        help="time to send a request head, or to stay idle (default 5)")
    limits.add_argument("--handshake-timeout", type=float, metavar="SECONDS",
                        help="time to finish a WebSocket handshake (default 10)")
    limits.add_argument("--max-connections", type=int, metavar="N",
                        help="connections per listener (default: a quarter of the "
                             "file-descriptor limit, 32 to 16384)")


#: Each limit flag (its ``args`` name) and the ``Limits`` field it sets.
_LIMIT_FIELDS = {"http_body_max": "http_body_max", "frame_max": "frame_max",
                 "json_values_max": "json_values_max",
                 "body_timeout": "body_seconds", "head_timeout": "head_seconds",
                 "handshake_timeout": "handshake_seconds", "max_connections": "connections"}


def _apply_limits(args: argparse.Namespace) -> None:
    from .adapters import wire  # lazy for start-up cost: each command loads what it uses

    values: dict[str, float | None] = {}
    for option, name in _LIMIT_FIELDS.items():
        value = getattr(args, option)
        if value is not None and value <= 0:
            raise ConfigError(f"--{option.replace('_', '-')} must be positive, not {value:g}")
        values[name] = value
    wire.LIMITS = wire.LIMITS.with_values(**values)


def _test_args(test: argparse.ArgumentParser) -> None:
    test.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    test.add_argument("--bot-cmd", metavar="CMD",
                      help="start the bot under test with this command (it gets QQSIM_WS_URL, "
                           "QQSIM_HTTP_URL, QQSIM_TOKEN, QQSIM_BOT_ID)")
    test.add_argument("--junit", metavar="FILE", help="write JUnit XML results here")
    test.add_argument("--transcript-dir", metavar="DIR",
                      help="write each scenario's transcript here as JSON lines")
    test.add_argument("--config", metavar="FILE",
                      help="a NapCat onebot11.json for the bot's connections (default: HTTP "
                           "server and forward WebSocket)")
    test.add_argument("--bot", type=int, help="the bot account under test (default: the "
                      "first scenario's bot)")
    test.add_argument("--host", default="127.0.0.1")
    test.add_argument("--http-port", type=int, default=3000, help="default 3000; 0 picks one")
    test.add_argument("--ws-port", type=int, default=3001, help="default 3001; 0 picks one")
    test.add_argument("--token", default="", help="access token for the default listeners")
    test.add_argument("--connect-timeout", type=float, default=30.0, metavar="SECONDS",
                      help="how long to wait for the bot to connect (default 30)")
    test.add_argument("-v", "--verbose", action="store_true",
                      help="print every scenario's transcript and the bot's output, not "
                           "only failed ones")
    _lint_arg(test)
    test.add_argument("--coverage", metavar="DIR",
                      help="print which actions, events, segments and faults the bot met, and "
                           "write qqsim-coverage.json and .html into DIR")


def _test(args: argparse.Namespace) -> int:
    # Lazy for start-up cost: each command loads what it uses.
    from .scenarios.runner import TestOptions, run_tests

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    return run_tests(TestOptions(
        paths=args.paths, bot_cmd=args.bot_cmd, junit=args.junit,
        transcript_dir=args.transcript_dir, config=args.config, bot=args.bot, host=args.host,
        http_port=args.http_port, ws_port=args.ws_port, token=args.token,
        connect_timeout=args.connect_timeout, verbose=args.verbose,
        lint_ignore=args.lint_ignore, coverage=args.coverage,
    ))


def _bot_configs(args: argparse.Namespace, spec: WorldSpec) -> dict[int, OneBotConfig]:
    bots = [a.user_id for a in spec.accounts if a.bot]
    if not bots:
        raise ConfigError("the world has no bot account")
    configs: dict[int, OneBotConfig] = {}
    for item in args.config:
        bot_text, _, path = item.rpartition("=")
        bot = int(bot_text) if bot_text else bot_id_from_filename(path) or bots[0]
        configs[bot] = load_onebot_config(path)
    if not configs:
        configs[args.bot or bots[0]] = default_onebot_config(
            http_port=args.http_port, ws_port=args.ws_port, host=args.host, token=args.token
        )
    return configs


def _run(args: argparse.Namespace) -> int:
    from .app import Simulator  # lazy for start-up cost: each command loads what it uses

    # --host moves only the bot listeners: the control API stays on loopback unless
    # named, and is refused elsewhere without a token (checked before building a world).
    control = SimulatorConfig(control_host=args.control_host, control_token=args.control_token,
                              control_port=None if args.control_port < 0 else args.control_port)
    check_control_exposure(control)
    _apply_limits(args)
    spec = _spec_from(args)
    config = SimulatorConfig(
        seed=args.seed,
        db_path=args.db,
        profile=args.profile,
        bots=_bot_configs(args, spec),
        control_host=control.control_host,
        control_port=control.control_port,
        control_token=control.control_token,
        storage_dir=args.storage,
        immediate_send_failures=args.immediate_send_failures,
    )
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    # Building a big generated world takes seconds: its progress shows even with -q.
    logging.getLogger("simulator.world.generate").setLevel(logging.INFO)
    ignored = parse_ignore(args.lint_ignore)
    with _sigterm_as_interrupt():
        try:
            sim = Simulator(config, spec=spec)
        except KeyboardInterrupt:  # stopped while building the world: nothing to close
            return 0
        sim.lint.silence(*ignored)
        if args.record:
            sim.recorder.path = Path(args.record)
            sim.recorder.start()
        return _serve(sim, args, spec)


def _serve(sim: Simulator, args: argparse.Namespace, spec: WorldSpec) -> int:
    from . import app  # lazy for start-up cost: each command loads what it uses

    async def serve() -> None:
        async with trio.open_nursery() as nursery:
            if _in_main_thread():  # only there can signals be received
                nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
            endpoints = await nursery.start(app.serve, sim)
            origin = f" (restored from {args.db})" if sim.world.restored else ""
            print(f"qqsim: world {spec.name!r}{origin}, profile {sim.profile.name}", flush=True)
            for endpoint in endpoints:
                who = f"bot {endpoint.bot_id}" if endpoint.bot_id else "qqsim"
                print(f"  {endpoint.kind:8} {endpoint.url:32} {who} ({endpoint.name})",
                      flush=True)
            _return_freed_memory()

    try:
        trio.run(serve)
    except KeyboardInterrupt:  # a signal before serve() listened for it (world building)
        pass
    except BaseExceptionGroup as group:
        # A listener that cannot bind is a ConfigError raised in a nursery: one line, as
        # any other configuration mistake (``main``), not an exception-group traceback.
        error = _only_config_error(group)
        if error is None:
            raise
        raise error from None
    finally:
        _save_recording(sim)
        sim.close()  # commits and closes the world file
    return 0


def _return_freed_memory() -> None:
    """Give the C heap's free pages back to the system once serving (glibc only).

    Building the world and importing frees much of what it allocated, but glibc keeps
    the freed pages: about 0.6 MB of an idle ``qqsim run`` (issue 10's idle budget).
    """
    import ctypes  # trio imports it already: this costs nothing at start-up

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")  # by name: ctypes.util.find_library runs ldconfig
    except OSError:  # not glibc (musl): nothing to trim
        return
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


def _save_recording(sim: Simulator) -> None:
    """``--record FILE``: write what was recorded when qqsim stops."""
    recorder = sim.recorder
    if recorder.path is None:
        return
    if not recorder.steps:
        print(f"qqsim: nothing was recorded; {recorder.path} not written", flush=True)
        return
    try:
        path = recorder.save()
    except (OSError, ConfigError) as exc:
        print(f"qqsim: the recording was not saved: {exc}", file=sys.stderr, flush=True)
        return
    print(f"qqsim: recorded {len(recorder.steps)} steps to {path}", flush=True)


def _only_config_error(group: BaseExceptionGroup[BaseException]) -> ConfigError | None:
    """The first ConfigError in ``group`` when it holds nothing else."""
    errors, rest = group.split(ConfigError)
    if errors is None or rest is not None:
        return None
    leaf: BaseException = errors
    while isinstance(leaf, BaseExceptionGroup):
        leaf = leaf.exceptions[0]
    return leaf if isinstance(leaf, ConfigError) else None


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Until trio listens for it (``_stop_on_signal``), SIGTERM stops qqsim as Ctrl-C does
    instead of killing it before the world file is closed. Only the main thread may set
    handlers (tests call ``main`` from others); the previous handler comes back after."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


#: Signals that stop ``qqsim run`` cleanly: Ctrl-C, and what process managers send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def _stop_on_signal(scope: trio.CancelScope) -> None:
    """Cancel everything on the first stop signal, so connections close as on any
    cancellation and ``trio.run`` returns normally (a KeyboardInterrupt raised inside
    trio would come out wrapped in an exception group, with a traceback)."""
    with trio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async for signum in signals:
            logging.getLogger("qqsim").info("%s received, stopping",
                                            signal.Signals(signum).name)
            scope.cancel()
            return


def _actions(args: argparse.Namespace) -> int:
    from .onebot.docs import action_table  # lazy for start-up cost, as ``_run``

    rows = action_table()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "md":
        from .onebot.docs import markdown_table  # lazy for start-up cost, as ``_run``

        print(markdown_table(rows))
    else:
        for row in rows:
            print(f"{row['name']:40} {row['origin']:10} {row['backing']:12} {row['summary']}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    spec = _spec_from(args, drawn=True)
    print(yaml.safe_dump(spec.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"run": _run, "actions": _actions, "seed": _seed, "test": _test,
                "snapshot": snapshot_cli.run}
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"qqsim: {exc}", file=sys.stderr)
        return 2
