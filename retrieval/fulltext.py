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

from dataclasses import dataclass

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
    params: dict[str, str]


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
# Fewer candidates than this: rank every matching row.
MIN_CANDIDATES = 200


def match(index: FullTextIndex, dialect: str, query: Query) -> Match | None:
    """The fragments ranking `index.table`'s rows for the query; None when it has no terms
    (nothing to look for: the caller answers that, not the database).

    On SQLite, ranking every row that holds any of the question's words is what made a search
    slow: over a million chat messages a question's common words ("budget", "vote",
    "treasury") match tens of thousands of rows, and bm25() over each took seconds. So only
    candidates are ranked: rows with a rare term (in at most COMMON_ROWS rows), or with at
    least two of the common ones. A row holding a single common word scores below those (bm25
    weighs a word by its rarity), so the best rows are the same; each term's count is probed by
    the query itself, stopping at COMMON_ROWS + 1, and every term still counts in the score.
    When the candidates are few (MIN_CANDIDATES), every matching row is ranked."""
    if query.empty:
        return None
    t, i, f = index.table, index.id_column, index.fts_table
    terms = query.all_terms
    if dialect == "sqlite":
        probe = f"SELECT 1 FROM {f} WHERE {f} MATCH {{q}}"
        candidates = _candidates(len(terms), probe, " OR ", " AND ", ":fts_query")
        # bm25() is lower for better matches; negated so that every engine ranks higher-first.
        # `+rowid` keeps FTS5 from looking candidates up one by one: it reads the matches once
        # and keeps the candidates, and bm25() runs for those alone.
        return Match(
            join=f"JOIN {f} ON {f}.rowid = {t}.{i}",
            where=f"{f} MATCH :fts_query AND +{f}.rowid IN "
            f"(SELECT rowid FROM {f} WHERE {f} MATCH {candidates})",
            rank=f"-bm25({f})",
            params={"fts_query": fts5_match(query)}
            | {f"fts_t{n}": f'"{term}"' for n, term in enumerate(terms)},
        )
    if dialect == "postgresql":
        # The same candidates as on SQLite: ranking every row holding a common word reads most
        # of the table (the tsvector is in the row). ts_rank_cd does not weigh rarity, so a
        # row with one common word could have ranked first; such rows are now left out when
        # enough rows hold a rare word or two common ones.
        tsquery = f"to_tsquery('{PG_CONFIG}', :fts_query)"
        probe = (
            f"SELECT 1 FROM {t} WHERE {t}.{index.tsv_column} @@ to_tsquery('{PG_CONFIG}', {{q}})"
        )
        candidates = _candidates(len(terms), probe, " | ", " & ", ":fts_query")
        return Match(
            join="",
            where=f"{t}.{index.tsv_column} @@ to_tsquery('{PG_CONFIG}', {candidates})",
            rank=f"ts_rank_cd({t}.{index.tsv_column}, {tsquery})",
            params={"fts_query": pg_tsquery(query)}
            | {f"fts_t{n}": term for n, term in enumerate(terms)},
        )
    raise ValueError(f"no full-text index for the {dialect} dialect")


def _candidates(count: int, probe: str, any_of: str, both: str, everything: str) -> str:
    """A scalar subquery giving the query text of the candidates: each rare term, and each pair
    of common terms; the whole query when those are in fewer than MIN_CANDIDATES rows (too few
    to be sure of the best). It runs once per search (an uncorrelated subquery): one probe per
    term and one of the candidates, each reading at most COMMON_ROWS + 1 rows."""
    probes = ", ".join(
        f"(SELECT count(*) FROM ({probe.format(q=f':fts_t{n}')} LIMIT {COMMON_ROWS + 1})"
        f" AS p{n}) AS n{n}"
        for n in range(count)
    )
    common = [f"n{n} > {COMMON_ROWS}" for n in range(count)]
    pieces = [
        f"CASE WHEN {common[n]} THEN '' ELSE '{any_of}' || :fts_t{n} END" for n in range(count)
    ]
    pieces += [
        f"CASE WHEN {common[a]} AND {common[b]} THEN '{any_of}(' || :fts_t{a} || '{both}'"
        f" || :fts_t{b} || ')' ELSE '' END"
        for a in range(count)
        for b in range(a + 1, count)
    ]
    # Nothing rare and a single common term leave no candidates: the whole query then.
    pruned = f"coalesce(nullif(substr({' || '.join(pieces)}, {len(any_of) + 1}), ''), {everything})"
    enough = (
        f"(SELECT count(*) FROM ({probe.format(q='fts_cand.q')} LIMIT {MIN_CANDIDATES})"
        f" AS pc) >= {MIN_CANDIDATES}"
    )
    return (
        f"(WITH fts_probe AS MATERIALIZED (SELECT {probes}),"
        f" fts_cand AS MATERIALIZED (SELECT CASE WHEN {' OR '.join(common)} THEN {pruned}"
        f" ELSE {everything} END AS q FROM fts_probe)"
        f" SELECT CASE WHEN {enough} THEN fts_cand.q ELSE {everything} END FROM fts_cand)"
    )
