"""`/draft publish snapshot`: build the proposal, keep it for its author to sign, verify the
signature and hand the envelope to the sequencer.

The proposal is built once (space from `[proposals.snapshot] spaces`, choices from the draft's
voting options, start, end and voting type as the space imposes them on the hub, else from
`[proposals.publishing]`, the snapshot block from the space's network node) and stored as a
signing request: the typed data signed, verified and sent is exactly the one shown. The
signature comes from the signing page or is pasted in chat. A message the sequencer took
already ("duplicate message": its answer was lost, then the author tried again) is recorded as
published under the id its hash gives.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.commands.reply import Link, Reply, Tone
from bot.errors import UpstreamError, UserError
from bot.outbox import ToMember
from bot.storage.models import as_utc
from chain.errors import RpcError
from chain.node import ChainNode
from chain.snapshot import (
    SignatureRefused,
    SnapshotProposal,
    envelope,
    proposal_id,
    verify_signature,
)
from cogs.proposals.publish_models import Publication, SigningRequest
from cogs.proposals.publish_service import SNAPSHOT, Publisher, PublishingService
from cogs.proposals.snapshot_hub import SequencerRefused, SnapshotHub

NODE = "the space's network node"
# The sequencer's words for a message it has already taken (snapshot-sequencer).
DUPLICATE = "duplicate message"
log = logging.getLogger(__name__)


class UnknownSigningRequest(UserError):
    pass


@dataclass(frozen=True)
class ProposalContent:
    title: str
    body: str
    choices: tuple[str, ...]
    discussion: str


@dataclass(frozen=True)
class VotingTiming:
    delay: int  # seconds from signing to the start of the vote
    period: int  # seconds the vote lasts
    type: str


@dataclass(frozen=True)
class Signer:
    """Who asked to publish: the member (to find their request) and the address that signs."""

    platform: str
    user_id: str
    address: str


class SnapshotPublishing:
    def __init__(self, publications: PublishingService) -> None:
        self.publications = publications
        self.ctx = publications.ctx
        rpc = self.ctx.config.publishing.rpc
        self.node = ChainNode(rpc, self.ctx.http) if rpc else None

    def space_of(self, community_slug: str) -> str:
        spaces = self.ctx.config.snapshot.spaces_of(community_slug)
        if not spaces:
            raise UserError(
                "This community has no Snapshot space: the operator lists it in "
                "[proposals.snapshot] spaces."
            )
        return spaces[0]

    async def request(
        self, who: Publisher, signer: Signer, draft_id: int, version: int, content: ProposalContent
    ) -> tuple[SigningRequest, SnapshotProposal]:
        """A signing request for the draft's proposal, good for `signing_minutes`."""
        config = self.ctx.config.publishing
        space = self.space_of(who.community_slug)
        existing = await self.publications.publication(who.community_id, draft_id, SNAPSHOT)
        if existing is not None and existing.url:
            raise UserError(f"This draft is already on Snapshot: {existing.url}")
        block = await self._block()
        now = self.ctx.clock.now()
        timing = await self.timing(space)
        start = int(now.timestamp()) + timing.delay
        try:
            proposal = SnapshotProposal(
                space=space,
                author=signer.address,
                title=content.title,
                body=content.body,
                choices=content.choices,
                start=start,
                end=start + timing.period,
                snapshot=block,
                timestamp=int(now.timestamp()),
                type=timing.type,
                discussion=content.discussion,
                app=config.app,
            )
        except ValueError as exc:
            raise UserError(f"Cannot build the Snapshot proposal: {exc}.") from exc
        row = SigningRequest(
            nonce=secrets.token_hex(12),
            community_id=who.community_id,
            platform=signer.platform,
            user_id=signer.user_id,
            draft_id=draft_id,
            draft_version=version,
            author=proposal.author,
            proposal=json.dumps(proposal.message()),
            issued_at=now,
            expires_at=now + timedelta(minutes=config.signing_minutes),
        )
        async with self.ctx.db.transaction() as session:
            session.add(row)
        return row, proposal

    async def timing(self, space: str) -> VotingTiming:
        """The delay, period and type the space imposes (asked of the hub), else the config's:
        the sequencer refuses a proposal whose timing differs from its space's."""
        config = self.ctx.config.publishing
        snapshot = self.ctx.config.snapshot
        fixed = await SnapshotHub(self.ctx.http, api_key=snapshot.key).space_voting(
            snapshot.hub_url, space
        )
        if fixed is None:
            raise UserError(
                f"The Snapshot hub knows no space {space!r}: check [proposals.snapshot]."
            )
        return VotingTiming(
            delay=fixed.delay if fixed.delay is not None else config.voting_delay_minutes * 60,
            period=fixed.period if fixed.period is not None else config.voting_period_hours * 3600,
            type=fixed.type or config.voting_type,
        )

    async def find(self, nonce: str) -> SigningRequest | None:
        async with self.ctx.db.read() as session:
            return await session.get(SigningRequest, nonce)

    async def latest(self, community_id: int, platform: str, user_id: str) -> SigningRequest:
        async with self.ctx.db.read() as session:
            query = select(SigningRequest).where(
                SigningRequest.community_id == community_id,
                SigningRequest.platform == platform,
                SigningRequest.user_id == user_id,
            )
            found = (
                await session.exec(query.order_by(col(SigningRequest.issued_at).desc()))
            ).first()
        if found is None:
            raise UnknownSigningRequest(
                "You have no proposal to sign: start with /draft publish snapshot <address>."
            )
        return found

    def state(self, request: SigningRequest) -> str:
        expires_at = as_utc(request.expires_at)
        if request.used_at is not None:
            return "used"
        if expires_at is not None and expires_at <= self.ctx.clock.now():
            return "expired"
        return "open"

    async def complete(
        self, request: SigningRequest, signature: str, by: str, *, tell: bool = False
    ) -> Publication:
        """Verify the signature, send the envelope, record the publication. What the sequencer
        refuses is raised in its own words (SequencerRefused). `tell`: the author signed away
        from chat (the signing page), so the link also goes to them as a direct message."""
        state = self.state(request)
        if state != "open":
            why = "was used already" if state == "used" else "has expired"
            raise UserError(
                f"This signing request {why}: ask for a new one with /draft publish snapshot."
            )
        proposal = proposal_of(request)
        try:
            verified = await verify_signature(proposal, signature, node=self.node)
        except SignatureRefused as exc:
            raise UserError(exc.message) from exc
        except RpcError as exc:
            raise UpstreamError(NODE, exc.message, retryable=exc.retryable) from exc
        community = await self.ctx.communities.by_id(request.community_id)
        who = Publisher(request.community_id, community.slug if community else "", by)
        claim = await self.publications.claim(
            who, request.draft_id, request.draft_version, SNAPSHOT
        )
        snapshot = self.ctx.config.snapshot
        hub = SnapshotHub(self.ctx.http, api_key=snapshot.key)
        try:
            result = await hub.submit(
                snapshot.sequencer_url, envelope(proposal, verified.signature)
            )
            created = result.id
        except SequencerRefused as exc:
            if exc.description != DUPLICATE:
                await self.publications.release(claim)
                raise
            # This very message was accepted before (an answer lost on the way back, then a
            # second try): the proposal exists, under the id its EIP-712 hash gives.
            created = proposal_id(proposal)
        except BaseException:
            await self.publications.release(claim)
            raise
        url = self.ctx.config.publishing.proposal_url.format(space=proposal.space, id=created)
        published = await self._recorded(claim, created, url)
        async with self.ctx.db.transaction() as session:
            row = await session.get(SigningRequest, request.nonce)
            if row is not None:
                row.used_at = self.ctx.clock.now()
                session.add(row)
            if tell:
                await self.ctx.outbox.enqueue(
                    session,
                    key=f"proposals.snapshot-published:{request.nonce}",
                    community_id=request.community_id,
                    reply=Reply(
                        title="Published on Snapshot",
                        body=f"Your proposal “{proposal.title}” is on Snapshot: {url}",
                        links=(Link("Open the proposal", url),),
                        tone=Tone.SUCCESS,
                    ),
                    to=ToMember(request.platform, request.user_id),
                )
        return published

    async def _recorded(self, claim: int, created: str, url: str) -> Publication:
        """The publication's link, written however long the database needs: the proposal is
        on Snapshot, and a draft left "being published" with no link would hide it."""
        delay = 0.1
        while True:
            try:
                return await self.publications.complete(claim, created, url)
            except (SQLAlchemyError, OSError) as exc:
                log.warning(
                    "proposals: could not record a Snapshot publication; retrying",
                    extra={"claim": claim, "error": str(exc), "wait": delay},
                )
                await self.ctx.clock.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _block(self) -> int:
        if self.node is None:
            raise UserError(
                "No node of the space's network to take the snapshot block from: the operator "
                "sets [proposals.publishing] rpc_url_env."
            )
        try:
            return await self.node.block_number()
        except RpcError as exc:
            raise UpstreamError(NODE, exc.message, retryable=exc.retryable) from exc


def proposal_of(request: SigningRequest) -> SnapshotProposal:
    message: dict[str, Any] = json.loads(request.proposal)
    return SnapshotProposal(
        space=message["space"],
        author=message["from"],
        title=message["title"],
        body=message["body"],
        choices=tuple(message["choices"]),
        start=int(message["start"]),
        end=int(message["end"]),
        snapshot=int(message["snapshot"]),
        timestamp=int(message["timestamp"]),
        type=message["type"],
        discussion=message["discussion"],
        labels=tuple(message["labels"]),
        plugins=message["plugins"],
        privacy=message["privacy"],
        app=message["app"],
    )
