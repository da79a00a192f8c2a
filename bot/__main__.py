"""The `steward` command: the composition root where settings, features and front ends meet.

This is the one place in `bot` that knows the `cogs` package.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import cogs
from bot import __version__
from bot.app import App, open_app, serve
from bot.commands.caller import Role
from bot.errors import ConfigError, ConfigErrors, StartupError
from bot.features import Feature, config_models, discover
from bot.frontend import FrontEnd
from bot.log import configure_logging
from bot.settings import Settings, load_settings

log = logging.getLogger("steward")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        available = discover(cogs)
        settings = load_settings(args.config, config_models(available))
    except ConfigError as exc:
        problems = exc.problems if isinstance(exc, ConfigErrors) else [(exc.key, exc.reason)]
        for key, reason in problems:
            print(f"steward: configuration error at {key}: {reason}", file=sys.stderr)
        return 2
    configure_logging(settings.log.level, settings.log.format, settings.secret_values())
    if args.command == "check-config":
        enabled = settings.features or list(available)
        print(f"configuration OK: {len(enabled)} features, {len(settings.communities)} communities")
        return 0
    try:
        if args.command == "db":
            asyncio.run(_migrate_only(settings, available))
        else:
            asyncio.run(_run(settings, available, args))
    except ConfigError as exc:
        print(f"steward: configuration error at {exc.key}: {exc.reason}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"steward: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


async def _migrate_only(settings: Settings, available: dict[str, Feature]) -> None:
    async with open_app(settings, available):
        log.info("database is at the latest schema")


async def _run(settings: Settings, available: dict[str, Feature], args: argparse.Namespace) -> None:
    async with open_app(settings, available) as app:
        frontends = build_frontends(app, settings, Role[args.as_role.upper()])
        log.info("starting", extra={"frontends": ",".join(f.platform for f in frontends)})
        await serve(app, frontends, keep_running=args.keep_running)


def build_frontends(app: App, settings: Settings, console_role: Role) -> list[FrontEnd]:
    frontends: list[FrontEnd] = []
    if settings.discord.token is not None:
        from bot.adapters.discord import DiscordFrontEnd

        frontends.append(DiscordFrontEnd(app, settings.discord))
    if settings.telegram.token is not None:
        from bot.adapters.telegram import TelegramFrontEnd

        frontends.append(TelegramFrontEnd(app, settings.telegram))
    console = settings.console.enabled
    if console == "on" or (console == "auto" and not frontends):
        from bot.adapters.console import ConsoleFrontEnd

        frontends.append(ConsoleFrontEnd(app, role=console_role))
    return frontends


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steward", description="DAO coordination bot")
    parser.add_argument("--version", action="version", version=f"steward {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (console front end when no tokens are set)")
    run.add_argument(
        "--as",
        dest="as_role",
        choices=["member", "steward", "admin"],
        default="member",
        help="who the console user is in the local community",
    )
    run.add_argument(
        "--keep-running",
        action="store_true",
        help="stay up after standard input ends (alerts keep printing) until SIGTERM",
    )
    db = sub.add_parser("db", help="upgrade the database schema and exit")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("check-config", help="validate the configuration and exit")
    for command in (run, db, sub.choices["check-config"]):
        command.add_argument("--config", type=Path, default=None, help="TOML configuration file")
    return parser


if __name__ == "__main__":
    sys.exit(main())
