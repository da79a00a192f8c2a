"""A long chat channel stored directly in the debates tables, as chat ingestion leaves it: for the
window tests and the huge-thread benchmark (100,000 messages would take minutes to ingest through
a fake platform)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app import App
from cogs.debates.models import Author, Post, Source, Thread

CONSOLE_COMMUNITY = "local"
LINES = (
    "I support moving 20% of the treasury into stablecoins; our runway is only 14 months.",
    "I am against this proposal, the depeg risk is real and we lost 3% in March.",
    "What about a staggered diversification instead, 5% a month over four months?",
    "Has anyone modelled the tax impact of selling ETH at these prices?",
    "We should put a draft on Snapshot next week so members can vote.",
    "gm, the call notes are at https://notes.example.org/treasury-call and the recording too",
    "Keeping everything in ETH is too risky for payroll; I oppose doing nothing.",
    "+1 to the staggered plan, it limits the timing risk without stalling the decision.",
)


async def store_channel(
    app: App,
    channel: str,
    count: int,
    *,
    end: datetime | None = None,
    every: timedelta = timedelta(minutes=1),
    first_number: int = 0,
    batch: int = 5_000,
) -> None:
    """`count` messages in the console channel #`channel` (created if new), one every `every`,
    the last at `end` (default: now), by 50 people, each text one of LINES with its number."""
    end = end or datetime.now(UTC)
    community = await app.communities.by_slug(CONSOLE_COMMUNITY)
    if community is None:
        raise RuntimeError("run a console command first: it creates the local community")
    async with app.db.transaction() as session:
        source = (
            await session.exec(
                select(Source).where(Source.community_id == community.id, Source.kind == "console")
            )
        ).first()
        if source is None:
            source = Source(
                community_id=community.id, kind="console", key=CONSOLE_COMMUNITY, name="Local"
            )
            session.add(source)
            await session.flush()
        source_id = source.id or 0
        thread = (
            await session.exec(
                select(Thread).where(Thread.source_id == source_id, Thread.external_id == channel)
            )
        ).first()
        if thread is None:
            thread = Thread(source_id=source_id, external_id=channel, title=f"#{channel}")
            session.add(thread)
        authors = list(
            (await session.exec(select(Author).where(Author.source_id == source_id))).all()
        )
        if not authors:
            authors = [
                Author(source_id=source_id, external_id=str(i), name=f"member_{i:02d}")
                for i in range(50)
            ]
            session.add_all(authors)
        await session.flush()
        author_ids = [a.id or 0 for a in authors]
        thread_id = thread.id or 0
    table = Post.__table__  # type: ignore[attr-defined]
    first = end - every * (count - 1)
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(count, start + batch)):
            at = first + every * i
            number = first_number + i
            rows.append(
                {
                    "thread_id": thread_id,
                    "external_id": str(1_000_000 + number),
                    "author_id": author_ids[(number * 7) % len(author_ids)],
                    "created_at": at,
                    "updated_at": at,
                    "likes": number % 5,
                    "url": "",
                    "text": f"{LINES[number % len(LINES)]} (message {number})",
                    "deleted": False,
                }
            )
        async with app.db.transaction() as session:
            connection = await session.connection()
            await connection.execute(table.insert(), rows)
