"""A running app that watches one Safe on anvil, with the console as its alert channel."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.treasury.service import TreasuryService
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.safes import SafeContracts, SafeDriver, SafeVersion, create_safe


def new_safe(chain: Anvil, contracts: SafeContracts, version: SafeVersion = "1.4.1") -> SafeDriver:
    """A 2-of-3 Safe owned by anvil's accounts 1 to 3."""
    owners = chain.accounts[1:4]
    address = create_safe(chain, contracts, owners, 2, version=version)
    return SafeDriver(chain, contracts, address, owners)


@dataclass
class Watching:
    app: App
    out: io.StringIO
    service: TreasuryService

    async def run(self, line: str) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=Role.STEWARD, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    async def posted(self) -> list[str]:
        """What the bot posted to the console community's alert channel, in order, once the
        outbox has delivered what it can."""
        await self.app.outbox.drain()
        return [block for block in self.out.getvalue().split("\n\n") if "[posted to #" in block]


@asynccontextmanager
async def watching(
    tmp_path: Path,
    db_url: str,
    rpc_url: str,
    safe: SafeDriver,
    *,
    confirmations: int = 0,
    chain_id: int = 31337,
    **chain_settings: object,
) -> AsyncIterator[Watching]:
    chain = {
        "chain_id": chain_id,
        "rpc_url": rpc_url,
        "confirmations": confirmations,
        "poll_seconds": 3600,
        **chain_settings,
    }
    async with running_app(
        make_settings(tmp_path, db_url, treasury={"chains": {"anvil": chain}})
    ) as app:
        out = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
        world = Watching(app, out, app.runtimes["treasury"])
        reply = await world.run(f"/safe watch {safe.address} anvil Vault")
        if "Watching Vault" not in reply:
            raise AssertionError(reply)
        await world.service.run_chain("anvil")  # the cursor starts at the head
        yield world
