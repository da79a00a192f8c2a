"""The treasury's digest part over a month of a large treasury (10 Safes, thousands of transfers
and alerts, 50 queued transactions) is built in a fixed handful of queries and well under the
digest's two seconds: the query count does not grow with the Safes or the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.digest_parts import DigestPart, DigestRequest, Reader, Section
from bot.directory import Directory, Listing
from bot.storage.database import Database
from bot.storage.models import Community
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.digest_part import TreasuryDigest
from cogs.treasury.models import QueuedTx, TreasuryAlert, TreasuryFlow, WatchedSafe
from tests.support.apps import feature_migrations

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 30
TOKEN = "0x" + "ab" * 20


def address(n: int) -> str:
    return "0x" + f"{n:040x}"


class Book:
    """Members behind every owner address (an AddressBook of the test, answering from memory)."""

    async def listings(
        self, community_id: int, addresses: Sequence[str]
    ) -> dict[str, list[Listing]]:
        return {a: [Listing("discord", a[-6:], f"member {a[-4:]}")] for a in addresses}

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        return []


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate(feature_migrations())
    try:
        yield database
    finally:
        await database.close()


async def fill(db: Database, safes: int) -> int:
    """A community with `safes` Safes: each with a month of transfers in two tokens, alerts and
    five queued transactions. Returns the community's id."""
    async with db.transaction() as session:
        community = Community(slug="big", name="Big DAO")
        session.add(community)
        await session.flush()
        assert community.id is not None
        rows: list[Any] = []
        for s in range(safes):
            safe = address(1000 + s)
            owners = [address(2000 + s * 3 + i) for i in range(3)]
            rows.append(
                WatchedSafe(community_id=community.id, chain="main", address=safe, name=f"Safe {s}")
            )
            for day in range(DAYS):
                at = START + timedelta(days=day, hours=12)
                for i in range(10):
                    token, symbol, decimals = (TOKEN, "USDC", 6) if i % 2 else ("", "ETH", 18)
                    amount = (i + 1) * 10**decimals * (1 if i < 6 else -1)
                    rows.append(
                        TreasuryFlow(
                            key=f"main:{s}:{day}:{i}",
                            chain="main",
                            safe=safe,
                            token=token,
                            symbol=symbol,
                            decimals=decimals,
                            amount=str(amount),
                            tx_hash="0x" + f"{s:02x}{day:02x}{i:02x}".ljust(64, "0"),
                            block=day * 100 + i,
                            at=at,
                        )
                    )
                for i in range(5):
                    rows.append(
                        TreasuryAlert(
                            key=f"{community.id}:main:{s}:{day}:{i}",
                            community_id=community.id,
                            chain="main",
                            safe=safe,
                            kind="execution" if i else "funds_in",
                            severity="medium",
                            title=f"Safe {s} on main: transaction executed",
                            lines=[f"Transfer 5 USDC (5000000 raw) to {owners[i % 3]}"],
                            links={"Safe app": "https://app.safe.global/transactions/history"},
                            created_at=at,
                        )
                    )
            for nonce in range(5):
                rows.append(
                    QueuedTx(
                        safe_tx_hash="0x" + f"{s:04x}{nonce:04x}".ljust(64, "0"),
                        chain="main",
                        safe=safe,
                        nonce=nonce,
                        confirmations=owners[:1],
                        required=2,
                        owners=owners,
                        lines=[f"Send 1 ETH (1000000000000000000 wei) to {owners[2]}"],
                        first_seen_at=START + timedelta(days=DAYS - 1),
                    )
                )
        session.add_all(rows)
    return community.id


@pytest.mark.parametrize("safes", [1, 10])
async def test_a_month_of_ten_safes_takes_a_few_queries(db: Database, safes: int) -> None:
    community = await fill(db, safes)
    directory = Directory()
    directory.register(Book())
    chains = {"main": {"chain_id": 1, "rpc_url": "http://127.0.0.1:9/unused"}}
    source = TreasuryDigest(db, TreasuryConfig.model_validate({"chains": chains}), directory)
    reader = Reader("discord", "1", (address(2001),))  # the second owner of Safe 0
    request = DigestRequest(community, START, START + timedelta(days=DAYS), reader)

    queries: list[str] = []

    def count(*args: Any) -> None:
        queries.append(str(args[2]))

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        part: DigestPart = await source.digest_part(request)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)

    assert len(queries) == 4, queries  # Safes, queue, alerts, flows: whatever the size
    assert len([i for i in part.items if i.section is Section.NEEDS_YOU]) == 5
    assert len([i for i in part.items if i.section is Section.COMING_UP]) == 5 * (safes - 1)
    flows = [i for i in part.items if i.key.startswith("flow:")]
    assert len(flows) == 2 * safes and len(part.series) == 2 * safes
    # Per Safe and day: ETH in 1+3+5 = 9, out 7+9 = 16; USDC in 2+4+6 = 12, out 8+10 = 18.
    eth = next(s for s in part.series if s.label == "Safe 0 · ETH")
    assert eth.points[:2] == ((START, 9.0), (START, -16.0)) and len(eth.points) == 2 * DAYS
    [eth_item] = [i for i in flows if i.text.startswith("**Safe 0 · ETH**")]
    assert "+270 in, −480 out; balance change −210 ETH" in eth_item.text
    executed = [i for i in part.items if i.key.startswith("alert:executed:")]
    assert len(executed) == 4 * DAYS * safes
    assert "member" in executed[0].text, "payees named from the directory"
