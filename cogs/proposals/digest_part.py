"""The proposals feature's part of a steward's digest (`bot.digest_parts.DigestSource`).

Built from stored data only, in five queries whatever the number of proposals: the followed
proposals of the period (Snapshot and Governor, `vote_models.FollowedProposal`), the queued
Governor proposals, the reader's votes seen (`digest_models.VoteSeen`), the community's drafts
at their latest version, and where drafts were published. The items themselves are made by
`digest_items.py`:

- Needs you now (a member with linked wallets): votes ending within 48 h of the period's end
  that none of their wallets has cast, as far as the votes recorded show (Governor votes from
  the watcher's VoteCast events; Snapshot votes from the hub every `digest_votes.VOTES_EVERY`);
  and their unpublished drafts that fail a publishing check (`publish_checks`, the forum's
  rules, as `/draft check` does by default).
- Votes: proposals whose vote opened, and closed, in the period, with the tally and quorum.
- Coming up: votes ending within 7 days, queued Governor proposals with their ETA, and the
  dates of drafts' Timeline sections within 30 days.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.digest_parts import DigestItem, DigestPart, DigestRequest
from bot.storage.models import as_utc
from cogs.proposals import digest_items as items
from cogs.proposals.digest_models import VoteSeen
from cogs.proposals.digest_timeline import deadlines, is_timeline
from cogs.proposals.digest_votes import VOTES_EVERY, SnapshotVotes
from cogs.proposals.draft_doc import DraftDoc
from cogs.proposals.draft_models import ProposalDraft, ProposalDraftVersion
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.publish_checks import blocking, check_draft
from cogs.proposals.publish_drafts import checked_draft
from cogs.proposals.publish_limits import forum_limits
from cogs.proposals.publish_models import Publication
from cogs.proposals.runtime import Proposals
from cogs.proposals.snapshot_hub import SnapshotHub
from cogs.proposals.vote_models import FollowedProposal

# Drafts read for a digest: the most recently edited.
DRAFTS_READ = 200


@dataclass(frozen=True)
class Draft:
    id: int
    number: int
    doc: DraftDoc
    template: str
    written: datetime  # when its latest version was written
    author: tuple[str, str]  # (platform, user id) of whoever made it
    link: str | None  # where it was published, else the discussion it came from
    published: bool


class ProposalsDigest:
    name = "proposals"

    def __init__(self, proposals: Proposals) -> None:
        self.proposals = proposals

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        end, reader = request.end, request.reader
        member = reader.user_id is not None and bool(reader.addresses)
        async with self.proposals.ctx.db.read() as session:
            votes = await _votes(session, request)
            queued = await _queued(session, request.community_id)
            urgent = [v.key for v in votes if _ends_within(v, end, items.NEEDS_YOU_WITHIN)]
            voted: set[str] = set()
            if member and urgent:
                voted = await _voted(session, request.community_id, urgent, reader.addresses)
            drafts = await _drafts(session, request.community_id)
        needs_you = {key for key in urgent if key not in voted} if member else set()
        found: list[DigestItem] = []
        for vote in votes:
            found += _vote_items(vote, request, needs_you)
        for row in queued:
            eta = datetime.fromtimestamp(row.eta, UTC) if row.eta else None
            link = self._governor_link(row.chain, row.governor, row.proposal_id)
            found.append(items.queued(row.key, row.title, eta, link, row.created_tx, end))
        if reader.user_id is not None:
            found += self._failing(drafts, (reader.platform, reader.user_id))
        for draft in drafts:
            found += _deadlines(draft, end)
        return DigestPart(self.name, items=tuple(found))

    def _governor_link(self, chain: str, governor: str, proposal_id: str) -> str | None:
        for config in self.proposals.config.governors:
            if config.chain == chain and config.address.lower() == governor.lower():
                return config.link.replace("{id}", proposal_id) if config.link else None
        return None

    def _failing(self, drafts: list[Draft], author: tuple[str, str]) -> list[DigestItem]:
        library = getattr(self.proposals.drafts, "templates", None)
        if library is None:
            return []  # drafting is not running: its templates are not loaded
        forum = self.proposals.config.forum
        limits = forum_limits(forum.max_title_length, forum.max_body_length)
        failing = []
        for draft in drafts:
            if draft.author != author or draft.published:
                continue
            template = library.templates.get(draft.template) or library.get(None)
            problems = blocking(check_draft(checked_draft(draft.doc, template), limits))
            if problems:
                failing.append(
                    items.failing_draft(
                        draft.number, draft.doc.title, problems, draft.link, draft.written
                    )
                )
        return failing


def _ends_within(vote: items.Vote, end: datetime, within: timedelta) -> bool:
    return not vote.closed and vote.ends_at is not None and end < vote.ends_at <= end + within


def _vote_items(vote: items.Vote, request: DigestRequest, needs_you: set[str]) -> list[DigestItem]:
    """A vote under Needs you now, Votes (opened, closed) and Coming up, as it applies."""
    start, end = request.start, request.end
    found = []
    if vote.key in needs_you:
        found.append(items.needs_vote(vote, end, request.reader.addresses))
    closed_in_period = vote.closed and vote.ends_at is not None and start <= vote.ends_at < end
    if vote.starts_at and start <= vote.starts_at < end and not closed_in_period:
        found.append(items.opened(vote, end))  # one that also closed is told once, closed
    if closed_in_period:
        found.append(items.closed(vote, end))
    if _ends_within(vote, end, items.COMING_UP_WITHIN) and vote.key not in needs_you:
        found.append(items.ending(vote, end))
    return found


def _deadlines(draft: Draft, end: datetime) -> list[DigestItem]:
    """The dates of the draft's timeline within the coming days."""
    return [
        items.deadline(draft.number, draft.doc.title, due, draft.link, end)
        for section in draft.doc.sections
        if is_timeline(section.key, section.heading)
        for due in deadlines(section.text, draft.written.date())
        if items.future(due, end)
    ]


async def _votes(session: AsyncSession, request: DigestRequest) -> list[items.Vote]:
    """Followed proposals whose vote opened in the period or ends after its start."""
    rows = await session.exec(
        select(FollowedProposal).where(
            FollowedProposal.community_id == request.community_id,
            or_(
                col(FollowedProposal.ends_at) >= request.start,
                col(FollowedProposal.starts_at) >= request.start,
            ),
        )
    )
    return [
        items.Vote(
            key=r.key,
            source=r.source,
            title=r.title,
            link=r.link,
            state=r.state,
            choices=tuple(r.choices),
            scores=tuple(float(s) for s in r.scores),
            total=r.total,
            quorum=r.quorum,
            voters=r.voters,
            result=r.result,
            starts_at=as_utc(r.starts_at),
            ends_at=as_utc(r.ends_at),
        )
        for r in rows.all()
    ]


async def _queued(session: AsyncSession, community_id: int) -> list[GovernorProposal]:
    """Queued Governor proposals (few: a proposal stays queued for its timelock only)."""
    rows = await session.exec(
        select(GovernorProposal).where(
            GovernorProposal.community_id == community_id, GovernorProposal.stage == "queued"
        )
    )
    return list(rows.all())


async def _voted(
    session: AsyncSession, community_id: int, keys: list[str], addresses: tuple[str, ...]
) -> set[str]:
    """Which of these proposals a wallet of the reader is seen to have voted on."""
    rows = await session.exec(
        select(VoteSeen.proposal_key).where(
            VoteSeen.community_id == community_id,
            col(VoteSeen.proposal_key).in_(keys),
            col(VoteSeen.voter).in_([a.lower() for a in addresses]),
        )
    )
    return set(rows.all())


async def _drafts(session: AsyncSession, community_id: int) -> list[Draft]:
    """The community's latest drafts at their latest version, with who made each and where
    each was published (two queries)."""
    latest = (
        select(
            col(ProposalDraftVersion.draft_id).label("draft_id"),
            func.max(ProposalDraftVersion.number).label("number"),
        )
        .join(ProposalDraft, col(ProposalDraft.id) == col(ProposalDraftVersion.draft_id))
        .where(ProposalDraft.community_id == community_id)
        .group_by(col(ProposalDraftVersion.draft_id))
        .subquery()
    )
    first = aliased(ProposalDraftVersion)
    rows = (
        await session.exec(
            select(ProposalDraft, ProposalDraftVersion, first.author_platform, first.author_id)
            .join(latest, latest.c.draft_id == col(ProposalDraft.id))
            .join(
                ProposalDraftVersion,
                and_(
                    col(ProposalDraftVersion.draft_id) == col(ProposalDraft.id),
                    col(ProposalDraftVersion.number) == latest.c.number,
                ),
            )
            .join(
                first,
                and_(col(first.draft_id) == col(ProposalDraft.id), col(first.number) == 1),
            )
            .where(ProposalDraft.community_id == community_id)
            .order_by(col(ProposalDraft.updated_at).desc())
            .limit(DRAFTS_READ)
        )
    ).all()
    published: dict[int, str] = {}
    for draft_id, url in (
        await session.exec(
            select(Publication.draft_id, Publication.url)
            .where(Publication.community_id == community_id)
            .order_by(col(Publication.id))
        )
    ).all():
        published.setdefault(draft_id, url)
    return [
        Draft(
            id=draft.id or 0,
            number=draft.number,
            doc=DraftDoc.from_json(version.doc),
            template=draft.template,
            written=as_utc(version.created_at) or datetime.now(UTC),
            author=(platform, user_id),
            link=published.get(draft.id or 0) or draft.source_url,
            published=(draft.id or 0) in published,
        )
        for draft, version, platform, user_id in rows
    ]


@asynccontextmanager
async def start_digest(proposals: Proposals) -> AsyncIterator[None]:
    """Register the feature's digest part, and the leader's job recording Snapshot votes."""
    ctx = proposals.ctx
    config = proposals.config
    ctx.digest_parts.register(ProposalsDigest(proposals))
    votes = SnapshotVotes(proposals, SnapshotHub(ctx.http, api_key=config.snapshot.key))
    proposals.digest_votes = votes
    for slug in config.snapshot.spaces:
        ctx.scheduler.every(f"proposals.digest_votes.{slug}", VOTES_EVERY, _job(votes, slug))
    yield


def _job(votes: SnapshotVotes, slug: str) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        await votes.record(slug)

    return job
