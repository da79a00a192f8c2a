"""The console front end, in process and as the `steward run` a newcomer types."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.spec import Role
from tests.support.apps import make_settings, running_app


async def run_console(tmp_path: Path, db_url: str, script: str, role: Role = Role.MEMBER) -> str:
    settings = make_settings(tmp_path, db_url)
    out = io.StringIO()
    async with running_app(settings) as app:
        console = ConsoleFrontEnd(app, role=role, stdin=io.StringIO(script), stdout=out)
        app.add_frontend(console)
        await console.run()
    return out.getvalue()


async def test_help_lists_what_the_caller_may_run(tmp_path: Path, db_url: str) -> None:
    member = await run_console(tmp_path, db_url, "/help\n")
    admin = await run_console(tmp_path, db_url, "/help\n", Role.ADMIN)

    assert "/echo <text>" in member and "/vault" not in member and "/config set" not in member
    assert "/vault" in admin and "/config set <key> <value>" in admin


async def test_admin_changes_a_setting_and_members_cannot(tmp_path: Path, db_url: str) -> None:
    admin = await run_console(
        tmp_path, db_url, "/config set name 'Lisbon DAO'\n/config show\n", Role.ADMIN
    )
    assert "`name` is now `Lisbon DAO`" in admin
    assert "name: Lisbon DAO" in admin
    member = await run_console(tmp_path, db_url, "/config set name Mine\n")
    assert "/config set is for admins only." in member


async def test_invalid_options_get_a_clear_error(tmp_path: Path, db_url: str) -> None:
    output = await run_console(
        tmp_path,
        db_url,
        "/typed 11 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed 1h\n"
        "/typed 3 0x1234 1h\n"
        "/typed 3 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed soon\n"
        "/config set ai maybe\n"
        "/typed 3\n",
        Role.ADMIN,
    )
    assert "Option `count`: must be at most 10 (got 11)" in output
    assert "Option `wallet`: must be a 0x-prefixed 40-hex-digit address" in output
    assert "Option `every`: must be a duration like 30m" in output
    assert "Option `value`: must be yes or no (got 'maybe')" in output
    assert "Option `wallet`: is required. Usage: `/typed <count> <wallet> <every> [mood]`" in output


async def test_alerts_are_printed_on_the_console(tmp_path: Path, db_url: str) -> None:
    output = await run_console(tmp_path, db_url, "/alert treasury moved\n", Role.STEWARD)
    assert "[posted to #local]" in output and "treasury moved" in output
    assert "queued for 1 channel(s)" in output


async def test_unexpected_errors_become_an_apology_with_an_incident_id(
    tmp_path: Path, db_url: str
) -> None:
    output = await run_console(tmp_path, db_url, "/boom\n/echo still alive\n")
    assert "/boom hit a bug on my side (RuntimeError)" in output and "incident" in output
    assert "still alive" in output


def steward(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    env.pop("DATABASE_URL", None)
    env["STEWARD_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_steward_run_answers_scripted_commands_and_exits_at_end_of_input(tmp_path: Path) -> None:
    result = subprocess.run(
        steward(tmp_path, "run"),
        input="/help\n/about\n",
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "/about: Version, features" in result.stdout.replace("`", "")
    assert "database: ok: sqlite" in result.stdout
    assert (tmp_path / "data" / "steward.db").exists()


def test_keep_running_stays_up_until_sigterm_and_stops_cleanly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        steward(tmp_path, "run", "--keep-running"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path),
    )
    assert process.stdin is not None
    process.stdin.write("/about\n")
    process.stdin.close()
    time.sleep(3)
    assert process.poll() is None, "the bot stopped although --keep-running was given"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout.read(), process.stderr.read()
    assert "Steward 0.1.0" in stdout
    assert "shutting down" in stderr


def test_a_bad_config_file_exits_non_zero_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[telegram]\npoll_timeout = 'soon'\n")
    result = subprocess.run(
        steward(tmp_path, "run", "--config", str(config)),
        input="",
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
    )
    assert result.returncode == 2
    assert "configuration error at telegram.poll_timeout" in result.stderr
    assert not (tmp_path / "data").exists(), "nothing may be created from a bad configuration"
