"""The /ask latency bench's code on a few thousand messages, on SQLite and PostgreSQL: the data
lands in the debates tables with the full-text index, and every search it times finds what it
should. No timing is asserted (the figures are the bench's)."""

from __future__ import annotations

from sqlalchemy import text

from bench.ask_latency import fulltext_search, largest_community, like_search, source_search
from bench.ask_latency_data import OTHER_LANGUAGES, Chatter, populate
from bot.storage.database import Database
from retrieval.query import parse, stems


def test_messages_are_chat_sized_and_varied() -> None:
    chatter = Chatter(seed=1, tail=2_000)
    messages = [chatter.message() for _ in range(2_000)]
    lengths = [len(m.split()) for m in messages if m not in OTHER_LANGUAGES]
    assert min(lengths) >= 5 and max(lengths) <= 62  # a link or an emoji may follow 60 words
    assert len(set(messages)) > 1_900  # the other-language ones repeat
    assert any("https://" in m for m in messages)
    assert any(not m.isascii() for m in messages)


async def test_bench_searches_find_the_community_s_matching_messages(db_url: str) -> None:
    db = Database(db_url)
    try:
        await populate(db, 3_000, seed=2)
        async with db.engine.connect() as c:
            stored = (await c.execute(text("SELECT count(*) FROM post"))).scalar_one()
        assert stored == 3_000
        community = await largest_community(db)
        query = parse("what did we decide about the treasury budget?")
        fulltext = await fulltext_search(db, community)(query)
        like = await like_search(db, community)(query)
        assert len(fulltext) == len(like) == 20
        through_source = source_search(db, community)
        if through_source is not None:
            assert len(await through_source(query)) > 0
        async with db.engine.connect() as c:
            found = await c.execute(
                text(
                    "SELECT post.text, source.community_id FROM post JOIN thread ON"
                    " thread.id = post.thread_id JOIN source ON source.id = thread.source_id"
                    " WHERE post.id IN (" + ", ".join(str(i) for i in fulltext) + ")"
                )
            )
            rows = found.all()
        assert {c for _, c in rows} == {community}
        assert all(stems(body) & {"treasuri", "budget", "decid"} for body, _ in rows)
        assert await fulltext_search(db, community)(parse("zzzqqq")) == []
    finally:
        await db.close()
