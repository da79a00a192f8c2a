"""The bench community: 30 days of a DAO, stored through each feature's own models.

Discussion comes from bench/digest_chat.py (50,000 messages, five sources). Here: 10 watched
Safes with their alerts (executions, money in and out, a security change), money flows and
queued transactions, some waiting for the reader's signature; 20 proposals (Snapshot and
Governor; closed, active, ending within 48 hours, pending) with the votes seen; onboarded members
with linked wallets, skills and roles. The reader is a steward on Discord who linked two
addresses, owns four of the Safes and has not voted on some open proposals.

Tables that a feature adds for digests are filled when that feature has them (a part that has
not landed is left out, not faked).
"""

from __future__ import annotations

import hashlib
import importlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eth_utils import to_checksum_address
from sqlmodel import SQLModel

from bench import digest_chat as chat
from bot.commands.community import CommunityContext
from bot.digest_parts import Reader
from bot.storage.database import Database
from bot.storage.models import RoleChangeRecord
from cogs.debates.chat_ingest import ChatIngest
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.wallet_models import RoleHolding, WalletLink
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.vote_models import FollowedProposal
from cogs.treasury.models import QueuedTx, TreasuryAlert, WatchedSafe

CHAIN = "ethereum"
SAFE_APP = "https://app.safe.global"
EXPLORER = "https://etherscan.io"
SPACE = "example-dao.eth"
GOVERNOR = to_checksum_address("0x" + "6f" * 20)
SKILLS = ("solidity", "frontend", "design", "writing", "research", "community", "legal", "data")
TOKENS = (("USDC", 6, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"), ("ETH", 18, ""))
HEAD_BLOCK = 21_000_000
ROLE_ID = "1400000000000000001"
SAFES = 10
PROPOSALS = 20


def address(label: str) -> str:
    return to_checksum_address("0x" + hashlib.sha256(label.encode()).hexdigest()[:40])


def model(module: str, name: str) -> type[SQLModel] | None:
    """A table a feature adds for digests, when that feature has it on this branch."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if isinstance(found, type) and issubclass(found, SQLModel) else None


@dataclass(frozen=True)
class Counts:
    messages: int
    authors: int
    sources: int
    safes: int
    alerts: int
    flows: int
    queued: int
    proposals: int
    members: int


@dataclass(frozen=True)
class BenchWorld:
    community_id: int
    now: datetime
    reader: Reader
    counts: Counts


def steward(seed: int) -> chat.Person:
    """The reader: the crowd's most active member (a steward)."""
    return chat.people(random.Random(seed))[0]


async def populate(
    db: Database, ingest: ChatIngest, community: CommunityContext, now: datetime, seed: int = 13
) -> BenchWorld:
    rng = random.Random(seed)
    crowd = chat.people(rng)
    threads = chat.debates(rng, now)
    chat.schedule(rng, threads, crowd, now)
    forum = [d for d in threads if d.source == "forum"]
    messages = await chat.store_forum(db, community.id, forum)
    messages += await chat.store_chat(ingest, community, [d for d in threads if d.channel])
    steward = crowd[0]
    mine = (address("reader-1"), address("reader-2"))
    reader = Reader("discord", steward.discord_id, mine)
    # Each part draws from its own generators, and times from others: the same seed gives the
    # same Safes, amounts and proposals whatever the hour the bench runs at.
    treasury = await _treasury(db, Draw(seed, "treasury", now), community.id, mine)
    proposals = await _proposals(db, Draw(seed, "proposals", now), community.id, mine)
    members = await _people(db, Draw(seed, "people", now), community.id, crowd, mine)
    counts = Counts(
        messages=messages,
        authors=len(crowd),
        sources=1 + 1 + len(chat.TELEGRAM),
        safes=SAFES,
        alerts=treasury[0],
        flows=treasury[1],
        queued=treasury[2],
        proposals=proposals,
        members=members,
    )
    return BenchWorld(community.id, now, reader, counts)


def block_at(at: datetime, now: datetime) -> int:
    """The block of a moment, the head being HEAD_BLOCK now and a block every 12 seconds."""
    return HEAD_BLOCK + int((at - now).total_seconds() // 12)


class Draw(random.Random):
    """Random choices of one part of the world, and its own times (more by day than by night)."""

    def __init__(self, seed: int, part: str, now: datetime) -> None:
        super().__init__(f"{seed}:{part}")
        self.now = now
        self._times = random.Random(f"{seed}:{part}:times")

    def at(self, days: float = chat.DAYS) -> datetime:
        while True:
            at = self.now - timedelta(seconds=self._times.uniform(60, days * 86400))
            if self._times.random() < chat.rhythm(at):
                return at


def _tx(rng: random.Random) -> str:
    return "0x" + rng.randbytes(32).hex()


async def _treasury(
    db: Database, rng: Draw, community_id: int, mine: tuple[str, ...]
) -> tuple[int, int, int]:
    """Safes, their alerts and flows over the 30 days, and their queues. (alerts, flows, queued)"""
    now = rng.now
    flow_model = model("cogs.treasury.models", "TreasuryFlow")
    queued_columns = set(QueuedTx.model_fields)
    signers = [address(f"signer-{i}") for i in range(12)]
    rows: list[SQLModel] = []
    alerts = flows = queued = 0
    for n in range(SAFES):
        safe = address(f"safe-{n}")
        name = ("Main treasury", "Grants", "Ops", "Security council", "Marketing")[n % 5]
        name = f"{name} {n // 5 + 1}" if n >= 5 else name
        rows.append(WatchedSafe(community_id=community_id, chain=CHAIN, address=safe, name=name))
        owners = rng.sample(signers, 4) + ([mine[0]] if n < 4 else [])
        history = f"{SAFE_APP}/transactions/history?safe=eth:{safe}"
        for k in range(rng.randint(20, 40)):
            at = rng.at()
            tx = _tx(rng)
            symbol, decimals, token = rng.choice(TOKENS)
            whole = rng.choice((500, 1_500, 2_500, 10_000, 40_000)) if symbol == "USDC" else 2
            raw = whole * 10**decimals
            out = rng.random() < 0.45
            other = address(f"counterparty-{rng.randrange(60)}")
            line = (
                f"Transfer {whole:,} {symbol} ({raw} raw) to {other}"
                if out
                else f"Received {whole:,} {symbol} ({raw} raw) from {other}"
            )
            kind, title = (
                ("execution", "transaction executed") if out else ("funds_in", "funds received")
            )
            if k == 0 and n in (2, 5):
                kind, title, line = (
                    "security",
                    "security settings changed",
                    (f"Security change: AddedOwner {address(f'new-owner-{n}')}"),
                )
                at = now - timedelta(hours=rng.uniform(2, 20))
            rows.append(
                TreasuryAlert(
                    key=f"{community_id}:{CHAIN}:{tx}:0:{safe.lower()}",
                    community_id=community_id,
                    chain=CHAIN,
                    safe=safe,
                    kind=kind,
                    severity="high" if kind == "security" else "medium" if out else "info",
                    title=f"{name} on {CHAIN}: {title}",
                    lines=[line],
                    links={"explorer": f"{EXPLORER}/tx/{tx}", "Safe app": history},
                    tx_hash=tx,
                    block=block_at(at, now),
                    created_at=at,
                )
            )
            alerts += 1
            if flow_model is not None and kind != "security":
                rows.append(
                    flow_model(
                        key=f"{CHAIN}:{tx}:0:{safe.lower()}",
                        chain=CHAIN,
                        safe=safe,
                        token=token,
                        symbol=symbol,
                        decimals=decimals,
                        amount=str(-raw if out else raw),
                        tx_hash=tx,
                        block=block_at(at, now),
                        at=at,
                    )
                )
                flows += 1
        for k in range(rng.randint(0, 3) if n >= 4 else 2):
            confirmations = rng.sample([o for o in owners if o not in mine], rng.randint(1, 2))
            extra: dict[str, Any] = {}
            if "owners" in queued_columns:
                extra["owners"] = owners
            if "lines" in queued_columns:
                who = address(f"contributor-{rng.randrange(80)}")
                extra["lines"] = [f"Transfer {rng.choice((800, 3_000, 12_000)):,} USDC to {who}"]
            rows.append(
                QueuedTx(
                    safe_tx_hash=_tx(rng),
                    chain=CHAIN,
                    safe=safe,
                    nonce=100 + k,
                    confirmations=confirmations,
                    required=3,
                    first_seen_at=rng.at(5),
                    **extra,
                )
            )
            queued += 1
    async with db.transaction() as session:
        session.add_all(rows)
    return alerts, flows, queued


async def _proposals(db: Database, rng: Draw, community_id: int, mine: tuple[str, ...]) -> int:
    """Snapshot proposals and Governor proposals, each also followed (as the watchers keep
    them): closed with results, open (some ending within 48 h), pending; the votes seen."""
    now = rng.now
    seen_model = model("cogs.proposals.digest_models", "VoteSeen")
    rows: list[SQLModel] = []
    voters = [address(f"voter-{i}") for i in range(200)]
    for n in range(PROPOSALS):
        governor = n % 4 == 3
        title = f"EP-{40 + n}: {rng.choice(chat.SUBJECTS).capitalize()}"
        # Ends: long ago, within the last day or week, within 48 h, later.
        pattern = n % 5
        ends = now + timedelta(
            hours=(
                -24 * rng.uniform(8, 25),
                -rng.uniform(1, 23),
                -rng.uniform(30, 150),
                rng.uniform(2, 40),
                rng.uniform(60, 200),
            )[pattern]
        )
        starts = ends - timedelta(days=5)
        state = "closed" if ends <= now else ("opened" if starts <= now else "created")
        choices = ["For", "Against", "Abstain"]
        scores = [rng.uniform(1e5, 9e5), rng.uniform(1e4, 5e5), rng.uniform(0, 5e4)]
        total = sum(scores)
        if governor:
            proposal_id = str(rng.getrandbits(128))
            key = f"governor:{CHAIN}:{GOVERNOR}:{proposal_id}"
            link = f"https://www.tally.xyz/gov/example-dao/proposal/{proposal_id}"
            rows.append(
                GovernorProposal(
                    community_id=community_id,
                    chain=CHAIN,
                    governor=GOVERNOR,
                    proposal_id=proposal_id,
                    proposer=address(f"proposer-{n}"),
                    title=title,
                    description=f"# {title}\n\nFund the work for six months.",
                    targets=[address("token")],
                    values=["0"],
                    calldatas=["0x"],
                    vote_start=block_at(starts, now),
                    vote_end=block_at(ends, now),
                    stage=state,
                    voters=rng.randint(20, 200),
                    created_tx=_tx(rng),
                    created_block=block_at(starts - timedelta(days=1), now),
                    updated_at=min(now, ends),
                )
            )
        else:
            proposal_id = "0x" + rng.randbytes(32).hex()
            key = f"snapshot:{proposal_id}"
            link = f"https://snapshot.org/#/{SPACE}/proposal/{proposal_id}"
        closed = state == "closed"
        rows.append(
            FollowedProposal(
                community_id=community_id,
                key=key,
                source="governor" if governor else "snapshot",
                title=title,
                link=link,
                state=state,
                choices=choices,
                scores=scores if state != "created" else [],
                total=total if state != "created" else 0.0,
                quorum=400_000.0,
                voters=rng.randint(40, 400) if state != "created" else 0,
                result=(f"{choices[0]} won" if scores[0] > scores[1] else "Rejected")
                if closed
                else "",
                starts_at=starts,
                ends_at=ends,
                updated_at=min(now, max(starts, ends if closed else now - timedelta(hours=1))),
            )
        )
        if seen_model is not None and state != "created":
            cast = rng.sample(voters, 30) + ([mine[0]] if n % 2 == 0 else [])
            rows += [
                seen_model(
                    community_id=community_id,
                    proposal_key=key,
                    voter=voter.lower(),
                    voted_at=min(now, starts + timedelta(hours=rng.uniform(1, 100))),
                )
                for voter in cast
            ]
    async with db.transaction() as session:
        session.add_all(rows)
    return PROPOSALS


async def _people(
    db: Database,
    rng: Draw,
    community_id: int,
    crowd: list[chat.Person],
    mine: tuple[str, ...],
) -> int:
    """Members onboarded over the 30 days (more in the last week), with skills, linked wallets
    and the roles the rules gave them. The reader is the first."""
    now = rng.now
    rows: list[SQLModel] = []
    members = crowd[:120]
    for person in members:
        onboarded = now - timedelta(days=chat.DAYS + 30) if person.index == 0 else rng.at()
        rows.append(
            ContributorProfile(
                community_id=community_id,
                platform="discord",
                user_id=person.discord_id,
                display_name=person.name,
                skills=rng.sample(SKILLS, rng.randint(1, 3)),
                hours_per_week=rng.choice((2, 5, 10, 20)),
                forum=person.name,
                interests=f"{rng.choice(chat.SUBJECTS)}",
                onboarded_at=onboarded,
                updated_at=onboarded,
            )
        )
        linked = list(mine) if person.index == 0 else [address(f"member-{person.index}")]
        if person.index == 0 or rng.random() < 0.6:
            rows += [
                WalletLink(
                    community_id=community_id,
                    platform="discord",
                    user_id=person.discord_id,
                    address=wallet,
                    verified_at=onboarded + timedelta(minutes=5),
                )
                for wallet in linked
            ]
            if rng.random() < 0.5:
                granted = onboarded + timedelta(minutes=6)
                changes = [("grant", granted)]
                if rng.random() < 0.15:  # sold below the threshold later
                    changes.append(("revoke", granted + (now - granted) * rng.random()))
                rows += [
                    RoleChangeRecord(
                        key=f"onboarding.role:{person.discord_id}:{action}:{at.isoformat()}",
                        community_id=community_id,
                        platform="discord",
                        space_id=chat.GUILD.id,
                        user_id=person.discord_id,
                        role_id=ROLE_ID,
                        role_name="Token holder",
                        action=action,
                        reason="you hold at least 100 EXD"
                        if action == "grant"
                        else "you hold less than 100 EXD",
                        state="delivered",
                        requested_at=at,
                        delivered_at=at + timedelta(seconds=2),
                    )
                    for action, at in changes
                ]
                if len(changes) == 1:  # still held
                    rows.append(
                        RoleHolding(
                            community_id=community_id,
                            platform="discord",
                            user_id=person.discord_id,
                            rule="token-holder",
                            role_id=ROLE_ID,
                            reason="holds at least 100 EXD",
                            granted_at=granted,
                        )
                    )
    async with db.transaction() as session:
        session.add_all(rows)
    return len(members)
