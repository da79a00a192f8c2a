"""Role rules at work: read each rule's facts once for every linked member (one batched chain
query per rule), judge every member, and grant or remove what changed. Changes go through the
outbox (carried out once, recorded with their reason) and the member is told by direct message;
a rule whose chain read failed changes nothing until it can be read again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.reply import Reply, Tone
from bot.outbox import GRANT, REVOKE, Outbox, RoleChange, ToMember
from bot.storage.database import Database
from bot.storage.models import CommunitySpace
from chain import holdings
from chain.errors import ChainError
from chain.node import ChainNode
from chain.tokens import TokenBook
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.role_rules import MemberFacts, RuleFacts, TokenInfo, Verdict, judge
from cogs.onboarding.wallet_config import RoleRule
from cogs.onboarding.wallet_models import RoleHolding, WalletLink
from cogs.onboarding.wallets import Member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    member: Member
    rule: str
    role_id: str
    action: str  # grant, revoke
    reason: str


@dataclass
class Review:
    """What a check found: every member's verdict per rule, and the changes it made."""

    verdicts: dict[Member, list[Verdict]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class RoleService:
    def __init__(
        self,
        db: Database,
        rules: Sequence[RoleRule],
        node: ChainNode | None,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._db = db
        self.rules = list(rules)
        self._node = node
        self._tokens = TokenBook(node) if node is not None else None
        self._outbox = outbox
        self._clock = clock

    # Reading -------------------------------------------------------------------------------

    async def _members(self, community_id: int, only: Member | None) -> dict[Member, MemberFacts]:
        """Every member with a wallet, a profile or a role from a rule (a role may need removing
        after its wallet was unlinked), or only `only`."""
        wallet_query = (
            select(WalletLink)
            .where(WalletLink.community_id == community_id)
            .order_by(col(WalletLink.verified_at))
        )
        profile_query = select(ContributorProfile).where(
            ContributorProfile.community_id == community_id
        )
        holding_query = select(RoleHolding).where(RoleHolding.community_id == community_id)
        if only is not None:
            wallet_query = wallet_query.where(
                WalletLink.platform == only.platform, WalletLink.user_id == only.user_id
            )
            profile_query = profile_query.where(
                ContributorProfile.platform == only.platform,
                ContributorProfile.user_id == only.user_id,
            )
            holding_query = holding_query.where(
                RoleHolding.platform == only.platform, RoleHolding.user_id == only.user_id
            )
        wallets: dict[Member, list[str]] = {}
        profiles: dict[Member, ContributorProfile] = {}
        async with self._db.read() as session:
            for link in (await session.exec(wallet_query)).all():
                member = Member(community_id, link.platform, link.user_id)
                wallets.setdefault(member, []).append(link.address)
            for row in (await session.exec(profile_query)).all():
                profiles[Member(community_id, row.platform, row.user_id)] = row
            holders = {
                Member(community_id, h.platform, h.user_id)
                for h in (await session.exec(holding_query)).all()
            }
        members = set(wallets) | set(profiles) | holders
        if only is not None:
            members.add(only)
        facts = {}
        for member in members:
            profile = profiles.get(member)
            facts[member] = MemberFacts(
                wallets=tuple(wallets.get(member, ())),
                onboarded=profile is not None,
                skills=tuple(s.lower() for s in profile.skills) if profile else (),
            )
        return facts

    async def _rule_facts(self, rule: RoleRule, addresses: Sequence[str]) -> RuleFacts:
        """The rule's one batched chain read for all addresses (and, the first time, the
        token's name and decimals, for the reasons)."""
        if not rule.needs_chain:
            return RuleFacts()
        if self._node is None or self._tokens is None:
            return RuleFacts(failed="no RPC is configured for onboarding.chain")
        node, wanted = self._node, list(addresses)
        try:
            if rule.safe_owner is not None:
                owners = await holdings.safe_owners(node, rule.safe_owner.safe) if wanted else []
                return RuleFacts(owners=frozenset(owners))
            contract = rule.contract
            if contract is None:
                return RuleFacts()
            token = await self._tokens.get(contract)
            decimals = token.decimals if rule.erc20 is not None else 0
            info = TokenInfo(token.symbol, decimals, token.label)
            if not wanted:
                return RuleFacts(balances={}, token=info)
            if rule.erc20 is not None:
                balances = await holdings.erc20_balances(node, contract, wanted)
            elif rule.erc721 is not None:
                balances = await holdings.erc721_balances(node, contract, wanted)
            elif rule.erc1155 is not None:
                balances = await holdings.erc1155_balances(
                    node, contract, rule.erc1155.token_id, wanted
                )
            else:
                balances = {}
            return RuleFacts(balances=balances, token=info)
        except ChainError as exc:
            log.warning(
                "role rule: chain read failed", extra={"rule": rule.name, "error": str(exc)}
            )
            return RuleFacts(failed=exc.message)

    async def judge(self, community_id: int, only: Member | None = None) -> Review:
        members = await self._members(community_id, only)
        addresses = sorted({w for facts in members.values() for w in facts.wallets})
        review = Review({member: [] for member in members})
        for rule in self.rules:
            facts = await self._rule_facts(rule, addresses)
            if facts.failed:
                review.failures.append(f"{rule.name}: {facts.failed}")
            for member, member_facts in members.items():
                review.verdicts[member].append(judge(rule, member_facts, facts))
        return review

    # Applying ------------------------------------------------------------------------------

    async def check(self, community_id: int, only: Member | None = None) -> Review:
        """Judge and apply: grant what is earned and not held, remove what is held and no longer
        earned. A verdict that could not be told changes nothing."""
        review = await self.judge(community_id, only)
        held = await self._held(community_id, only)
        rules = {rule.name: rule for rule in self.rules}
        for member, verdicts in review.verdicts.items():
            for verdict in verdicts:
                rule = rules[verdict.rule]
                role_id = rule.role_id(member.platform)
                if role_id is None or verdict.holds is None:
                    continue
                has = (member, rule.name) in held
                if verdict.holds and not has:
                    change = await self._change(member, rule, role_id, GRANT, verdict.reason)
                elif not verdict.holds and has:
                    change = await self._change(member, rule, role_id, REVOKE, verdict.reason)
                else:
                    continue
                if change is not None:
                    review.changes.append(change)
        # Holdings of rules no longer configured are left alone: a steward removed the rule,
        # not the member's reason to have the role.
        return review

    async def check_all(self) -> list[Review]:
        """The scheduled re-check: every community with a wallet, a profile or a role."""
        async with self._db.read() as session:
            ids: set[int] = set()
            for table in (WalletLink, RoleHolding, ContributorProfile):
                query = select(table.community_id).distinct()
                ids.update(int(i) for i in (await session.exec(query)).all())
        return [await self.check(community_id) for community_id in sorted(ids)]

    async def _held(self, community_id: int, only: Member | None) -> set[tuple[Member, str]]:
        async with self._db.read() as session:
            query = select(RoleHolding).where(RoleHolding.community_id == community_id)
            if only is not None:
                query = query.where(
                    RoleHolding.platform == only.platform, RoleHolding.user_id == only.user_id
                )
            rows = (await session.exec(query)).all()
        return {(Member(community_id, h.platform, h.user_id), h.rule) for h in rows}

    async def _space(self, member: Member) -> str | None:
        async with self._db.read() as session:
            query = (
                select(CommunitySpace.space_id)
                .where(
                    CommunitySpace.community_id == member.community_id,
                    CommunitySpace.platform == member.platform,
                )
                .order_by(col(CommunitySpace.space_id))
            )
            return (await session.exec(query)).first()

    async def _change(
        self, member: Member, rule: RoleRule, role_id: str, action: str, reason: str
    ) -> Change | None:
        """Store the change for the outbox to carry out (exactly once, recorded), the role as
        now held, and the member's notice, in one transaction."""
        space = await self._space(member)
        if space is None:
            return None
        now = self._clock.now()
        change = Change(member, rule.name, role_id, action, reason)
        key = (
            f"onboarding.role:{member.community_id}:{member.platform}:{member.user_id}:"
            f"{rule.name}:{action}:{now.isoformat()}"
        )
        async with self._db.transaction() as session:
            await session.exec(
                delete(RoleHolding).where(
                    col(RoleHolding.community_id) == member.community_id,
                    col(RoleHolding.platform) == member.platform,
                    col(RoleHolding.user_id) == member.user_id,
                    col(RoleHolding.rule) == rule.name,
                )
            )
            if action == GRANT:
                session.add(
                    RoleHolding(
                        community_id=member.community_id,
                        platform=member.platform,
                        user_id=member.user_id,
                        rule=rule.name,
                        role_id=role_id,
                        reason=reason[:300],
                        granted_at=now,
                    )
                )
            await self._outbox.enqueue_role(
                session,
                key=key,
                community_id=member.community_id,
                change=RoleChange(
                    platform=member.platform,
                    space_id=space,
                    user_id=member.user_id,
                    role_id=role_id,
                    action=action,
                    reason=f"{rule.name}: {reason}",
                    role_name=rule.name,
                ),
            )
            # A Telegram grant is an invite link the outbox sends with the reason itself.
            if not (action == GRANT and member.platform == "telegram"):
                await self._outbox.enqueue(
                    session,
                    key=f"{key}:notice",
                    community_id=member.community_id,
                    reply=notice(change, rule),
                    to=ToMember(member.platform, member.user_id),
                )
        return change

    async def forget(
        self, session: AsyncSession, community_id: int, platform: str, user_id: str
    ) -> int:
        """/forget (in its transaction): the roles rules gave the member are taken back through
        the outbox, and the rows saying they held them are deleted."""
        query = select(RoleHolding).where(
            RoleHolding.community_id == community_id,
            RoleHolding.platform == platform,
            RoleHolding.user_id == user_id,
        )
        held = (await session.exec(query)).all()
        space = await self._space(Member(community_id, platform, user_id))
        now = self._clock.now().isoformat()
        for holding in held:
            if space is not None:
                await self._outbox.enqueue_role(
                    session,
                    key=f"onboarding.forget:{community_id}:{platform}:{user_id}:{holding.rule}:{now}",
                    community_id=community_id,
                    change=RoleChange(
                        platform=platform,
                        space_id=space,
                        user_id=user_id,
                        role_id=holding.role_id,
                        action=REVOKE,
                        reason=f"{holding.rule}: the member asked to be forgotten",
                        role_name=holding.rule,
                    ),
                    forget_after=True,
                )
            await session.delete(holding)
        return len(held)


def notice(change: Change, rule: RoleRule) -> Reply:
    about = f" ({rule.explanation})" if rule.explanation else ""
    if change.action == GRANT:
        return Reply(
            title=f"Role granted: {rule.name}",
            body=f"You now have the role {rule.name}{about}: {change.reason}.",
            tone=Tone.SUCCESS,
        )
    return Reply(
        title=f"Role removed: {rule.name}",
        body=f"The role {rule.name}{about} was removed: {change.reason}. "
        "Check again with /verify refresh once this changes.",
        tone=Tone.WARNING,
    )


def explain(verdicts: Iterable[Verdict]) -> list[str]:
    marks = {True: "✅", False: "❌", None: "⚠️"}
    return [f"{marks[v.holds]} **{v.rule}**: {v.reason}" for v in verdicts]


def stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
