"""Which roles a member's facts earn, and why, in the words `/verify refresh` and the removal
notice use ("Holder: needs 100 GOV, you hold 40 at 0xAb12…cdEf"). No I/O here: the facts are
read by `roles.py`, one batched query per rule for every member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cogs.onboarding.wallet_config import RoleRule
from cogs.onboarding.wallets import short


@dataclass(frozen=True)
class MemberFacts:
    """What the rules look at for one member: their proved wallets and their profile."""

    wallets: tuple[str, ...] = ()
    onboarded: bool = False
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    symbol: str
    decimals: int
    label: str


@dataclass(frozen=True)
class RuleFacts:
    """One rule's reading of the chain for every address: raw balances (ERC-20 in the token's
    smallest unit, NFTs as counts) or a Safe's owners; `failed` when the chain could not be read
    (the roles given stay as they are until it can)."""

    balances: Mapping[str, int] | None = None
    owners: frozenset[str] | None = None
    token: TokenInfo | None = None
    failed: str | None = None


@dataclass(frozen=True)
class Verdict:
    rule: str
    holds: bool | None  # None: could not be told now
    reason: str


def _amount(raw: int | Decimal, decimals: int) -> str:
    value = Decimal(raw) / (Decimal(10) ** decimals)
    text = f"{value:,.{min(decimals, 6)}f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) or "0"


def _where(wallets: Sequence[str]) -> str:
    if len(wallets) == 1:
        return f"at {short(wallets[0])}"
    return f"across your {len(wallets)} wallets"


NO_WALLET = "link a wallet first with /verify wallet <address>"


def judge(rule: RoleRule, member: MemberFacts, facts: RuleFacts) -> Verdict:
    condition = rule.condition
    if condition == "onboarded":
        if member.onboarded:
            return Verdict(rule.name, True, "you completed /onboard")
        return Verdict(rule.name, False, "needs /onboard completed")
    if condition == "skill":
        skill = (rule.skill or "").lower()
        if skill in member.skills:
            return Verdict(rule.name, True, f"your profile lists {skill}")
        return Verdict(rule.name, False, f"needs the skill {skill} in your /profile")
    what = _needs(rule, facts)
    if not member.wallets:
        return Verdict(rule.name, False, f"needs {what}; {NO_WALLET}")
    if facts.failed is not None:
        return Verdict(rule.name, None, f"could not be checked now ({facts.failed})")
    if condition == "safe_owner":
        owners = facts.owners or frozenset()
        owning = [w for w in member.wallets if w in owners]
        if owning:
            return Verdict(rule.name, True, f"{short(owning[0])} is an owner of the Safe")
        return Verdict(rule.name, False, f"needs {what}; {_where(member.wallets)} none is")
    balances = facts.balances or {}
    held = sum(balances.get(w, 0) for w in member.wallets)
    where = _where(member.wallets)
    if condition == "erc20" and rule.erc20 is not None:
        token = facts.token or TokenInfo("tokens", 18, rule.erc20.token)
        minimum = Decimal(rule.erc20.min) * (Decimal(10) ** token.decimals)
        shown = f"{_amount(held, token.decimals)} {token.symbol}"
        if held >= minimum:
            return Verdict(rule.name, True, f"you hold {shown} {where} (needs {rule.erc20.min})")
        return Verdict(
            rule.name, False, f"needs {what}, you hold {_amount(held, token.decimals)} {where}"
        )
    if held > 0:
        return Verdict(rule.name, True, f"you hold {held} {where}")
    return Verdict(rule.name, False, f"needs {what}, you hold none {where}")


def _needs(rule: RoleRule, facts: RuleFacts) -> str:
    label = facts.token.label if facts.token else ""
    if rule.erc20 is not None:
        symbol = facts.token.symbol if facts.token else "tokens"
        return f"{rule.erc20.min} {symbol}"
    if rule.erc721 is not None:
        return f"an NFT of {label or short(rule.erc721.collection)}"
    if rule.erc1155 is not None:
        collection = label or short(rule.erc1155.collection)
        return f"token #{rule.erc1155.token_id} of {collection}"
    if rule.safe_owner is not None:
        return f"to be an owner of Safe {short(rule.safe_owner.safe)}"
    return rule.condition
