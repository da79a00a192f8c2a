"""A real local EVM for tests: anvil from npm, on 127.0.0.1, plus the pytest fixtures around it.

One node serves the whole session and the Safe contracts are deployed on it once. The `chain`
fixture wraps every test in an `evm_snapshot`/`evm_revert` pair, so tests see the same pristine
chain and cost milliseconds. Add `"tests.support.anvil"` to `pytest_plugins` to get the fixtures.

web3 and eth_account are imported where they are used, not at the top: pytest imports this module
as a plugin for every run, and importing web3 costs about a second that tests without a chain
should not pay.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import requests
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

    from tests.support.safes import SafeContracts

REPO_ROOT = Path(__file__).resolve().parents[2]
# What `npm ci` installs: a Node script that runs the platform binary of @foundry-rs/anvil.
ANVIL_BIN = REPO_ROOT / "node_modules" / ".bin" / "anvil"
ANVIL_CHAIN_ID = 31337
# anvil prints the port it really bound, which is how `--port 0` gets a free port without the
# race of probing for one first and hoping nobody takes it before anvil starts.
_LISTENING = re.compile(rb"Listening on 127\.0\.0\.1:(\d+)")
_PR_SET_PDEATHSIG = 1


class AnvilError(RuntimeError):
    """anvil failed to start, answered an RPC call with an error, or refused a revert."""


class AnvilNotInstalled(AnvilError):
    pass


class Anvil:
    """A running anvil node on 127.0.0.1: a free port, chain id 31337, the 10 default accounts.

    The process starts in the constructor and stops in `stop()` (also on leaving a `with` block
    and, as a last resort, at interpreter exit). Its output goes to a file, so a chatty node can
    never fill a pipe and stall.
    """

    url: str
    chain_id: int
    accounts: list[LocalAccount]
    w3: Web3
    log_path: Path

    def __init__(
        self,
        *,
        automine: bool = True,
        chain_id: int = ANVIL_CHAIN_ID,
        binary: Path = ANVIL_BIN,
        startup_timeout: float = 30.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        if not binary.exists():
            raise AnvilNotInstalled(
                f"anvil is not installed at {binary}: run `npm ci` in {REPO_ROOT} "
                "(package.json pins @foundry-rs/anvil)"
            )
        self.chain_id = chain_id
        self._session: requests.Session | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="steward-anvil-"))
        self.log_path = self._workdir / "anvil.log"
        # anvil writes its accounts and keys here; reading them beats deriving keys from the
        # mnemonic, which needs eth_account's process-wide "unaudited HD wallet" switch.
        config_path = self._workdir / "config.json"
        args = [
            str(_native_binary(binary)),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--chain-id",
            str(chain_id),
            "--accounts",
            "10",
            "--config-out",
            str(config_path),
            "--color",
            "never",
            *([] if automine else ["--no-mining"]),
            *extra_args,
        ]
        try:
            with self.log_path.open("wb") as log:
                self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                    args,
                    cwd=REPO_ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    # Its own process group, so stop() also reaches the binary that the Node
                    # wrapper spawns when the wrapper has to be used.
                    start_new_session=True,
                    preexec_fn=_die_with_parent_hook(),
                )
        except BaseException:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise
        atexit.register(self.stop)
        try:
            port = self._wait_for_port(startup_timeout)
            self.url = f"http://127.0.0.1:{port}"
            self._wait_for_rpc(startup_timeout)
            self.accounts = self._read_accounts(config_path)
            self._session = _session()
            self.w3 = _web3(self.url, self._session)
        except BaseException:
            self.stop()
            raise

    # -- lifecycle ---------------------------------------------------------------------------

    def _wait_for_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            match = _LISTENING.search(self.log_path.read_bytes())
            if match:
                return int(match.group(1))
            proc = self._proc
            if proc is None or proc.poll() is not None:
                raise AnvilError(f"anvil exited before listening:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AnvilError(f"anvil did not listen within {timeout}s:\n{self.log_tail()}")
            time.sleep(0.02)

    def _wait_for_rpc(self, timeout: float) -> None:
        # A bare urllib opener with no proxy handler: HTTP(S)_PROXY from the environment must not
        # send a loopback request anywhere else.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
        deadline = time.monotonic() + timeout
        while True:
            request = urllib.request.Request(
                self.url, data=body.encode(), headers={"Content-Type": "application/json"}
            )
            try:
                with opener.open(request, timeout=2) as response:
                    answer = json.load(response)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise AnvilError(
                        f"anvil did not answer eth_chainId within {timeout}s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.02)
        if int(answer["result"], 16) != self.chain_id:
            raise AnvilError(f"anvil reports chain id {answer['result']}, not {self.chain_id}")

    def _read_accounts(self, config_path: Path) -> list[LocalAccount]:
        from eth_account import Account

        keys: list[str] = json.loads(config_path.read_text())["private_keys"]
        return [Account.from_key(key) for key in keys]

    def stop(self) -> None:
        """Terminate anvil and wait until it is gone. Safe to call more than once."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _wait_until_group_gone(proc.pid)
        if self._session is not None:
            self._session.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Anvil:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Anvil {getattr(self, 'url', '?')} {state}>"

    # -- JSON-RPC helpers ----------------------------------------------------------------------

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One raw JSON-RPC call; raises AnvilError on an error answer."""
        from web3.types import RPCEndpoint

        response = self.w3.provider.make_request(RPCEndpoint(method), list(params))
        if response.get("error"):
            raise AnvilError(f"{method} failed: {response['error']}")
        return response.get("result")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def snapshot(self) -> str:
        """Take an `evm_snapshot`; its id is good for one `revert`."""
        snapshot_id: str = self.rpc("evm_snapshot")
        return snapshot_id

    def revert(self, snapshot_id: str) -> None:
        """Return to a snapshot. anvil deletes the snapshot (and later ones) as it reverts."""
        if not self.rpc("evm_revert", [snapshot_id]):
            raise AnvilError(f"evm_revert({snapshot_id}) failed: unknown or already used")

    def set_automine(self, enabled: bool) -> None:
        self.rpc("evm_setAutomine", [enabled])

    def automine(self) -> bool:
        return bool(self.rpc("anvil_getAutomine"))

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)


def _session() -> requests.Session:
    import requests

    session = requests.Session()
    # requests would otherwise route even 127.0.0.1 through an HTTP(S)_PROXY from the environment.
    session.trust_env = False
    return session


def _web3(url: str, session: requests.Session) -> Web3:
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url, session=session, request_kwargs={"timeout": 30}))


def _native_binary(wrapper: Path) -> Path:
    """The platform binary the npm wrapper would run, found the way the wrapper finds it.

    Running it directly makes anvil our child, so `wait()` reaps it at once. Behind the Node
    wrapper it is the wrapper's child, is orphaned when the wrapper exits, and lingers as a zombie
    until init reaps it (about two seconds here). Falls back to the wrapper if the layout differs.
    """
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        os.uname().machine.lower(), ""
    )
    scope = wrapper.resolve().parent.parent  # node_modules/@foundry-rs
    for candidate in (
        scope / f"anvil-{sys.platform}-{arch}" / "bin" / "anvil",
        scope / "anvil" / "dist" / "anvil",
    ):
        if os.access(candidate, os.X_OK):
            return candidate
    return wrapper


def _die_with_parent_hook() -> Callable[[], None] | None:
    """On Linux, have the kernel send SIGTERM to the node if the test process dies.

    Fixture teardown and atexit cover every orderly exit; this covers the rest (SIGKILL, a
    watchdog's os._exit). The Node wrapper forwards SIGTERM to the anvil binary. The signal is
    tied to the thread that forks, so it is only armed from the main thread, which lives as long
    as the process.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    # Looked up before the fork so the child does nothing but one libc call before exec.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook


def _wait_until_group_gone(pgid: int, timeout: float = 5.0) -> None:
    """Wait until nothing of the process group runs: the binary, if the Node wrapper spawned it.

    A member that has exited but not yet been reaped by init counts as gone.
    """
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.01)


def _group_alive(pgid: int) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses, so split after its last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


# -- pytest fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[Anvil]:
    """The session's anvil node. Tests should use `chain`, which isolates them from each other."""
    with Anvil() as node:
        yield node


@pytest.fixture(scope="session")
def safe_contracts(anvil_node: Anvil) -> SafeContracts:
    """Safe 1.3.0, 1.4.1 and 1.5.0 singletons, factories and handlers, MultiSend, a test
    token and the NFT test collections, deployed once."""
    from tests.support.safes import deploy_safe_contracts

    return deploy_safe_contracts(anvil_node)


@pytest.fixture
def chain(anvil_node: Anvil, safe_contracts: SafeContracts) -> Iterator[Anvil]:
    """The session's node, rolled back to the state before the test when the test ends.

    It depends on `safe_contracts` so the deployment happens before the snapshot: deploying inside
    a test's snapshot would be reverted while the session kept the stale addresses.
    """
    snapshot_id = anvil_node.snapshot()
    try:
        yield anvil_node
    finally:
        # A test may have switched to manual mining and left transactions waiting; neither the
        # pool nor the mining mode is part of the snapshot.
        anvil_node.rpc("anvil_dropAllTransactions")
        anvil_node.set_automine(True)
        anvil_node.revert(snapshot_id)
