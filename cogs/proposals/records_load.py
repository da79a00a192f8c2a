"""Reading a community's proposals for /ask: published drafts, followed Snapshot and Governor
votes, and what became of them, as `ProposalRecord`s.

A draft counts once it is published (a publication with its link; one still in flight or given
back after a failure does not). A draft published to Snapshot and the Snapshot vote followed
for it are one proposal: the draft's text with the vote's outcome. A Governor proposal's text is
its description; a Snapshot proposal's, its body as the follower last saw it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.proposals.draft_doc import TODO, DraftDoc
from cogs.proposals.draft_models import ProposalDraft, ProposalDraftVersion
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.publish_models import Publication
from cogs.proposals.records_rules import MAX_BODY, ProposalRecord, VoteFacts, clip
from cogs.proposals.vote_models import FollowedProposal, VoteAnnouncement

STEPS = ("closed", "queued", "executed", "canceled")
# Sections that say how to vote or where the debate was, not what is asked.
SKIPPED_SECTIONS = frozenset({"voting_options", "discussion"})


async def load_records(db: Database, community_id: int) -> list[ProposalRecord]:
    async with db.read() as session:
        votes = await _votes(session, community_id)
        descriptions = await _descriptions(session, community_id)
        drafts = await _published_drafts(session, community_id, votes)
    records = [r for r, _ in drafts]
    taken = {key for _, keys in drafts for key in keys}
    for key, (row, facts) in votes.items():
        if key not in taken:
            text = descriptions.get(key) or row.body
            body = _description_body(text, row.title)
            title = row.title or key
            records.append(ProposalRecord(key, title, body, row.link, None, facts))
    return records


async def _votes(
    session: AsyncSession, community_id: int
) -> dict[str, tuple[FollowedProposal, VoteFacts]]:
    steps: dict[str, dict[str, datetime]] = defaultdict(dict)
    announced = await session.exec(
        select(VoteAnnouncement).where(
            VoteAnnouncement.community_id == community_id,
            col(VoteAnnouncement.kind).in_(STEPS),
        )
    )
    for a in announced.all():
        at = as_utc(a.announced_at)
        if at is not None:
            steps[a.proposal_key][a.kind] = at
    rows = await session.exec(
        select(FollowedProposal).where(FollowedProposal.community_id == community_id)
    )
    found = {}
    for row in rows.all():
        facts = VoteFacts(
            state=row.state,
            result=row.result,
            choices=tuple(row.choices),
            scores=tuple(float(s) for s in row.scores),
            total=row.total,
            starts_at=as_utc(row.starts_at),
            ends_at=as_utc(row.ends_at),
            updated_at=as_utc(row.updated_at),
            steps=dict(steps.get(row.key, {})),
        )
        found[row.key] = (row, facts)
    return found


async def _descriptions(session: AsyncSession, community_id: int) -> dict[str, str]:
    rows = await session.exec(
        select(GovernorProposal).where(GovernorProposal.community_id == community_id)
    )
    return {row.key: row.description for row in rows.all()}


async def _published_drafts(
    session: AsyncSession,
    community_id: int,
    votes: dict[str, tuple[FollowedProposal, VoteFacts]],
) -> list[tuple[ProposalRecord, set[str]]]:
    """Each published draft's record, with the keys of the followed votes it stands for."""
    found = await session.exec(
        select(Publication).where(Publication.community_id == community_id, Publication.url != "")
    )
    publications: dict[int, list[Publication]] = defaultdict(list)
    for publication in found.all():
        publications[publication.draft_id].append(publication)
    if not publications:
        return []
    drafts = await session.exec(
        select(ProposalDraft).where(
            ProposalDraft.community_id == community_id,
            col(ProposalDraft.id).in_(list(publications)),
        )
    )
    versions = await session.exec(
        select(ProposalDraftVersion).where(
            col(ProposalDraftVersion.draft_id).in_(list(publications))
        )
    )
    docs = {(v.draft_id, v.number): v.doc for v in versions.all()}
    records = []
    for draft in drafts.all():
        pubs = sorted(publications[draft.id or 0], key=lambda p: p.target)
        doc_json = docs.get((draft.id or 0, max(p.draft_version for p in pubs)))
        if doc_json is None:
            continue
        doc = DraftDoc.from_json(doc_json)
        keys = {f"snapshot:{p.external_id}" for p in pubs if p.target == "snapshot"}
        vote = next((votes[k][1] for k in sorted(keys) if k in votes), None)
        # The vote's page when there is one (Snapshot sorts after forum), else the topic.
        url = pubs[-1].url
        published = [at for p in pubs if (at := as_utc(p.published_at)) is not None]
        record = ProposalRecord(
            key=f"draft:{draft.number}",
            title=doc.title,
            body=draft_body(doc),
            url=url,
            published_at=min(published, default=None),
            vote=vote,
            places=tuple(p.target for p in pubs),
            discussion=draft.source_key if draft.source_key.startswith("discourse:") else "",
        )
        records.append((record, keys))
    return records


def draft_body(doc: DraftDoc) -> str:
    """What the draft asks: each filled section as "Heading: text", clipped."""
    parts = _sections(
        (s.heading, s.text)
        for s in doc.sections
        if s.key not in SKIPPED_SECTIONS and TODO not in s.text
    )
    return clip(parts, MAX_BODY)


def _sections(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{heading}: {text.strip()}" for heading, text in pairs if text.strip())


def _description_body(description: str, title: str) -> str:
    """A Governor description or Snapshot body without its first line when that line is the
    title."""
    lines = description.strip().splitlines()
    if lines and title and title.rstrip("…") in lines[0]:
        lines = lines[1:]
    return clip("\n".join(lines), MAX_BODY)
