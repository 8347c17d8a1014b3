"""The ``qqsim`` command: run a simulated QQ, list actions, generate worlds."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import trio
import yaml

from .config import (
    OneBotConfig,
    SimulatorConfig,
    bot_id_from_filename,
    default_onebot_config,
    load_onebot_config,
)
from .errors import ConfigError
from .world import WorldSpec, generate_spec, load_spec


def _world_args(parser: argparse.ArgumentParser) -> None:
    world = parser.add_argument_group("world")
    world.add_argument("--seed", default="default",
                       help="seed file: a name in seed_data/ or a .yaml path (default: default)")
    world.add_argument("--generate", type=int, metavar="SEED",
                       help="generate a world with Faker from this random seed instead")
    world.add_argument("--people", type=int, default=50, help="generated people (default 50)")
    world.add_argument("--groups", type=int, default=5, help="generated groups (default 5)")
    world.add_argument("--bots", type=int, default=1, help="generated bot accounts (default 1)")
    world.add_argument("--locale", default="zh_CN", help="Faker locale (default zh_CN)")


def _spec_from(args: argparse.Namespace) -> WorldSpec:
    if args.generate is not None:
        return generate_spec(args.generate, people=args.people, groups=args.groups,
                             bots=args.bots, locale=args.locale)
    return load_spec(args.seed)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qqsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the simulator and serve bots")
    _world_args(run)
    run.add_argument("--db", help="keep the world in this SQLite file (default: in memory)")
    run.add_argument("--profile", default="napcat", help="napcat (default) or gocq")
    run.add_argument("--config", action="append", default=[], metavar="[BOT=]FILE",
                     help="a NapCat onebot11.json; repeat for several bots. The bot is taken "
                          "from BOT=, from a onebot11_<uin>.json name, or is the first bot")
    run.add_argument("--bot", type=int, help="bot account served by the default listeners")
    run.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    run.add_argument("--http-port", type=int, default=3000, help="HTTP API port (default 3000)")
    run.add_argument("--ws-port", type=int, default=3001,
                     help="forward WebSocket port (default 3001)")
    run.add_argument("--token", default="", help="access token for the default listeners")
    run.add_argument("--control-port", type=int, default=6099,
                     help="control API port (default 6099; -1 disables)")
    run.add_argument("--control-token", default="", help="token protecting the control API")
    run.add_argument("--storage", help="directory for files bots send and fetch")
    run.add_argument("--allow-remote-media", action="store_true",
                     help="let media URLs be fetched (off: no outbound network)")
    run.add_argument("-q", "--quiet", action="store_true", help="do not log each action/event")

    actions = sub.add_parser("actions", help="list every action and how it is backed")
    actions.add_argument("--format", choices=("text", "md", "json"), default="text")

    seed = sub.add_parser("seed", help="print a world as YAML (e.g. a generated one)")
    _world_args(seed)
    _test_args(sub.add_parser("test", help="run scenario files against a bot (exit 1 on failure)"))
    return parser


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
                      help="print every scenario's transcript, not only failed ones")


def _test(args: argparse.Namespace) -> int:
    from .scenarios.runner import TestOptions, run_tests

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    return run_tests(TestOptions(
        paths=args.paths, bot_cmd=args.bot_cmd, junit=args.junit,
        transcript_dir=args.transcript_dir, config=args.config, bot=args.bot, host=args.host,
        http_port=args.http_port, ws_port=args.ws_port, token=args.token,
        connect_timeout=args.connect_timeout, verbose=args.verbose,
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
    from .app import Simulator

    spec = _spec_from(args)
    config = SimulatorConfig(
        seed=args.seed,
        db_path=args.db,
        profile=args.profile,
        bots=_bot_configs(args, spec),
        control_host=args.host,
        control_port=None if args.control_port < 0 else args.control_port,
        control_token=args.control_token,
        storage_dir=args.storage,
        allow_remote_media=args.allow_remote_media,
    )
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    sim = Simulator(config, spec=spec)

    async def serve() -> None:
        async with trio.open_nursery() as nursery:
            endpoints = await nursery.start(sim.run)
            print(f"qqsim: world {spec.name!r}, profile {sim.profile.name}", flush=True)
            for endpoint in endpoints:
                who = f"bot {endpoint.bot_id}" if endpoint.bot_id else "qqsim"
                print(f"  {endpoint.kind:8} {endpoint.url:32} {who} ({endpoint.name})",
                      flush=True)

    try:
        trio.run(serve)
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0


def _actions(args: argparse.Namespace) -> int:
    from .onebot.docs import action_table

    rows = action_table()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "md":
        from .onebot.docs import markdown_table

        print(markdown_table(rows))
    else:
        for row in rows:
            print(f"{row['name']:40} {row['origin']:10} {row['backing']:12} {row['summary']}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    spec = _spec_from(args)
    print(yaml.safe_dump(spec.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"run": _run, "actions": _actions, "seed": _seed, "test": _test}
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"qqsim: {exc}", file=sys.stderr)
        return 2
