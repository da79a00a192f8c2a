"""Settings changes and both Safe versions, RPC faults, lag in /about, and the console."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from bot.http import HttpClient
from chain.events import DecodedLog
from chain.node import ChainNode
from chain.watch import SafeActivity, read_calls
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeVersion
from tests.support.treasury import new_safe, watching


class FlakyRpc:
    """A JSON-RPC proxy in front of anvil that answers some requests 503 or 429 first."""

    def __init__(self, upstream: str, failures: list[int]) -> None:
        self.upstream = upstream
        self.failures = iter(failures)
        self.failed = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        status = next(self.failures, 200)
        if status != 200:
            self.failed += 1
            headers = {"Retry-After": "0.01"} if status == 429 else {}
            return web.Response(status=status, text="busy", headers=headers)
        async with (
            ClientSession() as http,
            http.post(
                self.upstream,
                data=await request.read(),
                headers={"Content-Type": "application/json"},
            ) as upstream,
        ):
            return web.Response(body=await upstream.read(), content_type="application/json")


@pytest.fixture
async def flaky(chain: Anvil) -> AsyncIterator[FlakyRpc]:
    # Every fourth request fails, alternating 503 and 429.
    pattern = itertools.islice(itertools.cycle([200, 200, 200, 503, 200, 200, 200, 429]), 400)
    proxy = FlakyRpc(chain.url, list(pattern))
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.mark.parametrize("version", ["1.3.0", "1.4.1", "1.5.0"])
async def test_settings_changes_on_either_version_through_a_flaky_rpc(
    tmp_path: Path,
    db_url: str,
    chain: Anvil,
    safe_contracts: SafeContracts,
    flaky: FlakyRpc,
    version: SafeVersion,
) -> None:
    safe = new_safe(chain, safe_contracts, version)
    async with watching(tmp_path, db_url, flaky.url, safe, confirmations=1) as world:
        assert f"Vault `{safe.address}` on anvil (v{version})" in await world.run("/safe list")
        safe.enable_module(chain.accounts[8].address)
        safe.set_guard(safe_contracts.permissive)
        safe.set_fallback_handler(safe_contracts.permissive)
        safe.add_owner(chain.accounts[5].address, 2)
        chain.mine(1)
        for _ in range(3):
            await world.service.run_chain("anvil")

        posted = await world.posted()
        assert len(posted) == 4
        assert f"Enable module {chain.accounts[8].address}" in posted[0]
        assert f"Set the transaction guard to {safe_contracts.permissive}" in posted[1]
        assert f"Set the fallback handler to {safe_contracts.permissive}" in posted[2]
        assert f"Add owner {chain.accounts[5].address}" in posted[3]
        assert all("security settings changed" in b and "Severity HIGH" in b for b in posted)
        assert flaky.failed > 0, "the proxy did fail some requests, which were retried"

        about = await world.run("/about")
        assert "chain anvil: ok: " in about and "blocks behind the head" in about


async def test_a_module_executing_a_transaction_is_a_high_severity_alert(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    safe.fund_eth(10**18)
    module = chain.accounts[8]
    safe.enable_module(module.address)
    async with watching(tmp_path, db_url, chain.url, safe) as world:
        payee = chain.accounts[6].address
        # execTransactionFromModule(payee, 0.1 ETH, "", CALL), sent by the module itself.
        data = (
            "0x468721a7"
            + payee[2:].lower().rjust(64, "0")
            + f"{10**17:064x}"
            + (f"{128:064x}" + f"{0:064x}" + f"{0:064x}")
        )
        chain.w3.eth.wait_for_transaction_receipt(
            chain.w3.eth.send_transaction(
                {"from": module.address, "to": safe.address, "data": data}
            )
        )
        await world.service.run_chain("anvil")

        [posted] = await world.posted()
        assert "Vault on anvil: a module executed a transaction" in posted
        assert "Severity HIGH" in posted
        assert f"Send 0.1 ETH (100000000000000000 wei) to {payee}" in posted


async def test_without_the_l2_event_the_executed_call_is_read_from_the_transaction(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    # Non-L2 Safes emit no SafeMultiSigTransaction: the watcher reads execTransaction's calldata.
    safe = new_safe(chain, safe_contracts)
    safe.fund_eth(10**18)
    payee = chain.accounts[6].address
    sent = safe.send_eth(payee, 5 * 10**16)
    executed = DecodedLog(
        "ExecutionSuccess", "safe", safe.address, {}, sent.block_number, "", sent.tx_hash, 0
    )
    activity = SafeActivity(safe.address, sent.tx_hash, sent.block_number, 0, [executed])
    async with HttpClient() as http:
        node = ChainNode(chain.url, http)
        await read_calls(node, [activity], ())
        assert node.requests == 1, "one batch for the transactions of a poll"
    call = activity.call
    assert call is not None
    assert (call.to, call.value, call.data, call.operation) == (payee, 5 * 10**16, b"", 0)


async def test_tokens_taken_by_an_approved_spender_are_a_high_severity_alert(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    safe.fund_token(1_000 * 10**6)
    spender, payee = chain.accounts[7], chain.accounts[6].address
    safe.approve(spender.address, 400 * 10**6)
    async with watching(tmp_path, db_url, chain.url, safe) as world:
        # transferFrom(safe, payee, 250 TUSD), sent by the spender: no Safe transaction at all.
        data = "0x23b872dd" + "".join(
            value.rjust(64, "0")
            for value in (safe.address[2:].lower(), payee[2:].lower(), f"{250 * 10**6:x}")
        )
        chain.w3.eth.wait_for_transaction_receipt(
            chain.w3.eth.send_transaction(
                {"from": spender.address, "to": safe_contracts.token, "data": data}
            )
        )
        await world.service.run_chain("anvil")

        [posted] = await world.posted()
        assert "Vault on anvil: funds left the Safe" in posted
        assert f"Sent 250 TUSD (250000000 raw) to {payee} (by an approved spender)" in posted
        assert "Severity HIGH" in posted
