"""The debates feature's part of a steward's digest (bot/digest_parts.py): the hottest debates of
the period, two sentences each, and the posts per day of each source for the chart.

Built from stored posts in a fixed number of grouped queries, whatever the data's size: the
sources; posts per source and day; per debate (a forum topic, a chat channel, thread or topic),
its new messages (not deleted; a file shared counts), the people who wrote them and how many
of them wrote there for the first time;
then, for the few debates shown, their threads, their latest summaries and a bounded sample of
their posts. Debates rank by new posts plus NEW_PERSON_WEIGHT per new participant.

What each says comes from its stored summary when one was made since the period began; a debate
without one gets at most one model call (when the digest may use the model and one is
configured), whose summary is stored for the next digest and /summarize's readers, and whose
tokens /usage shows under "digest"; otherwise two sentences from its own posts, offline.

Debates have no notion of private or steward-only channels: every ingested channel is in every
digest of its community (channels that should stay private are not to be ingested).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from bot.commands.community import CommunityService
from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section, Series
from bot.storage.database import Database
from cogs.debates import channels, store
from cogs.debates import digest_queries as queries
from cogs.debates.digest_queries import Heat, Sampled
from cogs.debates.digest_text import DigestSummarizer, ModelSummary, offline_text, two_sentences
from cogs.debates.models import ModelUsage, Source, Summary, Thread
from cogs.debates.render import clean
from summarizer.errors import ModelError

log = logging.getLogger(__name__)

COMMAND = "digest"  # what /usage calls the model use of digests
TOP = 6  # debates shown
OFFLINE_SAMPLE = 30  # posts the offline summarizer reads: the latest, and the opening post
KIND_NAMES = {"discord": "Discord", "telegram": "Telegram"}


class DebatesDigest:
    name = "debates"

    def __init__(
        self,
        db: Database,
        communities: CommunityService,
        summarizer: DigestSummarizer | None,
    ) -> None:
        self._db = db
        self._communities = communities
        self._summarizer = summarizer

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        async with self._db.read() as session:
            sources = {s.id or 0: s for s in await store.sources_of(session, request.community_id)}
            if not sources:
                return DigestPart(self.name)
            counts = await queries.activity(session, request, list(sources))
            heat = sorted(
                await queries.heat(session, request, list(sources)),
                key=lambda h: (-h.score, -h.people, -h.last.timestamp(), h.thread_id),
            )[:TOP]
            ids = [h.thread_id for h in heat]
            threads = await queries.threads(session, ids)
            summaries = await queries.summaries(session, ids, request.start)
            samples = await queries.samples(session, request, ids)
        part = _Built()
        unsummarized = any(h.thread_id not in summaries for h in heat)
        summarizer = await self._summarizer_for(request) if unsummarized else None
        for rank, h in enumerate(heat):
            thread, parent = threads[h.thread_id]
            source = sources[thread.source_id]
            posts = samples.get(h.thread_id, [])
            stored = summaries.get(h.thread_id)
            text = await self._text(request, summarizer, thread, source, stored, posts, part)
            part.items.append(_item(h, thread, parent, source, text, posts, len(heat) - rank))
        await self._store(request, part, summarizer.model_name if summarizer else None)
        return DigestPart(
            self.name,
            items=tuple(part.items),
            series=_series(request, sources, counts),
            problems=tuple(part.problems),
            model_calls=part.calls,
            prompt_tokens=part.prompt_tokens,
            completion_tokens=part.completion_tokens,
        )

    async def _text(
        self,
        request: DigestRequest,
        summarizer: DigestSummarizer | None,
        thread: Thread,
        source: Source,
        stored: Summary | None,
        posts: list[Sampled],
        part: _Built,
    ) -> str:
        forum = source.kind == "discourse"
        if stored is not None:
            content = stored.content.get("summary")
            tldr = content.get("tldr") if isinstance(content, dict) else None
            if isinstance(tldr, str) and two_sentences(tldr):
                return two_sentences(tldr)
        inputs = [p.input for p in posts]
        if inputs and summarizer is not None:
            made = await self._model_summary(summarizer, request, thread, posts, forum, part)
            if made is not None and two_sentences(made.summary.tldr):
                return two_sentences(made.summary.tldr)
        title = thread.title if forum else channels.label(thread.title, source.kind)
        sample = inputs[:1] + inputs[1:][-OFFLINE_SAMPLE:]  # the opening post or first message
        return offline_text(sample, title, forum=forum, since=request.start)

    async def _summarizer_for(self, request: DigestRequest) -> DigestSummarizer | None:
        """The model, when one is configured, the digest may use it and the community has not
        turned model use off."""
        if self._summarizer is None or not request.allow_model:
            return None
        community = await self._communities.by_id(request.community_id)
        return self._summarizer if community is not None and community.get("ai") != "off" else None

    async def _model_summary(
        self,
        summarizer: DigestSummarizer,
        request: DigestRequest,
        thread: Thread,
        posts: list[Sampled],
        forum: bool,
        part: _Built,
    ) -> ModelSummary | None:
        opening = forum and bool(posts) and posts[0].number == 1
        inputs = [p.input for p in posts]
        try:
            made = await summarizer.summarize(inputs, thread.title, opening=opening)
        except ModelError as exc:
            log.warning("digest summary fell back to offline", extra={"error": str(exc)})
            part.problems.append(f"Debates: the language model failed ({str(exc)[:120]}).")
            return None
        part.calls += len(made.calls.calls)
        part.prompt_tokens += made.calls.prompt_tokens
        part.completion_tokens += made.calls.completion_tokens
        part.cost_usd += sum(c.cost(summarizer.model_name) for c in made.calls.calls)
        part.made.append(_summary_row(request, thread, made, posts))
        return made

    async def _store(self, request: DigestRequest, part: _Built, model: str | None) -> None:
        """The summaries made and the model's use, in one transaction: the next digest reuses
        the summaries, /usage shows the tokens under /digest."""
        if not part.made and not part.calls:
            return
        async with self._db.transaction() as session:
            session.add_all(part.made)
            if part.calls and model is not None:
                session.add(
                    ModelUsage(
                        community_id=request.community_id,
                        command=COMMAND,
                        model=model,
                        calls=part.calls,
                        prompt_tokens=part.prompt_tokens,
                        completion_tokens=part.completion_tokens,
                        cost_usd=part.cost_usd,
                    )
                )


def _summary_row(
    request: DigestRequest, thread: Thread, made: ModelSummary, posts: list[Sampled]
) -> Summary:
    """The summary, as /summarize stores one, under a window of its own, which /summarize never
    compares its own windows with."""
    label = f"{request.start:%d %b %Y %H:%M} to {request.end:%d %b %Y %H:%M} UTC"
    return Summary(
        community_id=request.community_id,
        thread_id=thread.id or 0,
        model=made.provenance.model,
        prompt_version=made.provenance.prompt_version,
        posts_covered=made.provenance.posts_covered,
        last_post_id=max((p.id for p in posts), default=None),
        prompt_tokens=made.provenance.prompt_tokens,
        completion_tokens=made.provenance.completion_tokens,
        extractive=False,
        content={
            "kind": "debate",
            "window": {"key": f"digest:{request.start.isoformat()}", "label": label},
            "summary": made.summary.model_dump(),
            "provenance": made.provenance.model_dump(mode="json"),
        },
    )


@dataclass
class _Built:
    items: list[DigestItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    made: list[Summary] = field(default_factory=list)  # summaries the model made, to store
    cost_usd: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _item(
    heat: Heat,
    thread: Thread,
    parent: Thread | None,
    source: Source,
    said: str,
    posts: list[Sampled],
    rank: int,
) -> DigestItem:
    stats = (
        f"{heat.posts} new post{'s' if heat.posts != 1 else ''} from {heat.people} "
        f"{'person' if heat.people == 1 else 'people'} ({heat.new_people} new)"
    )
    title = _title(thread, parent, source)
    text = f"**{title}** · {stats}" + (f". {said}" if said else ".")
    return DigestItem(
        section=Section.DEBATES,
        text=text,
        url=_link(thread, source, posts),
        at=heat.last,
        rank=float(rank) + heat.score / 1_000_000,
        key=f"debate:{source.kind}:{source.key}:{thread.external_id}",
    )


def _title(thread: Thread, parent: Thread | None, source: Source) -> str:
    if source.kind == "discourse":
        title = thread.title
    else:
        where = f" in {channels.label(parent.title, source.kind)}" if parent is not None else ""
        title = f"{channels.label(thread.title, source.kind)}{where} ({_source_label(source)})"
        if parent is None and thread.title == source.name:
            title = _source_label(source)  # a Telegram group: the chat is the source
    # Untrusted: no pings, and nothing that would open Markdown around the rest of the line.
    title = clean(title).replace("*", "").replace("`", "").replace("[", "(").replace("]", ")")
    return title[:150]


def _link(thread: Thread, source: Source, posts: list[Sampled]) -> str | None:
    """A forum topic's page; a chat debate's first new message, else its channel."""
    if source.kind == "discourse":
        return thread.url or None
    first = next((p for p in posts if p.url), None)
    if first is not None:
        return first.url
    if source.kind == "discord":
        return f"https://discord.com/channels/{source.key}/{thread.external_id}"
    return thread.url or None


def _source_label(source: Source) -> str:
    """ "forum.example.org", "Discord Acme", "Telegram Acme chat"."""
    if source.kind == "discourse":
        return urlsplit(source.key).netloc or source.name
    return f"{KIND_NAMES.get(source.kind, source.kind.capitalize())} {source.name}"


def _series(
    request: DigestRequest, sources: dict[int, Source], counts: dict[int, dict[date, int]]
) -> tuple[Series, ...]:
    """Posts per day of each source with posts in the period, every day of it shown."""
    days = _days(request.start, request.end)
    return tuple(
        Series(
            chart="activity",
            label=_source_label(sources[source_id]),
            unit="posts",
            points=tuple((datetime.combine(d, time(), UTC), float(by_day.get(d, 0))) for d in days),
        )
        for source_id, by_day in sorted(
            counts.items(), key=lambda kv: _source_label(sources[kv[0]])
        )
    )


def _days(start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
