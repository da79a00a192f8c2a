"""Print the payout check's real exchange for docs/proposals/payouts.md: a passed proposal's
budget recorded, then three transactions proposed to a real 2-of-3 Safe on anvil through the
fake Safe Transaction Service with an owner's key (the approved payment, ten times it, and a
batch with a payment nobody voted for), and the alerts Steward posted to the console.

    PYTHONPATH=. .venv/bin/python docs/proposals/payout_example.py
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.spec import Role
from cogs.proposals.payout_asks import asks_from_text
from cogs.proposals.payout_book import PassedProposal, record_passed
from tests.fakes.safe_service import FakeSafeTransactionService
from tests.proposals.payout_support import API_KEY, multisend_data, queue, transfer_data
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.safes import SafeDriver, create_safe, deploy_safe_contracts

BODY = """## Budget

| Amount | Token | Recipient | Purpose |
|---|---|---|---|
| 50,000 | TUSD | {payee} | security audit of the v2 vaults |

Total: 50,000 TUSD

## Timeline

Paid from {start} to {end}, on delivery of the report."""


async def main() -> None:
    with Anvil() as anvil, tempfile.TemporaryDirectory() as tmp:
        contracts = deploy_safe_contracts(anvil)
        owners = anvil.accounts[1:4]
        safe = SafeDriver(anvil, contracts, create_safe(anvil, contracts, owners, 2), owners)
        payee, stranger = anvil.accounts[6].address, anvil.accounts[7].address
        async with FakeSafeTransactionService(31337, api_key=API_KEY, rpc_url=anvil.url) as tx:
            chain = {
                "chain_id": 31337,
                "rpc_url": anvil.url,
                "confirmations": 0,
                "poll_seconds": 3600,
                "tx_service_url": tx.base_url,
                "tx_service_api_key_env": "TX_SERVICE_KEY",
                "multisend": [contracts.multi_send_v141],
            }
            settings = make_settings(
                Path(tmp),
                f"sqlite:///{tmp}/s.db",
                environ={"TX_SERVICE_KEY": API_KEY},
                treasury={"chains": {"mainnet": chain}},
            )
            async with running_app(settings, extra=()) as app:
                out = io.StringIO()
                app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
                steward = ConsoleFrontEnd(
                    app, role=Role.STEWARD, stdin=io.StringIO(), stdout=io.StringIO()
                )
                await steward.handle_line(f"/safe watch {safe.address} mainnet Treasury")
                community = await app.communities.by_slug(app.settings.console.community)
                assert community is not None and community.id is not None
                today = datetime.now(UTC).date()
                end = today + timedelta(days=90)
                body = BODY.format(payee=payee, start=today, end=end)
                print("The passed proposal's budget:\n")
                print(body, "\n")
                async with app.db.transaction() as session:
                    await record_passed(
                        session,
                        PassedProposal(
                            community.id,
                            "snapshot:0x5e1f",
                            "Fund the v2 vault audit",
                            "https://snapshot.box/#/s:example.eth/proposal/0x5e1f",
                            0.71,
                            datetime.now(UTC),
                            asks_from_text(body),
                        ),
                    )
                service = app.runtimes["treasury"]
                token, owner = contracts.token, owners[0]
                await queue(tx, safe, owner, token, data=transfer_data(payee, 50_000 * 10**6))
                await queue(
                    tx, safe, owner, token, data=transfer_data(payee, 500_000 * 10**6), nonce=1
                )
                batch = [
                    (token, 0, transfer_data(payee, 20_000 * 10**6)),
                    (stranger, 2 * 10**18, b""),
                ]
                await queue(
                    tx, safe, owner, contracts.multi_send_v141, 0, multisend_data(batch), 1, 2
                )
                await service.queue_watch.poll("mainnet", safe.address)
                await app.outbox.drain()
                posted = [b for b in out.getvalue().split("\n\n") if "[posted to #" in b]
                print("What Steward posted:\n")
                print("\n\n".join(posted))


if __name__ == "__main__":
    asyncio.run(main())
