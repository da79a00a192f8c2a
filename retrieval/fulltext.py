"""Full-text indexes on a table's text column, on SQLite and PostgreSQL, ranked by BM25-style
scores, kept current by the database itself.

SQLite: an FTS5 table with external content (`<table>_fts`: the text is not stored twice),
Porter stemming over unicode61 (diacritics folded), and triggers that update it in the same
transaction as every insert, update of the column, and delete: a feature writes its rows as
always and the index follows. Ranked by `bm25()`.

PostgreSQL: a stored generated `tsvector` column (`<column>_tsv`, the `english` configuration)
with a GIN index; ranked by `ts_rank_cd`. The column is computed by PostgreSQL on every write.

A feature's migration creates the index with `create_statements` (which also indexes the rows
already there) and composes its ranked queries with `match`, adding its own joins and filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from retrieval.query import Query, fts5_match, pg_tsquery

TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_CONFIG = "english"


@dataclass(frozen=True)
class FullTextIndex:
    table: str
    column: str
    id_column: str = "id"

    @property
    def fts_table(self) -> str:
        """SQLite's FTS5 table."""
        return f"{self.table}_fts"

    @property
    def tsv_column(self) -> str:
        """PostgreSQL's generated tsvector column."""
        return f"{self.column}_tsv"

    @property
    def gin_index(self) -> str:
        return f"ix_{self.table}_{self.column}_tsv"


@dataclass(frozen=True)
class Match:
    """SQL fragments of a ranked full-text query over `index.table`:
    `SELECT <table>.id, <rank> AS score FROM <table> <join> ... WHERE <where> AND ...
    ORDER BY score DESC LIMIT :n`, with `params` bound."""

    join: str
    where: str
    rank: str
    params: dict[str, str | int]


def _sqlite_create(index: FullTextIndex) -> list[str]:
    t, c, i, f = index.table, index.column, index.id_column, index.fts_table
    return [
        f"CREATE VIRTUAL TABLE {f} USING fts5({c}, content='{t}', content_rowid='{i}', "
        f"tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {f}_insert AFTER INSERT ON {t} BEGIN "
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.{i}, new.{c}); END",
        f"CREATE TRIGGER {f}_delete AFTER DELETE ON {t} BEGIN "
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.{i}, old.{c}); END",
        f"CREATE TRIGGER {f}_update AFTER UPDATE OF {c} ON {t} BEGIN "
        f"INSERT INTO {f}({f}, rowid, {c}) VALUES ('delete', old.{i}, old.{c}); "
        f"INSERT INTO {f}(rowid, {c}) VALUES (new.{i}, new.{c}); END",
        # Index the rows already stored.
        f"INSERT INTO {f}({f}) VALUES ('rebuild')",
    ]


def _postgres_create(index: FullTextIndex) -> list[str]:
    t, c = index.table, index.column
    return [
        f"ALTER TABLE {t} ADD COLUMN {index.tsv_column} tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('{PG_CONFIG}', coalesce({c}, ''))) STORED",
        f"CREATE INDEX {index.gin_index} ON {t} USING GIN ({index.tsv_column})",
    ]


def create_statements(index: FullTextIndex, dialect: str) -> list[str]:
    """The DDL that creates the index and fills it from the rows already in the table."""
    if dialect == "sqlite":
        return _sqlite_create(index)
    if dialect == "postgresql":
        return _postgres_create(index)
    raise ValueError(f"no full-text index for the {dialect} dialect")


def drop_statements(index: FullTextIndex, dialect: str) -> list[str]:
    if dialect == "sqlite":
        f = index.fts_table
        return [
            f"DROP TRIGGER IF EXISTS {f}_insert",
            f"DROP TRIGGER IF EXISTS {f}_delete",
            f"DROP TRIGGER IF EXISTS {f}_update",
            f"DROP TABLE IF EXISTS {f}",
        ]
    if dialect == "postgresql":
        return [
            f"DROP INDEX IF EXISTS {index.gin_index}",
            f"ALTER TABLE {index.table} DROP COLUMN IF EXISTS {index.tsv_column}",
        ]
    raise ValueError(f"no full-text index for the {dialect} dialect")


# A term in more rows than this is common: its rows alone are not candidates (see `match`).
COMMON_ROWS = 3000
# Fewer candidates than this: the newest FALLBACK_ROWS rows holding the rarest common term are
# added, so that filters (a community, deleted posts) leave enough to fill an answer.
MIN_CANDIDATES = 200
FALLBACK_ROWS = 1_000
# At most this many candidates are ranked, the newest: ranking costs about 10 ms per thousand.
MAX_CANDIDATES = 2_000
# Term counts on SQLite stop here: any count above COMMON_ROWS only orders the common terms.
COUNT_CAP = 50_000


async def match(connection: AsyncConnection, index: FullTextIndex, query: Query) -> Match | None:
    """The fragments ranking `index.table`'s rows for the query, planned on `connection`; None
    when the query has no terms (nothing to look for: the caller answers that, not the database).

    Ranking every row holding any of a question's words is what made a search slow: over a
    million chat messages its common words ("budget", "vote", "treasury") match tens of
    thousands of rows, and scoring each took seconds. So only candidates are ranked: rows with a
    rare term (in at most COMMON_ROWS rows) or with two common ones (`candidates`), the newest
    MAX_CANDIDATES of them. A row holding a single common word scores below those (BM25 weighs a
    word by its rarity), so the best rows are the same, and every term still counts in the
    score. How common each term is comes from the database: SQLite counts the FTS5 index's rows
    (a few milliseconds: it reads the term's list of rows and nothing else); PostgreSQL's
    planner statistics hold each common lexeme's share of rows (`pg_stats.most_common_elems`,
    kept by ANALYZE), so asking costs nothing, and a lexeme missing from them is rare. When
    the candidates are fewer than MIN_CANDIDATES, the newest FALLBACK_ROWS rows holding the
    rarest common term are added."""
    if query.empty:
        return None
    rows = await term_rows(connection, index, query.all_terms)
    chosen = candidates(query.all_terms, rows)
    if chosen.common and (
        chosen.empty or await _fewer_than(connection, index, chosen, MIN_CANDIDATES)
    ):
        chosen = replace(chosen, fallback=chosen.common[0])
    if connection.dialect.name == "sqlite":
        return _sqlite_match(index, query, chosen)
    return _pg_match(index, query, chosen, await _pg_floors(connection, index, chosen, rows))


@dataclass(frozen=True)
class Candidates:
    """Which rows are ranked: those holding a `rare` term or both terms of one of the `pairs`
    of common ones, and, when those are too few, the newest holding the `fallback` term.
    `common` lists the common terms, rarest first; without any, every matching row is ranked."""

    rare: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    common: tuple[str, ...] = ()
    fallback: str | None = None

    @property
    def everything(self) -> bool:
        return not self.common

    @property
    def empty(self) -> bool:
        """No rare term and no pair: the fallback alone."""
        return not self.rare and not self.pairs

    def fts5(self) -> str:
        """The rare terms and the pairs as an FTS5 query."""
        parts = [f'"{t}"' for t in self.rare] + [f'("{a}" AND "{b}")' for a, b in self.pairs]
        return " OR ".join(parts)

    def tsquery(self) -> str:
        parts = list(self.rare) + [f"({a} & {b})" for a, b in self.pairs]
        return " | ".join(parts)


def candidates(terms: Sequence[str], rows: Mapping[str, int]) -> Candidates:
    """The candidates for terms holding `rows` rows each (a term found in none is left out):
    the rare terms alone, the common ones in pairs."""
    rare = tuple(t for t in terms if 0 < rows.get(t, 0) <= COMMON_ROWS)
    common = tuple(sorted((t for t in terms if rows.get(t, 0) > COMMON_ROWS), key=rows.__getitem__))
    pairs = tuple((a, b) for n, a in enumerate(common) for b in common[n + 1 :])
    return Candidates(rare=rare, pairs=pairs, common=common)


async def term_rows(
    connection: AsyncConnection, index: FullTextIndex, terms: Sequence[str]
) -> dict[str, int]:
    """How many rows hold each term: counted on SQLite (up to COUNT_CAP), estimated from the
    planner's statistics on PostgreSQL (see `match`)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return await _sqlite_rows(connection, index, terms)
    if dialect == "postgresql":
        return await _postgres_rows(connection, index, terms)
    raise ValueError(f"no full-text index for the {dialect} dialect")


async def _sqlite_rows(
    connection: AsyncConnection, index: FullTextIndex, terms: Sequence[str]
) -> dict[str, int]:
    f = index.fts_table
    counts = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM {f} WHERE {f} MATCH :t{n} LIMIT {COUNT_CAP}))"
        for n in range(len(terms))
    )
    params = {f"t{n}": f'"{term}"' for n, term in enumerate(terms)}
    row = (await connection.execute(text(f"SELECT {counts}"), params)).one()
    return dict(zip(terms, (int(n) for n in row), strict=True))


async def _postgres_rows(
    connection: AsyncConnection, index: FullTextIndex, terms: Sequence[str]
) -> dict[str, int]:
    """Each term's estimated rows: its lexeme's share among the column's most common elements
    times the table's rows; 1 (rare) when it is not among them, or before any ANALYZE."""
    sql = f"""
        WITH common AS (
            SELECT e.lexeme, e.share FROM pg_stats AS s
            CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[],
                                      s.most_common_elem_freqs) AS e(lexeme, share)
            WHERE s.schemaname = current_schema() AND s.tablename = :table
              AND s.attname = :column AND e.lexeme IS NOT NULL
        )
        SELECT t.term, coalesce((
            SELECT max(common.share) FROM common
            WHERE common.lexeme = ANY(tsvector_to_array(to_tsvector('{PG_CONFIG}', t.term)))
        ) * greatest((SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)), 0), 1)
        FROM unnest(CAST(:terms AS text[])) AS t(term)"""
    params = {"table": index.table, "column": index.tsv_column, "terms": list(terms)}
    found = {str(term): int(rows) for term, rows in (await connection.execute(text(sql), params))}
    return {term: found.get(term, 1) for term in terms}


async def _fewer_than(
    connection: AsyncConnection, index: FullTextIndex, chosen: Candidates, least: int
) -> bool:
    t, f = index.table, index.fts_table
    if connection.dialect.name == "sqlite":
        probe = f"SELECT 1 FROM {f} WHERE {f} MATCH :q LIMIT {least}"
        params = {"q": chosen.fts5()}
    else:
        probe = (
            f"SELECT 1 FROM {t} WHERE {t}.{index.tsv_column} @@ to_tsquery('{PG_CONFIG}', :q)"
            f" LIMIT {least}"
        )
        params = {"q": chosen.tsquery()}
    found = await connection.execute(text(f"SELECT count(*) FROM ({probe}) AS probe"), params)
    return int(found.scalar_one()) < least


def _sqlite_match(index: FullTextIndex, query: Query, chosen: Candidates) -> Match:
    t, i, f = index.table, index.id_column, index.fts_table
    where = f"{f} MATCH :fts_query"
    params: dict[str, str | int] = {"fts_query": fts5_match(query)}
    if not chosen.everything:
        newest = "ORDER BY rowid DESC LIMIT"
        parts = []
        if not chosen.empty:
            parts.append(
                f"SELECT * FROM (SELECT rowid FROM {f} WHERE {f} MATCH :fts_candidates"
                f" {newest} {MAX_CANDIDATES})"
            )
            params["fts_candidates"] = chosen.fts5()
        if chosen.fallback is not None:
            parts.append(
                f"SELECT * FROM (SELECT rowid FROM {f} WHERE {f} MATCH :fts_fallback"
                f" {newest} {FALLBACK_ROWS})"
            )
            params["fts_fallback"] = f'"{chosen.fallback}"'
        # `+rowid` keeps FTS5 from looking candidates up one by one: it reads the matches once
        # and keeps the candidates, and bm25() runs for those alone.
        where += f" AND +{f}.rowid IN ({' UNION ALL '.join(parts)})"
    # bm25() is lower for better matches; negated so that every engine ranks higher-first.
    return Match(
        join=f"JOIN {f} ON {f}.rowid = {t}.{i}", where=where, rank=f"-bm25({f})", params=params
    )


@dataclass(frozen=True)
class Floors:
    """PostgreSQL: the lowest id kept among the candidates and among the fallback's rows (None:
    every one). GIN keeps no order, and asking it for the newest rows made PostgreSQL walk the
    primary key backwards through hundreds of thousands of rows; ids grow with time, so keeping
    the ids above a floor keeps the newest. The floor leaves about as many rows as wanted, by
    the statistics' estimate (two common words taken as independent). It chooses which rows
    are ranked; the index scan still visits the older matches' pages unless the planner
    combines it with the primary key's index, so the work grows with the candidates."""

    candidates: int | None = None
    fallback: int | None = None


async def _pg_floors(
    connection: AsyncConnection, index: FullTextIndex, chosen: Candidates, rows: Mapping[str, int]
) -> Floors:
    t, i = index.table, index.id_column
    found = await connection.execute(
        text(
            f"SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)),"
            f" 0), (SELECT max({i}) FROM {t})"
        ),
        {"table": t},
    )
    total, newest = found.one()
    if not total or newest is None:
        return Floors()

    def floor(expected: float, wanted: int) -> int | None:
        if expected <= wanted:
            return None
        return int(newest) - int(float(total) * wanted / expected)

    expected = float(sum(rows[r] for r in chosen.rare))
    expected += sum(rows[a] * rows[b] / float(total) for a, b in chosen.pairs)
    fallback = rows[chosen.fallback] if chosen.fallback is not None else 0
    return Floors(floor(expected, MAX_CANDIDATES), floor(fallback, FALLBACK_ROWS))


def _pg_match(index: FullTextIndex, query: Query, chosen: Candidates, floors: Floors) -> Match:
    t, i, tsv = index.table, index.id_column, index.tsv_column
    params: dict[str, str | int] = {"fts_query": pg_tsquery(query)}
    rank = f"ts_rank_cd({t}.{tsv}, to_tsquery('{PG_CONFIG}', :fts_query))"
    if chosen.everything:
        where = f"{t}.{tsv} @@ to_tsquery('{PG_CONFIG}', :fts_query)"
        return Match(join="", where=where, rank=rank, params=params)
    # ts_rank_cd does not weigh rarity as bm25 does, so a row with one common word could have
    # ranked first; such rows are left out when enough rows hold a rare word or two common ones.
    parts = []
    for name, terms, floor, limit in (
        ("fts_candidates", chosen.tsquery(), floors.candidates, MAX_CANDIDATES),
        ("fts_fallback", chosen.fallback, floors.fallback, FALLBACK_ROWS),
    ):
        if not terms:
            continue
        newest = f" AND {i} >= :{name}_floor" if floor is not None else ""
        parts.append(
            f"(SELECT {i} FROM {t} WHERE {tsv} @@ to_tsquery('{PG_CONFIG}', :{name}){newest}"
            f" LIMIT {limit})"
        )
        params[name] = terms
        if floor is not None:
            params[f"{name}_floor"] = floor
    where = f"{t}.{i} IN ({' UNION ALL '.join(parts)})"
    return Match(join="", where=where, rank=rank, params=params)
