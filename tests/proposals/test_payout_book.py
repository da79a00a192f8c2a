"""The book of passed proposals, on SQLite and PostgreSQL through the real migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.storage.database import Database
from bot.storage.models import Community
from cogs.proposals.payout_book import Ask, PassedProposal, passed_proposals, record_passed
from tests.support.apps import feature_migrations

PAYEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate(feature_migrations())
    try:
        yield database
    finally:
        await database.close()


async def community(db: Database, slug: str) -> int:
    async with db.transaction() as session:
        row = Community(slug=slug, name=slug)
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def test_recording_is_idempotent_per_key_and_keeps_exact_amounts(db: Database) -> None:
    dao, other = await community(db, "dao"), await community(db, "other")
    decided = datetime(2026, 11, 30, 12, tzinfo=UTC)
    huge = 2**255 + 1  # a uint256 fits no database integer; it is kept exactly
    first = PassedProposal(
        dao,
        "snapshot:0x1",
        "Audit",
        "https://snapshot.example/1",
        0.6,
        decided,
        (
            Ask(PAYEE, "USDC", Decimal("50000.5"), not_after=decided),
            Ask(None, None, Decimal(huge), recipient_name="Ceiba", raw=huge),
        ),
    )
    async with db.transaction() as session:
        assert await record_passed(session, first) is True
    final = PassedProposal(
        dao, "snapshot:0x1", "Audit", "https://snapshot.example/1", 0.71, decided, first.asks[:1]
    )
    async with db.transaction() as session:
        assert await record_passed(session, final) is False
        theirs = PassedProposal(other, "snapshot:0x1", "Theirs", "", None, decided)
        await record_passed(session, theirs)

    async with db.read() as session:
        [stored] = await passed_proposals(session, dao)
        [kept] = await passed_proposals(session, other)
    assert (stored.title, stored.for_share, stored.decided_at) == ("Audit", 0.71, decided)
    assert stored.asks == (Ask(PAYEE, "USDC", Decimal("50000.5"), not_after=decided),)
    assert kept.title == "Theirs" and kept.asks == ()

    async with db.transaction() as session:
        await record_passed(session, first)
    async with db.read() as session:
        [again] = await passed_proposals(session, dao)
    assert again.asks[1].raw == huge and again.asks[1].amount == Decimal(huge)
