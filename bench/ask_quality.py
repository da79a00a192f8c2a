"""How far /ask can be trusted: every question of bench/eval/ask/questions.json asked through
/ask in a real Steward holding the Larkspur history (bench/ask_history.py), offline and with
the fake model (tests/fakes/openai_server.py), scored against the labels.

    .venv/bin/python -m bench.ask_quality [--verbose] [--mode offline|model|both]
                                          [--postgres postgresql://…/db]
                                          [--questions bench/eval/ask/heldout.json]

`--questions` scores another set in the same format: bench/eval/ask/heldout.json is the
held-out set, written blind after the ranking was tuned on questions.json.

Printed per mode (goals from issue 15):
- answer recall at 5: the reply's first five passages (cited or quoted, by URL) hold one of the
  question's `answers` (answerable and changed questions asked by a member; steward-only ones
  asked by a steward); goal 90 %;
- citation precision: citations that resolve to a stored passage whose text holds the quote
  (a link without a quote counts when it resolves); goal 100 %;
- refusals: unanswerable questions answered "I found nothing about that"; goal 90 %;
- current first: changed questions whose first current passage comes before every superseded
  one shown;
- visibility violations: a steward-only message (its link or its words) in a reply to a member,
  whatever the question; goal 0.

The reply is read as /ask gives it (`cogs.knowledge` `AskService.ask`'s answer when it exposes
its passages, else the console's text): the bench judges what a member sees.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.ask_history import (
    DOCS_BASE_URL,
    NOW,
    QUESTIONS,
    History,
    ask_settings,
    build_forum,
    console,
    expand,
    load,
    load_history,
)
from bot.app import App
from bot.commands.spec import Role
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI
from tests.support.apps import running_app

REFUSAL = "i found nothing about that"
URL = re.compile(r"https?://[^\s)\]>|\"'`]+")
TOP = 5
GOALS = {"recall": 0.9, "citations": 1.0, "refusals": 0.9}


class BenchClock:
    """The history's "now" (1 November 2025) for every date; real time for waiting."""

    def now(self) -> datetime:
        return NOW

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Question:
    id: str
    kinds: tuple[str, ...]
    text: str
    answers: tuple[str, ...]
    superseded: tuple[str, ...]
    note: str = ""


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    rows = json.loads(path.read_text())["questions"]
    return [
        Question(
            r["id"],
            tuple(r["kinds"]),
            r["question"],
            tuple(r["answers"]),
            tuple(r["superseded"]),
            r.get("note", ""),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Citation:
    url: str
    quote: str = ""  # "" when the reply links a passage without quoting words of it


@dataclass(frozen=True)
class Answer:
    """What one /ask showed: refused or not, its passages in the order shown, its text."""

    refused: bool
    citations: tuple[Citation, ...]
    text: str

    @property
    def urls(self) -> list[str]:
        """Passage links in the order shown, each once."""
        seen: list[str] = []
        for citation in self.citations:
            if citation.url not in seen:
                seen.append(citation.url)
        return seen


def _clean_url(url: str) -> str:
    return url.rstrip(".,;:!?*_")


def answer_from_text(text: str, passage_prefixes: Sequence[str]) -> Answer:
    """The console's reply: links to passages (of the forum, Discord, Telegram, the handbook)
    in the order printed, each with the words quoted under it (Markdown `> ` lines, up to the
    next link); links inside quoted words are no citations."""
    citations: list[Citation] = []
    current: str | None = None
    quoted: list[str] = []

    def close() -> None:
        if current is not None:
            citations.append(Citation(current, " … ".join(quoted)))

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">"):
            quoted.append(stripped.lstrip("> ").strip())
            continue
        for url in (_clean_url(u) for u in URL.findall(line)):
            if url.startswith(tuple(passage_prefixes)):
                close()
                current, quoted = url, []
    close()
    return Answer(REFUSAL in text.lower(), tuple(citations), text)


def answer_from_service(result: Any, text: str) -> Answer | None:
    """A structured answer, when the ask service returns one holding its passages (duck-typed:
    the bench must not depend on /ask's internals to judge it)."""
    passages = getattr(result, "passages", None)
    if passages is None:
        return None
    citations: list[Citation] = []
    quotes = getattr(result, "quotes", None) or {}
    for passage in passages:
        url = getattr(passage, "url", "")
        if url:
            citations.append(Citation(url, str(quotes.get(getattr(passage, "key", ""), ""))))
    refused = bool(getattr(result, "refused", False) or getattr(result, "unanswerable", False))
    return Answer(refused or REFUSAL in text.lower(), tuple(citations), text)


def passage_prefixes(forum_url: str) -> tuple[str, ...]:
    return (f"{forum_url}/t/", "https://discord.com/channels/", "https://t.me/", DOCS_BASE_URL)


async def ask(app: App, question: Question, role: Role, forum_url: str) -> Answer:
    """One newcomer asks one question: a console user of their own, so no question is taken
    for a follow-up of another."""
    user = f"newcomer-{question.id}-{role.name.lower()}"
    text = await console(app, f"/ask {question.text}", role, user)
    return answer_from_text(text, passage_prefixes(forum_url))


# ----- scoring ---------------------------------------------------------------------------------


def normal(text: str) -> str:
    """Case, spaces, curly quotes and Markdown emphasis put aside, as a quote is compared."""
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[*`]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def holds(stored: str, quote: str) -> bool:
    """Every piece of the quote (pieces are cut at "…", where the reply trimmed it) is in the
    stored passage."""
    whole = normal(stored)
    pieces = [normal(p) for p in re.split(r"…|\.\.\.", quote)]
    return all(p in whole for p in pieces if len(p) > 2)


@dataclass
class Miss:
    question: Question
    what: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Score:
    mode: str
    recall: list[bool] = field(default_factory=list)
    citations_valid: int = 0
    citations: int = 0
    refusals: list[bool] = field(default_factory=list)
    current_first: list[bool] = field(default_factory=list)
    false_refusals: int = 0
    # Replies that neither refuse nor show a passage: an error, or an answer citing nothing.
    empty: int = 0
    violations: int = 0
    model_calls: int | None = None  # requests the fake model received (model mode)
    misses: list[Miss] = field(default_factory=list)
    seconds: float = 0.0

    @staticmethod
    def share(values: Sequence[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    @property
    def precision(self) -> float | None:
        return self.citations_valid / self.citations if self.citations else None


class Judge:
    """Scores answers against the labels and the stored passages."""

    def __init__(self, history: History, forum_url: str, passages: dict[str, str]) -> None:
        self.forum_url = forum_url
        self.private_urls = history.private_urls()
        self.private_texts = [
            normal(line.text) for c in history.private_channels for line in c.lines
        ]
        self.passages = passages  # url -> stored text, every source, hidden ones included

    def urls(self, urls: Sequence[str]) -> set[str]:
        return {expand(u, self.forum_url) for u in urls}

    def citations(self, answer: Answer, score: Score, question: Question) -> None:
        if not answer.refused and not answer.citations:
            score.empty += 1
            score.misses.append(Miss(question, f"neither refused nor cited: {answer.text[:200]!r}"))
        for citation in answer.citations:
            score.citations += 1
            stored = self.passages.get(citation.url)
            valid = stored is not None and holds(stored, citation.quote)
            score.citations_valid += valid
            if not valid:
                why = "no stored passage" if stored is None else "quote not in the passage"
                shown = [citation.url, citation.quote[:200]]
                score.misses.append(Miss(question, f"citation invalid: {why}", shown))

    def visibility(self, answer: Answer, score: Score, question: Question) -> None:
        shown = normal(answer.text)
        leaked = [u for u in answer.urls if u in self.private_urls]
        leaked += [t[:60] for t in self.private_texts if len(t) >= 25 and t in shown]
        if leaked:
            score.violations += 1
            score.misses.append(Miss(question, "steward-only passage shown to a member", leaked))

    def answered(self, answer: Answer, score: Score, question: Question) -> None:
        wanted = self.urls(question.answers)
        top = answer.urls[:TOP]
        found = bool(wanted & set(top))
        score.recall.append(found)
        if answer.refused and not found:
            score.false_refusals += 1
        if not found:
            what = "refused" if answer.refused else "no labelled passage in the first five"
            score.misses.append(Miss(question, what, top))
        if "changed" in question.kinds:
            old = self.urls(question.superseded)
            shown = answer.urls
            first_current = next((i for i, u in enumerate(shown) if u in wanted), None)
            first_old = next((i for i, u in enumerate(shown) if u in old), None)
            ok = first_current is not None and (first_old is None or first_current < first_old)
            score.current_first.append(ok)
            if not ok and found:
                score.misses.append(
                    Miss(question, "a superseded passage before the current", shown)
                )

    def refused(self, answer: Answer, score: Score, question: Question) -> None:
        score.refusals.append(answer.refused)
        if not answer.refused:
            score.misses.append(Miss(question, "answered an unanswerable question", answer.urls))


async def stored_passages(app: App, community_id: int) -> dict[str, str]:
    """Every live passage of the community by URL, from each registered source's listing."""
    found: dict[str, str] = {}
    for source in app.records.sources:
        after: str | None = None
        while True:
            page = await source.listing(community_id, after, 500)
            for passage in page.passages:
                if passage.url:
                    # A reply may show the title (a heading path) with the quoted words.
                    found.setdefault(passage.url, f"{passage.title}\n{passage.text}")
            if page.after is None:
                break
            after = page.after
    return found


async def score_mode(
    mode: str, history: History, questions: Sequence[Question], db_url: str, tmp: Path
) -> Score:
    score = Score(mode)
    fake = FakeDiscourse(build_forum(history), limits=RateLimits.off())
    await fake.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            model: FakeOpenAI | None = None
            if mode == "model":
                model = await stack.enter_async_context(FakeOpenAI(api_key="bench"))
            model_url = model.base_url if model is not None else None
            settings = ask_settings(tmp, db_url, fake.base_url, history, model_url)
            app = await stack.enter_async_context(
                running_app(settings, extra=(), clock=BenchClock())
            )
            said = await load(app, history)
            for step, line in said.items():
                print(f"  {step}: {line}", flush=True)
            community = await app.communities.by_slug("larkspur")
            assert community is not None
            judge = Judge(history, fake.base_url, await stored_passages(app, community.id))
            print(f"  {len(judge.passages)} passages stored with a link", flush=True)
            started = time.perf_counter()
            for question in questions:
                member = await ask(app, question, Role.MEMBER, fake.base_url)
                judge.citations(member, score, question)
                judge.visibility(member, score, question)
                if "unanswerable" in question.kinds:
                    judge.refused(member, score, question)
                elif "steward-only" in question.kinds:
                    steward = await ask(app, question, Role.STEWARD, fake.base_url)
                    judge.citations(steward, score, question)
                    judge.answered(steward, score, question)
                else:
                    judge.answered(member, score, question)
            score.seconds = time.perf_counter() - started
            if model is not None:
                score.model_calls = len(model.requests)
    finally:
        await fake.stop()
    return score


# ----- report ----------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return ""
    return "✓" if value >= goal else f"✗ (goal {goal:.0%})"


def render(
    scores: Sequence[Score],
    questions: Sequence[Question],
    verbose: bool,
    source: Path = QUESTIONS,
) -> str:
    lines = [f"/ask quality over {len(questions)} questions ({shown_path(source)})", ""]
    head = f"{'':34}" + "".join(f"{s.mode:>16}" for s in scores)
    lines.append(head)

    def row(name: str, values: list[str]) -> None:
        lines.append(f"{name:34}" + "".join(f"{v:>16}" for v in values))

    row(
        "answer recall at 5",
        [f"{percent(Score.share(s.recall))} ({sum(s.recall)}/{len(s.recall)})" for s in scores],
    )
    row(
        "citation precision",
        [f"{percent(s.precision)} ({s.citations_valid}/{s.citations})" for s in scores],
    )
    row(
        "unanswerable refused",
        [
            f"{percent(Score.share(s.refusals))} ({sum(s.refusals)}/{len(s.refusals)})"
            for s in scores
        ],
    )
    row(
        "changed: current answer first",
        [
            f"{percent(Score.share(s.current_first))} "
            f"({sum(s.current_first)}/{len(s.current_first)})"
            for s in scores
        ],
    )
    row("answerable refused", [str(s.false_refusals) for s in scores])
    row("replies with no passage", [str(s.empty) for s in scores])
    row("visibility violations", [str(s.violations) for s in scores])
    row("model calls", ["-" if s.model_calls is None else str(s.model_calls) for s in scores])
    row("seconds asking", [f"{s.seconds:.1f}" for s in scores])
    lines.append("")
    for s in scores:
        goals = [
            ("recall@5", Score.share(s.recall), GOALS["recall"]),
            ("citations", s.precision, GOALS["citations"]),
            ("refusals", Score.share(s.refusals), GOALS["refusals"]),
        ]
        said = ", ".join(f"{n} {verdict(v, g)}" for n, v, g in goals)
        said += ", visibility ✓" if s.violations == 0 else f", visibility ✗ ({s.violations})"
        lines.append(f"{s.mode}: {said}")
        if s.model_calls == 0:
            lines.append("  (the model was never called: /ask answered offline in this mode)")
        if verbose:
            for miss in s.misses:
                q = miss.question
                lines.append(f"  {q.id} [{','.join(q.kinds)}] {q.text}")
                lines.append(f"      {miss.what}")
                for url in miss.shown[:TOP]:
                    lines.append(f"      shown: {url}")
    return "\n".join(lines)


def shown_path(path: Path) -> str:
    """The set's path as typed from the checkout's root, when it lies inside it."""
    root = QUESTIONS.parents[3]
    resolved = path.resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


@contextlib.asynccontextmanager
async def database(postgres: str | None, tmp: Path) -> AsyncIterator[str]:
    """A SQLite file, or a fresh schema of the PostgreSQL database given (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{tmp / 'steward.db'}"
        return
    schema = f"ask_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(postgres, autocommit=True) as connection:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in postgres else "?"
            yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
        finally:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def run(
    modes: Sequence[str], postgres: str | None, questions: Sequence[Question]
) -> list[Score]:
    history = load_history()
    scores = []
    for mode in modes:
        print(f"{mode}:", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            async with database(postgres, Path(folder)) as url:
                scores.append(await score_mode(mode, history, questions, url, Path(folder)))
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--mode", choices=("offline", "model", "both"), default="both")
    parser.add_argument("--postgres", help="a PostgreSQL URL to run on instead of SQLite")
    parser.add_argument("--only", help="question ids to ask, comma-separated")
    parser.add_argument(
        "--questions",
        type=Path,
        default=QUESTIONS,
        help="the question set to score (default: bench/eval/ask/questions.json; "
        "the held-out set is bench/eval/ask/heldout.json)",
    )
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)
    if args.only:
        wanted = set(args.only.split(","))
        questions = [q for q in questions if q.id in wanted]
    modes = ("offline", "model") if args.mode == "both" else (args.mode,)
    scores = asyncio.run(run(modes, args.postgres, questions))
    print()
    print(render(scores, questions, args.verbose, args.questions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
