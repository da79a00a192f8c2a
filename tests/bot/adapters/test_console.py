"""The console front end, in process and as the `steward run` a newcomer types."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

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
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_TOKEN", "_API_KEY")) and not k.startswith(("STEWARD_", "RPC_URL_"))
    }
    env.pop("DATABASE_URL", None)
    env["STEWARD_DATA_DIR"] = str(tmp_path / "data")
    return env


class Output:
    """What a subprocess writes to one pipe, read as it comes, so a test can wait for a line."""

    def __init__(self, pipe: IO[str] | None) -> None:
        assert pipe is not None
        self._text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._reader.start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            with self._lock:
                self._text += line

    def text(self, timeout: float = 5) -> str:
        """Everything written so far; all of it once the process has closed the pipe."""
        self._reader.join(timeout)
        with self._lock:
            return self._text

    def wait_for(self, needle: str, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if needle in self._text:
                    return True
            time.sleep(0.05)
        return False


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
    try:
        assert process.stdin is not None
        stdout, stderr = Output(process.stdout), Output(process.stderr)
        process.stdin.write("/about\n")
        process.stdin.close()
        # Up, its input read to the end: a fixed sleep raced the start on a busy machine, and a
        # SIGTERM before the bot is up ends it the default way (-15).
        assert stdout.wait_for("Steward 0.1.0"), stderr.text(0)
        time.sleep(1)
        assert process.poll() is None, "the bot stopped although --keep-running was given"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert "shutting down" in stderr.text()


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


# ----- standard input that is no terminal: nothing at all, a pipe, a file ---------------------

# Longer than the console's 64 KiB line limit.
LONG_LINE = "/about " + "x" * 70 * 1024


def test_stdin_dev_null_is_an_empty_script(tmp_path: Path) -> None:
    """`steward run < /dev/null` (a container without -i, a systemd unit) reads the end of its
    input at once and exits 0; it used to fail on /dev/null and retry forever (the timeout
    is what fails then)."""
    result = subprocess.run(
        steward(tmp_path, "run"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "front end failed" not in result.stderr and "Traceback" not in result.stderr


def test_stdin_closed_is_an_empty_script(tmp_path: Path) -> None:
    # `<&-` starts the bot with no file descriptor 0 at all (Python's sys.stdin is None).
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" <&-', *steward(tmp_path, "run")],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "front end failed" not in result.stderr and "Traceback" not in result.stderr


def test_keep_running_with_stdin_dev_null_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        steward(tmp_path, "run", "--keep-running"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path),
    )
    try:
        stderr = Output(process.stderr)
        assert stderr.wait_for("starting frontends=console"), stderr.text(0)
        time.sleep(1)  # long enough for a failing console to fail, and to be retried
        assert process.poll() is None, "the bot stopped although --keep-running was given"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
    log = stderr.text()
    assert "shutting down" in log
    assert "front end failed" not in log and "Traceback" not in log


def test_a_line_over_64_kib_through_a_pipe_is_refused_and_the_console_goes_on(
    tmp_path: Path,
) -> None:
    process = subprocess.Popen(
        steward(tmp_path, "run"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path),
    )
    try:
        assert process.stdin is not None
        stdout, stderr = Output(process.stdout), Output(process.stderr)
        # A real pipe: each line is answered as it arrives, not at the end of the input.
        process.stdin.write("/help\n")
        process.stdin.flush()
        assert stdout.wait_for("/about"), stderr.text(0)
        process.stdin.write(f"{LONG_LINE}\n/about\n")
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    output = stdout.text()
    assert "That line is longer than 64 KiB; skipped." in output
    assert output.count("Steward 0.1.0") == 1, "the long line must not run; the next one must"
    assert "database: ok" in output
    assert "front end failed" not in stderr.text()


def test_a_regular_file_as_stdin_with_a_long_line_and_a_stray_byte(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_bytes(b"/help\n" + LONG_LINE.encode() + b"\n\xff\xfe\n/about\n")
    with script.open("rb") as stdin:
        result = subprocess.run(
            steward(tmp_path, "run"),
            stdin=stdin,
            capture_output=True,
            text=True,
            env=clean_env(tmp_path),
            timeout=30,
        )
    assert result.returncode == 0, result.stderr
    assert "/about: Version, features" in result.stdout.replace("`", "")
    assert "That line is longer than 64 KiB; skipped." in result.stdout
    assert "Commands start with /" in result.stdout  # the line with the stray bytes
    assert result.stdout.count("Steward 0.1.0") == 1
    assert "front end failed" not in result.stderr and "Traceback" not in result.stderr
