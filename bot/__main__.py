"""The `steward` command: the composition root where settings, features and front ends meet.

This is the one place in `bot` that knows the `cogs` package.

Whatever stops the bot before it is up ends the process with one line on stderr, never a
traceback: `configuration error at <key>: <reason>` (exit 2) for each problem found in the
configuration, or `cannot start: <why, and what to do>` (exit 1) for the database, the disk or a
feature that fails to start. With STEWARD_LOG_LEVEL=DEBUG the traceback is logged as well.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import cogs
from bot import __version__
from bot.app import App, database_url, open_app, serve
from bot.commands.caller import Role
from bot.context import FeatureContext
from bot.errors import ConfigError, ConfigErrors, StartupError, StewardError
from bot.features import Feature, Lifespan, config_models, discover
from bot.frontend import FrontEnd
from bot.log import Redactor, configure_logging
from bot.settings import Settings, load_settings
from bot.storage.database import explain, is_database_error, normalize_url
from bot.workers import run_worker

log = logging.getLogger("steward")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        available = discover(cogs)
        settings = load_settings(args.config, config_models(available))
        normalize_url(database_url(settings))  # an unusable database URL is a config problem
    except ConfigError as exc:
        return _config_problems(exc)
    redactor = configure_logging(settings.log.level, settings.log.format, settings.secret_values())
    if args.command == "check-config":
        enabled = settings.features or list(available)
        print(f"configuration OK: {len(enabled)} features, {len(settings.communities)} communities")
        return 0
    try:
        if args.command == "db":
            asyncio.run(_migrate_only(settings, available))
        elif args.command == "worker":
            asyncio.run(run_worker(settings, available, args.feature))
        else:
            asyncio.run(_run(settings, available, args))
    except ConfigError as exc:
        return _config_problems(exc, redactor)
    except StartupError as exc:
        log.debug("start-up failed", exc_info=exc)
        print(redactor.redact(f"steward: cannot start: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _config_problems(exc: ConfigError, redactor: Redactor | None = None) -> int:
    problems = exc.problems if isinstance(exc, ConfigErrors) else [(exc.key, exc.reason)]
    for key, reason in problems:
        line = f"steward: configuration error at {key}: {reason}"
        print(redactor.redact(line) if redactor else line, file=sys.stderr)
    return 2


async def _migrate_only(settings: Settings, available: dict[str, Feature]) -> None:
    async with _started(settings, available):
        log.info("database is at the latest schema")


async def _run(settings: Settings, available: dict[str, Feature], args: argparse.Namespace) -> None:
    async with _started(settings, available) as app:
        frontends = build_frontends(app, settings, Role[args.as_role.upper()])
        log.info("starting", extra={"frontends": ",".join(f.platform for f in frontends)})
        await serve(app, frontends, keep_running=args.keep_running)


@asynccontextmanager
async def _started(settings: Settings, available: Mapping[str, Feature]) -> AsyncIterator[App]:
    """`open_app`, where anything failing before the app is up becomes a StartupError; what
    fails once it runs, or while it stops, is not start-up's business and goes on up."""
    url = database_url(settings)
    started = False
    try:
        async with open_app(settings, _guarded(available, url)) as app:
            started = True
            yield app
    except (ConfigError, StartupError):
        raise
    except Exception as exc:
        if started:
            raise
        raise StartupError(_reason(exc, url)) from exc


def _guarded(available: Mapping[str, Feature], url: str) -> dict[str, Feature]:
    """The features, each lifespan failing at start with a StartupError that names its feature."""
    return {
        name: replace(feature, lifespan=_guard(feature.name, feature.lifespan, url))
        if feature.lifespan is not None
        else feature
        for name, feature in available.items()
    }


def _guard(name: str, lifespan: Lifespan, url: str) -> Lifespan:
    @asynccontextmanager
    async def guarded(ctx: FeatureContext[Any]) -> AsyncIterator[Any]:
        started = False
        try:
            async with lifespan(ctx) as runtime:
                started = True
                yield runtime
        except (ConfigError, StartupError):
            raise
        except Exception as exc:
            if started:
                raise
            raise StartupError(f"the {name} feature could not start: {_reason(exc, url)}") from exc

    return guarded


def _reason(exc: Exception, url: str) -> str:
    if is_database_error(exc):
        return explain(url, exc)
    lines = str(exc).strip().splitlines()
    message = lines[0][:300] if lines else ""
    if isinstance(exc, StewardError) and message:
        return message
    return (
        f"{type(exc).__name__}{': ' if message else ''}{message} "
        "(STEWARD_LOG_LEVEL=DEBUG logs the traceback)"
    )


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
    worker = sub.add_parser(
        "worker", help="run a feature's workers in this process (e.g. generation on saq)"
    )
    worker.add_argument("feature", help="the feature whose work to run, e.g. generation")
    for command in (run, db, sub.choices["check-config"], worker):
        command.add_argument("--config", type=Path, default=None, help="TOML configuration file")
    return parser


if __name__ == "__main__":
    sys.exit(main())
