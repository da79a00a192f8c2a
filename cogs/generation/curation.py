"""Community curation of generated outputs: votes, the tally, and a steward's pick.

One vote per member per output (the table's unique constraint decides under any concurrency),
only while the job's voting is open; `/generate pick` closes it once (one pick row per job),
reads every voter's holdings again in one batch (so tokens moved to a second member after voting
do not count twice) and stores the final tally and the winner; then the pick hooks run (the
winner's provenance record gains the result, signed again). If a hook fails the pick stands, its
result stays in `generation_pick`, and the reply says what did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.errors import StewardError, UpstreamError, UserError
from bot.storage.database import Database
from cogs.generation.curation_models import GenerationPick, GenerationVote
from cogs.generation.curation_tally import Ballot, OutputTally, tally, winner
from cogs.generation.curation_weights import Weights
from cogs.generation.models import FINAL, GenerationJob, GenerationOutput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CastVote:
    output_id: int
    job_id: int
    weight: Decimal | None  # None: holdings could not be read now (read again at the pick)
    unit: str  # "" without a token
    wallets: int  # verified wallets that weighed it (with a token)


@dataclass(frozen=True)
class Standing:
    """A job's votes as they stand, or as they closed."""

    job_id: int
    ranked: list[OutputTally]
    weighted_by: str  # "" or the token's symbol
    closed_at: datetime | None = None
    winner_id: int | None = None
    notes: tuple[str, ...] = ()
    # Each output's number in its job (1, 2, …), as the posted results name them.
    positions: Mapping[int, int] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def voters(self) -> int:
        return sum(entry.voters for entry in self.ranked)


@dataclass(frozen=True)
class CurationResult:
    """What a pick decided, as the winner's provenance record carries it."""

    job_id: int
    winner_output_id: int
    winner_sha256: str  # the output's hash: its provenance record's key
    closed_at: datetime
    weighted_by: str
    tally: list[OutputTally] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        won = next(e for e in self.tally if e.output_id == self.winner_output_id)
        return {
            "job": self.job_id,
            "output": self.winner_output_id,
            "picked_at": self.closed_at.isoformat(),
            "weighted_by": self.weighted_by or "one vote each",
            "voters": won.voters,
            "weight": str(won.weight),
            "tally": [entry.as_data() for entry in self.tally],
        }


# Runs once the pick is stored (the winner's provenance record gains the result, signed
# again) and says what it did, in a line for the pick's reply; a hook that fails is logged and
# named in the reply, and the pick stands.
PickHook = Callable[[CurationResult], Awaitable[str]]


class CurationService:
    def __init__(self, db: Database, weights: Weights, clock: Clock) -> None:
        self._db = db
        self._weights = weights
        self._clock = clock
        self._hooks: list[PickHook] = []

    def on_pick(self, hook: PickHook) -> None:
        self._hooks.append(hook)

    # Voting -----------------------------------------------------------------------------

    async def vote(
        self, community_id: int, platform: str, user_id: str, output_id: int
    ) -> CastVote:
        async with self._db.read() as session:
            output, job = await _output(session, community_id, output_id)
            if output.passed is not True:
                raise UserError(f"Output {output_id} was not posted; there is nothing to vote on.")
            await _still_open(session, job)
            if await _voted(session, output_id, platform, user_id):
                raise UserError(f"You already voted for output {output_id}.")
        member = (platform, user_id)
        weight: Decimal | None
        try:
            weight = (await self._weights.of(community_id, [member]))[member]
            unit = await self._weights.unit()
        except UpstreamError as exc:
            log.warning("vote weight unread", extra={"output": output_id, "error": str(exc)})
            weight, unit = None, ""
        wallets = 0
        if self._weights.weighted:
            wallets = len(await self._weights.addresses(community_id, member))
        try:
            async with self._db.transaction() as session:
                await _still_open(session, job)
                session.add(
                    GenerationVote(
                        community_id=community_id,
                        job_id=output.job_id,
                        output_id=output_id,
                        platform=platform,
                        user_id=user_id,
                        weight=None if weight is None else str(weight),
                        voted_at=self._clock.now(),
                    )
                )
        except IntegrityError as exc:
            raise UserError(f"You already voted for output {output_id}.") from exc
        return CastVote(output_id, output.job_id, weight, unit, wallets)

    # Standing and the pick ------------------------------------------------------------------

    async def standing(self, community_id: int, job_id: int) -> Standing:
        async with self._db.read() as session:
            job = await _job(session, community_id, job_id)
            shown = await _shown(session, job)
            positions = {oid: position for oid, (position, _) in shown.items()}
            pick = await _pick(session, job_id)
            if pick is not None:
                ranked = [OutputTally.from_data(d) for d in pick.tally or []]
                return Standing(
                    job_id,
                    ranked,
                    pick.weighted_by,
                    pick.closed_at,
                    pick.winner_output_id,
                    positions=positions,
                )
            votes = await _votes(session, job_id)
        ballots = [_ballot(v, Decimal(v.weight or 0)) for v in votes]
        ranked = tally(shown, ballots)
        return Standing(job_id, ranked, await self._unit_or_blank(), positions=positions)

    async def pick(self, community_id: int, job_id: int, by: str) -> Standing:
        """Close the job's voting and mark the winner (None when nobody voted)."""
        async with self._db.read() as session:
            job = await _job(session, community_id, job_id)
            if job.state not in FINAL:
                raise UserError(
                    f"Job {job_id} is still {job.state}; pick once its results are posted."
                )
            await _still_open(session, job)
            shown = await _shown(session, job)
            if not shown:
                raise UserError(f"Job {job_id} has no posted outputs to pick from.")
            votes = await _votes(session, job_id)
        members = list(dict.fromkeys((v.platform, v.user_id) for v in votes))
        # Holdings now, for every voter in one read: a failure leaves voting open.
        weights = await self._weights.of(community_id, members)
        unit = await self._weights.unit()
        ballots = [_ballot(v, weights[(v.platform, v.user_id)]) for v in votes]
        ranked = tally(shown, ballots)
        best = winner(ranked)
        closed_at = self._clock.now()
        try:
            async with self._db.transaction() as session:
                session.add(
                    GenerationPick(
                        community_id=community_id,
                        job_id=job_id,
                        winner_output_id=best.output_id if best else None,
                        closed_by=by,
                        closed_at=closed_at,
                        weighted_by=unit,
                        tally=[entry.as_data() for entry in ranked],
                    )
                )
                for vote in votes:
                    vote.weight = str(weights[(vote.platform, vote.user_id)])
                    session.add(vote)
        except IntegrityError as exc:
            raise UserError(f"Voting on job {job_id} is closed already.") from exc
        notes: list[str] = []
        if best is not None:
            result = CurationResult(
                job_id, best.output_id, shown[best.output_id][1], closed_at, unit, ranked
            )
            for hook in self._hooks:
                try:
                    notes.append(await hook(result))
                except StewardError as exc:
                    log.warning("pick hook failed", extra={"job": job_id, "error": str(exc)})
                    notes.append(f"Not done: {exc}")
        winner_id = best.output_id if best else None
        positions = {oid: position for oid, (position, _) in shown.items()}
        return Standing(job_id, ranked, unit, closed_at, winner_id, tuple(notes), positions)

    async def result(self, output_id: int) -> CurationResult | None:
        """The curation result an output won, if it won one (for its provenance record)."""
        async with self._db.read() as session:
            query = select(GenerationPick).where(GenerationPick.winner_output_id == output_id)
            pick = (await session.exec(query)).first()
            output = await session.get(GenerationOutput, output_id)
        if pick is None or pick.winner_output_id is None or output is None:
            return None
        ranked = [OutputTally.from_data(d) for d in pick.tally or []]
        return CurationResult(
            pick.job_id, output_id, output.sha256, pick.closed_at, pick.weighted_by, ranked
        )

    async def forget(
        self, session: AsyncSession, community_id: int, platform: str, user_id: str
    ) -> int:
        """/forget: the member's votes go (closed tallies keep their counts, never names)."""
        result = await session.exec(
            delete(GenerationVote).where(
                col(GenerationVote.community_id) == community_id,
                col(GenerationVote.platform) == platform,
                col(GenerationVote.user_id) == user_id,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _unit_or_blank(self) -> str:
        try:
            return await self._weights.unit()
        except UpstreamError:
            return "tokens" if self._weights.weighted else ""


async def _job(session: AsyncSession, community_id: int, job_id: int) -> GenerationJob:
    job = await session.get(GenerationJob, job_id)
    if job is None or job.community_id != community_id:
        raise UserError(f"There is no job {job_id} here; /jobs lists them.")
    return job


async def _output(
    session: AsyncSession, community_id: int, output_id: int
) -> tuple[GenerationOutput, GenerationJob]:
    output = await session.get(GenerationOutput, output_id)
    job = await session.get(GenerationJob, output.job_id) if output is not None else None
    if output is None or job is None or job.community_id != community_id:
        raise UserError(f"There is no output {output_id} here.")
    return output, job


async def _pick(session: AsyncSession, job_id: int) -> GenerationPick | None:
    query = select(GenerationPick).where(GenerationPick.job_id == job_id)
    return (await session.exec(query)).first()


async def _still_open(session: AsyncSession, job: GenerationJob) -> None:
    pick = await _pick(session, job.id or 0)
    if pick is None:
        return
    won = f"; output {pick.winner_output_id} won" if pick.winner_output_id else ""
    raise UserError(f"Voting on job {job.id} is closed{won}.")


async def _voted(session: AsyncSession, output_id: int, platform: str, user_id: str) -> bool:
    query = select(GenerationVote.id).where(
        GenerationVote.output_id == output_id,
        GenerationVote.platform == platform,
        GenerationVote.user_id == user_id,
    )
    return (await session.exec(query)).first() is not None


async def _shown(session: AsyncSession, job: GenerationJob) -> dict[int, tuple[int, str]]:
    """The job's posted outputs in order: id -> (number in the job, SHA-256)."""
    query = (
        select(GenerationOutput.id, GenerationOutput.index, GenerationOutput.sha256)
        .where(GenerationOutput.job_id == job.id, col(GenerationOutput.passed).is_(True))
        .order_by(col(GenerationOutput.index))
    )
    rows = (await session.exec(query)).all()
    return {oid: (index + 1, sha) for oid, index, sha in rows if oid is not None}


async def _votes(session: AsyncSession, job_id: int) -> Sequence[GenerationVote]:
    query = (
        select(GenerationVote)
        .where(GenerationVote.job_id == job_id)
        .order_by(col(GenerationVote.voted_at), col(GenerationVote.id))
    )
    return (await session.exec(query)).all()


def _ballot(vote: GenerationVote, weight: Decimal) -> Ballot:
    return Ballot(vote.output_id, f"{vote.platform}:{vote.user_id}", weight, vote.voted_at)
