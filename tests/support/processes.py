"""Real `steward run` processes for tests: a TOML config file, `python -m bot`, output in files.

A test starts the bot as an operator would, kills it where it hurts (SIGKILL leaves no chance to
clean up) and reads what it printed (stdout: the console's posts) and logged (stderr, JSON lines).
Waiting is asynchronous, so protocol fakes served by the test's own event loop keep answering
the process meanwhile. Every process started through `Stewards` is killed when the block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.settings import ENV_KEYS

REPO_ROOT = Path(__file__).resolve().parents[2]
_PR_SET_PDEATHSIG = 1
STEWARD_RUN = (sys.executable, "-m", "bot", "run", "--keep-running")


def toml(data: Mapping[str, Any]) -> str:
    """The TOML for nested dicts, lists of dicts (arrays of tables) and plain values."""
    lines: list[str] = []
    _write_table(lines, [], data)
    return "\n".join(lines) + "\n"


def _write_table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    def nested(value: Any) -> bool:
        return isinstance(value, Mapping) or (
            isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
        )

    for key, value in table.items():
        if not nested(value):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if isinstance(value, Mapping):
            lines += ["", f"[{'.'.join(_key(p) for p in [*path, key])}]"]
            _write_table(lines, [*path, key], value)
        elif nested(value):
            for item in value:
                lines += ["", f"[[{'.'.join(_key(p) for p in [*path, key])}]]"]
                _write_table(lines, [*path, key], item)


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # JSON string escapes are valid TOML basic strings
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


class Steward:
    """One `python -m bot run --keep-running` process."""

    def __init__(
        self, name: str, config: Mapping[str, Any], workdir: Path, env: Mapping[str, str]
    ) -> None:
        self.name = name
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / f"{name}.toml"
        self.config_path.write_text(toml(config), encoding="utf-8")
        self.stdout_path = workdir / f"{name}.out"
        self.stderr_path = workdir / f"{name}.err"
        self._env = env
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or start again after it ended); output of every run is appended."""
        if self.running:
            raise RuntimeError(f"{self.name} is running already")
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self._proc = subprocess.Popen(
                [*STEWARD_RUN, "--config", str(self.config_path)],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=_environment(self._env),
                preexec_fn=_die_with_parent_hook(),
            )

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def stdout(self) -> str:
        return _read(self.stdout_path)

    @property
    def stderr(self) -> str:
        return _read(self.stderr_path)

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines so far (`[log] format = "json"`); other lines are skipped."""
        entries = []
        for line in self.stderr.splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries

    def logged(self, message: str) -> bool:
        return any(entry.get("message") == message for entry in self.logs())

    def posts(self) -> list[str]:
        """What the console front end printed as posted ("[posted to #...]" blocks)."""
        return [block for block in self.stdout.split("\n\n") if "[posted to #" in block]

    async def wait_for(self, check: Callable[[], bool], what: str, within: float = 20.0) -> float:
        """Poll until `check()` holds; returns the seconds it took. Fails at once if the
        process ended, with the tail of its log."""
        started = time.monotonic()
        while not check():
            if not self.running:
                raise AssertionError(f"{self.name} ended before {what}:\n{self.tail()}")
            if time.monotonic() - started > within:
                raise AssertionError(f"{self.name}: no {what} after {within} s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no signal handler, no `finally`, no flush of anything in flight."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    async def stop(self, within: float = 15.0) -> int | None:
        """SIGTERM, and wait without blocking the event loop (fakes in it answer the bot's
        goodbyes); SIGKILL if it does not end in time. Returns the exit code."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            self.kill()
        return proc.returncode

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.stderr.splitlines()[-lines:])


class Stewards:
    """The processes of one test; `with Stewards(tmp_path) as stewards:` kills what is left."""

    def __init__(self, workdir: Path, env: Mapping[str, str] | None = None) -> None:
        self.workdir = workdir
        self.env = dict(env or {})
        self.started: list[Steward] = []

    def new(self, name: str, config: Mapping[str, Any]) -> Steward:
        # The web server (onboarding's signing page) on a free port: replicas side by side, and
        # whatever else runs on this machine, never fight over 8080.
        steward = Steward(name, {"web": {"port": 0}, **config}, self.workdir, self.env)
        self.started.append(steward)
        return steward

    def __enter__(self) -> Stewards:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for steward in self.started:
            steward.kill()


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without anything that would configure the bot behind the
    config file's back (tokens, DATABASE_URL, RPC_URL_*), plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENV_KEYS and not key.startswith("RPC_URL_")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _die_with_parent_hook() -> Callable[[], None] | None:
    """On Linux, have the kernel kill the bot if the test process dies first."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return hook
