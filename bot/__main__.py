"""The `steward` command: the composition root where settings, storage and front ends meet."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot import __version__
from bot.app import App, open_app, serve
from bot.commands.spec import Role
from bot.errors import ConfigError
from bot.features import load_features
from bot.frontend import FrontEnd
from bot.log import configure_logging
from bot.settings import Settings, load_settings

log = logging.getLogger("steward")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        features = load_features(settings.features)
    except ConfigError as exc:
        print(f"steward: configuration error at {exc.key}: {exc.reason}", file=sys.stderr)
        return 2
    configure_logging(settings.log.level, settings.log.format, settings.secret_values())
    if args.command == "check-config":
        print(
            f"configuration OK: {len(features)} features, {len(settings.communities)} communities"
        )
        return 0
    try:
        if args.command == "db":
            asyncio.run(_migrate_only(settings))
        else:
            asyncio.run(_run(settings, args))
    except ConfigError as exc:
        print(f"steward: configuration error at {exc.key}: {exc.reason}", file=sys.stderr)
        return 2
    return 0


async def _migrate_only(settings: Settings) -> None:
    async with open_app(settings, load_features(settings.features)):
        log.info("database is at the latest schema")


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    async with open_app(settings, load_features(settings.features)) as app:
        frontends = build_frontends(app, settings, Role[args.as_role.upper()], args.keep_running)
        log.info("starting", extra={"frontends": ",".join(f.platform for f in frontends)})
        await serve(app, frontends)


def build_frontends(
    app: App, settings: Settings, console_role: Role, keep_running: bool
) -> list[FrontEnd]:
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

        frontends.append(ConsoleFrontEnd(app, role=console_role, keep_running=keep_running))
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
        help="stay up after standard input ends (alerts keep printing)",
    )
    db = sub.add_parser("db", help="upgrade the database schema and exit")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("check-config", help="validate the configuration and exit")
    for command in (run, db, sub.choices["check-config"]):
        command.add_argument("--config", type=Path, default=None, help="TOML configuration file")
    return parser


if __name__ == "__main__":
    sys.exit(main())
