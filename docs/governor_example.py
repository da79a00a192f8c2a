"""Print the README's Governor exchange: a real OpenZeppelin Governor on anvil (compiled from
OpenZeppelin's sources, tests/support/contracts), a transfer proposal created, voted by three
delegates, queued and executed, and what Steward posted about it in a Telegram group (the fake
Telegram, through the real python-telegram-bot client). The treasury's polls read the logs.

    PYTHONPATH=. .venv/bin/python docs/governor_example.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from cogs.treasury.service import TreasuryService
from tests.fakes.telegram_server import FakeTelegram
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.frontends import telegram_frontend
from tests.support.governor import ABSTAIN, AGAINST, FOR, WHOLE, deploy_governance

DESCRIPTION = "# Pay the auditors\n\nFive thousand SVOTE to the audit firm for the Q1 review."


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Anvil() as chain:
        governance = deploy_governance(chain)
        telegram = FakeTelegram()
        await telegram.start()
        telegram.set_member_status(telegram.group, telegram.bob, "administrator")
        settings = make_settings(
            Path(tmp),
            f"sqlite:///{tmp}/steward.db",
            communities=[
                {
                    "slug": "test-dao",
                    "name": "Test DAO",
                    "telegram_chat_ids": [str(telegram.group.id)],
                }
            ],
            treasury={
                "chains": {"anvil": {"chain_id": 31337, "rpc_url": chain.url, "confirmations": 0}}
            },
            proposals={
                "governors": [
                    {
                        "community": "test-dao",
                        "chain": "anvil",
                        "address": governance.address,
                        "name": "Test DAO Governor",
                        "link": "https://gov.example/proposal/{id}",
                    }
                ]
            },
        )
        try:
            async with running_app(settings) as app, telegram_frontend(app, telegram):
                treasury: TreasuryService = app.runtimes["treasury"]

                async def poll() -> None:
                    await treasury.run_chain("anvil")
                    await app.outbox.drain()

                group = telegram.group.id
                command = f"/proposals announce {group} all"
                telegram.send_text(group, "bob", command)
                await telegram.wait_for("sendMessage", lambda call: True, timeout=10)
                await poll()
                alice, bob, carol = governance.voters
                auditor = chain.accounts[7].address
                proposal = governance.propose_transfer(alice, auditor, 5_000 * WHOLE, DESCRIPTION)
                await poll()
                governance.open_voting(proposal)
                governance.vote(alice, proposal, FOR, "audits matter")
                governance.vote(bob, proposal, AGAINST)
                governance.vote(carol, proposal, ABSTAIN)
                await poll()
                governance.close_voting(proposal)
                await poll()
                governance.queue(proposal)
                await poll()
                governance.execute(proposal)
                await poll()
                print(f"bob> {command}\n")
                for message in telegram.messages(group, from_bot=True):
                    print(f"{message.plain}\n---")
        finally:
            await telegram.stop()


if __name__ == "__main__":
    asyncio.run(main())
