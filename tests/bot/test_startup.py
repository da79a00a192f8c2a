"""Start-up failures, through the real `steward` command: one clear line on stderr, no traceback.

A configuration problem exits with 2 and one `configuration error at <key>: <reason>` line per
problem, all of them at once, before anything is created; a database, disk or feature that stops
the start exits with 1 and one `cannot start: ...` line saying what to do.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.storage.database import Database
from tests.support.apps import feature_migrations
from tests.support.databases import database_url

# Generous: each run imports every feature (web3 included) before it does anything.
TIMEOUT = 60


def steward_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test's environment without anything that configures the bot behind the config
    file's back (tokens, API keys, DATABASE_URL, RPC_URL_*, STEWARD_*), plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith(("_TOKEN", "_API_KEY"))
        and not key.startswith(("RPC_URL_", "STEWARD_", "OPENAI_"))
        and key != "DATABASE_URL"
    }
    env["STEWARD_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def steward(
    tmp_path: Path, *args: str, config: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`steward <args>` with a temporary data directory and, if given, a config file."""
    command = [sys.executable, "-m", "bot", *args]
    if config is not None:
        path = tmp_path / "steward.toml"
        path.write_text(config)
        command += ["--config", str(path)]
    return subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=steward_env(tmp_path, **env),
        timeout=TIMEOUT,
    )


def only_line(stderr: str) -> str:
    """The one line a failed start may print on stderr."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def config_problems(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each `configuration error at <key>: <reason>` line, by key; nothing else may be printed."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    problems = {}
    for line in result.stderr.splitlines():
        prefix = "steward: configuration error at "
        assert line.startswith(prefix), result.stderr
        key, _, reason = line.removeprefix(prefix).partition(": ")
        problems[key] = reason
    return problems


# ----- the database and the data directory ---------------------------------------------------


def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    database = tmp_path / "data" / "steward.db"
    database.parent.mkdir()
    garbage = bytes(range(256)) * 64  # 16 KiB of bytes that are no SQLite header
    database.write_bytes(garbage)

    result = steward(tmp_path, "run")

    assert result.returncode == 1
    line = only_line(result.stderr)
    assert line.startswith("steward: cannot start: ")
    assert f"{database} is not a usable SQLite database" in line
    assert "move it away" in line and "backup" in line
    assert database.read_bytes() == garbage, "Steward must not write over a file it cannot read"


def test_a_text_file_where_the_database_should_be_is_refused_the_same_way(tmp_path: Path) -> None:
    database = tmp_path / "data" / "steward.db"
    database.parent.mkdir()
    database.write_text("these are my notes, not a database\n" * 100)

    result = steward(tmp_path, "db", "upgrade")

    assert result.returncode == 1
    assert f"{database} is not a usable SQLite database" in only_line(result.stderr)


def test_a_data_dir_that_cannot_be_created_is_named_with_what_to_do(tmp_path: Path) -> None:
    # Tests run as root, for whom chmod 0o500 does not stop a write; no one, root included, can
    # make a directory under a regular file.
    (tmp_path / "file").write_text("I am a file\n")
    data_dir = tmp_path / "file" / "data"

    result = steward(tmp_path, "run", STEWARD_DATA_DIR=str(data_dir))

    assert result.returncode == 1
    line = only_line(result.stderr)
    assert f"cannot create the data directory {data_dir}" in line
    assert "a part of that path is a file" in line and "STEWARD_DATA_DIR" in line


def test_a_data_dir_that_cannot_be_written_is_named_with_what_to_do(tmp_path: Path) -> None:
    # A directory that exists but takes no new file, even from root (chmod does not stop root):
    # the process's own directory in procfs.
    result = steward(tmp_path, "run", STEWARD_DATA_DIR="/proc/self")

    assert result.returncode == 1
    line = only_line(result.stderr)
    assert "cannot write the SQLite database /proc/" in line
    assert "make sure Steward may write to /proc/" in line


def test_a_schema_from_a_newer_version_is_refused_not_guessed_at(tmp_path: Path) -> None:
    database = tmp_path / "data" / "steward.db"
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0999_from_the_future')")
    connection.close()

    result = steward(tmp_path, "run")

    assert result.returncode == 1
    line = only_line(result.stderr)
    assert "schema revision 0999_from_the_future" in line
    assert "does not know" in line and "restore a backup" in line


def test_postgresql_refusing_connections_names_the_server(tmp_path: Path) -> None:
    result = steward(tmp_path, "run", DATABASE_URL="postgresql://postgres:hunter2@127.0.0.1:1/x")

    assert result.returncode == 1
    line = only_line(result.stderr)
    assert "cannot connect to the PostgreSQL server at 127.0.0.1:1 (database x)" in line
    assert "Connection refused" in line and "DATABASE_URL" in line
    assert "hunter2" not in result.stderr


async def test_a_feature_failing_at_start_gives_one_line_naming_it(tmp_path: Path) -> None:
    """PostgreSQL accepts the connection and the schema, then refuses the debates feature's
    first write (the server is read-only, like a replica): still one line, no traceback."""
    async with database_url("postgresql", tmp_path) as url:
        db = Database(url)
        try:
            await db.migrate(feature_migrations())
            # The local community exists already, so the first write is the debates feature's.
            await CommunityService(db, [], CORE_SETTINGS).sync_configured("local")
        finally:
            await db.close()
        read_only = f"{url}%20-cdefault_transaction_read_only%3Don"
        config = tmp_path / "steward.toml"
        config.write_text("[[debates.forums]]\nurl = 'http://127.0.0.1:9/forum'\n")

        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "bot", "run", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=steward_env(tmp_path, DATABASE_URL=read_only),
        )
        _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)

    assert process.returncode == 1
    line = only_line(stderr.decode())
    assert line.startswith("steward: cannot start: the debates feature could not start: ")
    assert "the PostgreSQL server at 127.0.0.1:5432" in line and "refuses writes" in line
    assert "read-only transaction" in line


# ----- the configuration: every problem, each at its key -------------------------------------


def test_an_unknown_time_zone_fails_check_config_at_its_key(tmp_path: Path) -> None:
    result = steward(tmp_path, "check-config", config="[scheduler]\ntimezone = 'Mars/Olympus'\n")

    problems = config_problems(result)
    assert list(problems) == ["scheduler.timezone"]
    assert "'Mars/Olympus' is not an IANA time zone" in problems["scheduler.timezone"]


def test_a_chain_without_an_rpc_url_fails_check_config_instead_of_being_dropped(
    tmp_path: Path,
) -> None:
    result = steward(tmp_path, "check-config", config="[treasury.chains.mainnet]\nchain_id = 1\n")

    problems = config_problems(result)
    assert list(problems) == ["treasury.chains.mainnet.rpc_url"]
    assert "RPC_URL_MAINNET" in problems["treasury.chains.mainnet.rpc_url"]


def test_an_rpc_url_that_is_no_url_fails_check_config_without_showing_it(tmp_path: Path) -> None:
    config = "[treasury.chains.mainnet]\nchain_id = 1\nrpc_url = 'eth.example/v3/sekrit-key'\n"
    result = steward(tmp_path, "check-config", config=config)

    problems = config_problems(result)
    assert "is not an http(s) URL" in problems["treasury.chains.mainnet.rpc_url"]
    assert "sekrit-key" not in result.stderr, "an RPC URL may carry a provider key"


def test_check_config_reports_every_problem_at_once_and_creates_nothing(tmp_path: Path) -> None:
    config = (
        "features = ['treasury', 'polls']\n"
        "[discord]\ntoken = 'in-the-file'\n"
        "[telegram]\npoll_timeout = 'soon'\n"
        "[scheduler]\ntimezone = 'Mars/Olympus'\n"
        "[treasury.chains.mainnet]\nchain_id = 1\n"
        "[treasury.chains.gnosis]\nchain_id = 100\nrpc_url = 'ftp://rpc.example'\n"
        "tx_service_api_key_env = 'GNOSIS_SAFE_KEY'\n"
        "[[debates.forums]]\nurl = 'https://forum.example'\napi_key = 'in-the-file'\n"
    )
    result = steward(tmp_path, "check-config", config=config)

    problems = config_problems(result)
    assert set(problems) == {
        "features",
        "discord.token",
        "telegram.poll_timeout",
        "scheduler.timezone",
        "treasury.chains.mainnet.rpc_url",
        "treasury.chains.gnosis.rpc_url",
        "treasury.chains.gnosis.tx_service_api_key_env",
        "debates.forums.0.api_key",
    }
    assert "'polls'" in problems["features"]
    assert "GNOSIS_SAFE_KEY" in problems["treasury.chains.gnosis.tx_service_api_key_env"]
    assert "environment" in problems["discord.token"]
    assert "environment" in problems["debates.forums.0.api_key"]
    assert not (tmp_path / "data").exists(), "nothing may be created from a bad configuration"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://root@127.0.0.1/steward", "unsupported database 'mysql'"),
        ("steward.db", "not a database URL"),
    ],
)
def test_a_database_url_steward_cannot_use_fails_check_config(
    tmp_path: Path, url: str, reason: str
) -> None:
    result = steward(tmp_path, "check-config", DATABASE_URL=url)

    assert reason in config_problems(result)["database.url"]


def test_a_config_path_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--config", str(tmp_path)],
        capture_output=True,
        text=True,
        env=steward_env(tmp_path),
        timeout=TIMEOUT,
    )

    assert config_problems(result) == {str(tmp_path): "cannot read it: Is a directory"}
