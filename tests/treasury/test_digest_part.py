"""The treasury's part of a digest, built from what the treasury stored while watching a real Safe
on anvil and the fake Safe Transaction Service: who must sign what, what executed, money in and
out per Safe and token, security alerts and payouts that did not match a vote."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Reader, Section, items_of
from bot.payouts import Payment, PayoutVerdict
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.digest_part import TreasuryDigest
from cogs.treasury.service import TreasuryService
from tests.fakes.safe_service import FakeSafeTransactionService
from tests.support.anvil import Anvil
from tests.support.clock import ManualClock
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.world import World
from tests.treasury.test_queue import API_KEY, BOB, confirm, named, poll, propose, watch

DAY0 = datetime(2026, 11, 2, tzinfo=UTC)
TUSD = 10**6  # the test token has six decimals
ETH = 10**18


@pytest.fixture
def safe(chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    owners = chain.accounts[1:4]
    return SafeDriver(chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners)


@pytest.fixture
async def service(chain: Anvil) -> AsyncIterator[FakeSafeTransactionService]:
    async with FakeSafeTransactionService(31337, api_key=API_KEY, rpc_url=chain.url) as fake:
        yield fake


@pytest.fixture
def world_settings(
    chain: Anvil, service: FakeSafeTransactionService, safe_contracts: SafeContracts
) -> dict[str, Any]:
    anvil = {
        "chain_id": 31337,
        "rpc_url": chain.url,
        "confirmations": 0,
        "poll_seconds": 3600,
        "tx_service_url": service.base_url,
        "tx_service_api_key_env": "TEST_TX_SERVICE_KEY",
        "short_name": "anvil",
        "multisend": [safe_contracts.multi_send_v141],
    }
    return {
        "treasury": {"chains": {"anvil": anvil}},
        "environ": {"TEST_TX_SERVICE_KEY": API_KEY},
    }


async def treasury_part(world: World, request: DigestRequest) -> DigestPart:
    """The treasury's part, as the digests feature gathers it from the registered sources."""
    [part] = [p for p in await world.app.digest_parts.gather(request) if p.source == "treasury"]
    return part


def treasury_source(treasury: TreasuryService, world: World) -> TreasuryDigest:
    """The treasury's source alone (other features' sources would add their own queries)."""
    chains = {name: runtime.config for name, runtime in treasury.chains.items()}
    return TreasuryDigest(world.app.db, TreasuryConfig(chains=chains), world.app.directory)


async def community_id(world: World) -> int:
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None and community.id is not None
    return community.id


def items(part: DigestPart, section: Section) -> list[DigestItem]:
    return [item for item in part.items if item.section is section]


class NoVoteAsked:
    """A payout reviewer (what proposals registers) for which no vote asked any payment."""

    def __init__(self) -> None:
        self.reviewed: list[Payment] = []

    async def review(
        self, community_id: int, chain: str, safe: str, payments: Sequence[Payment], at: datetime
    ) -> PayoutVerdict | None:
        self.reviewed += payments
        lines = tuple(
            f"Payout check, {p.units.normalize()} {p.symbol} to {p.recipient}: "
            "no passed proposal asks for this payment"
            for p in payments
        )
        return PayoutVerdict(lines, True)


async def test_a_queued_transaction_needs_only_the_owners_who_have_not_signed(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    owner1, owner2, owner3 = chain.accounts[1:4]
    await named(world, owner2.address)  # bob linked owner2
    treasury = await watch(world, safe)
    payee = chain.accounts[6].address
    safe_tx_hash = await propose(service, safe, payee, 10**16, owner1)
    await poll(world, treasury, safe)
    community = await community_id(world)
    now = datetime.now(UTC)

    async def part(reader: Reader) -> DigestPart:
        period = (now - timedelta(days=1), now + timedelta(hours=1))
        request = DigestRequest(community, *period, reader)
        return await treasury_part(world, request)

    bob = world.discord.user("bob")
    as_bob = await part(Reader("discord", bob.id, (owner2.address,)))
    [needs] = items(as_bob, Section.NEEDS_YOU)
    assert needs.key == f"safe:anvil:{safe_tx_hash}:sign"
    assert needs.url is not None and safe_tx_hash in needs.url
    assert needs.url.startswith(
        f"https://app.safe.global/transactions/tx?safe=anvil:{safe.address}"
    )
    assert "Sign on **Treasury** (nonce 0)" in needs.text
    assert f"Send 0.01 ETH to {payee[:6]}…{payee[-4:]}" in needs.text
    assert "1 of 2 signatures so far" in needs.text and "the last one needed" in needs.text
    # bob by his handle, which can ping nobody.
    assert f"yours as {BOB} ({owner2.address[:6]}…" in needs.text
    assert items(as_bob, Section.COMING_UP) == [], "said once, under Needs you now"

    # owner1 proposed it, so signed it: nothing needs them; it is coming up for them.
    as_owner1 = await part(Reader("discord", "111", (owner1.address,)))
    assert items(as_owner1, Section.NEEDS_YOU) == []
    [coming] = items(as_owner1, Section.COMING_UP)
    assert "1 of 2 signatures, waiting for" in coming.text
    assert BOB in coming.text and f"{owner3.address[:6]}…{owner3.address[-4:]}" in coming.text
    # A channel has no signature to give, even with addresses; nor has a non-owner.
    channel = await part(Reader("discord", None, (owner2.address,)))
    assert items(channel, Section.NEEDS_YOU) == [] and len(items(channel, Section.COMING_UP)) == 1
    stranger = await part(Reader("discord", "222", (chain.accounts[7].address,)))
    assert items(stranger, Section.NEEDS_YOU) == []

    await confirm(service, safe, safe_tx_hash, owner2)
    await poll(world, treasury, safe)
    as_owner3 = await part(Reader("telegram", "333", (owner3.address,)))
    assert items(as_owner3, Section.NEEDS_YOU) == [], "ready to execute: no signature missing"
    [ready] = items(as_owner3, Section.COMING_UP)
    assert "ready to execute (2 of 2 signatures)" in ready.text


async def test_untrusted_names_cannot_ping_or_format(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    await world.on_discord(
        "safe watch",
        {"address": safe.address, "chain": "anvil", "name": "@everyone **Vault** [x](https://e.x)"},
        user="carol",
    )
    treasury: TreasuryService = world.app.runtimes["treasury"]
    await propose(service, safe, chain.accounts[6].address, 10**16, chain.accounts[1])
    await poll(world, treasury, safe)
    now = datetime.now(UTC)
    reader = Reader("discord", "444", (chain.accounts[2].address,))
    request = DigestRequest(await community_id(world), now - timedelta(days=1), now, reader)
    [needs] = items(await treasury_part(world, request), Section.NEEDS_YOU)
    assert "@\u200beveryone Vault x(https://e.x)" in needs.text
    assert "[x]" not in needs.text and "**Vault**" not in needs.text


async def test_executed_transactions_flows_alerts_and_unmatched_payouts(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    clock = ManualClock(DAY0 + timedelta(hours=9))
    treasury.clock = clock
    await treasury.run_chain("anvil")  # watching starts at the head
    payee, payee2 = chain.accounts[6].address, chain.accounts[7].address
    tokens_before, eth_before = safe.token_balance(), safe.eth_balance()

    safe.fund_token(1000 * TUSD)
    safe.fund_eth(ETH)
    await treasury.run_chain("anvil")
    clock.advance(timedelta(days=1))
    safe.send_token(payee, 250 * TUSD)
    safe.send_eth(payee, ETH // 10)
    safe.multisend([(payee, 2 * ETH // 100, b""), (payee2, 3 * ETH // 100, b"")])
    await treasury.run_chain("anvil")
    clock.advance(timedelta(days=1))
    safe.change_threshold(2)  # a security change, though it changes nothing
    await treasury.run_chain("anvil")
    reviewer = NoVoteAsked()
    world.app.payouts.register(reviewer)
    await service.sync(safe.address)
    await propose(service, safe, payee2, ETH // 2, chain.accounts[1], nonce=safe.nonce())
    await poll(world, treasury, safe)
    assert reviewer.reviewed, "the proposal's payment was reviewed"

    community = await community_id(world)
    request = DigestRequest(community, DAY0, DAY0 + timedelta(days=3), Reader("discord"))
    queries: list[str] = []

    def count(*args: Any) -> None:
        queries.append(str(args[2]))

    engine = world.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        part = await treasury_source(treasury, world).digest_part(request)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(queries) <= 6, queries

    treasury_items = items(part, Section.TREASURY)
    texts = [item.text for item in treasury_items]
    executed = [i for i in treasury_items if i.key.startswith("alert:executed:")]
    assert len(executed) == 4, texts
    short = f"{payee[:6]}…{payee[-4:]}"
    assert any(f"transaction executed: Transfer 250 TUSD to {short}" in t for t in texts)
    assert any(f"transaction executed: Send 0.1 ETH to {short}" in t for t in texts)
    batch = "Batch of 2 actions: Send 0.02 ETH to"
    assert any(batch in t and "Send 0.03 ETH" in t for t in texts), texts
    [security] = [i for i in executed if i.text.startswith("⚠")]
    assert "security settings changed: Change the threshold to 2" in security.text
    assert security.url is not None and "/transactions/history?safe=anvil:" in security.url
    assert security.at == DAY0 + timedelta(days=2, hours=9)
    assert items_of([part], Section.TREASURY)[0] is security, "security first"

    [payout] = [i for i in treasury_items if i.key.startswith("alert:payout:")]
    assert "with a payout that does not match a vote" in payout.text
    assert "0.5 ETH to" in payout.text and "no passed proposal asks for this payment" in payout.text

    flows = {i.text.split("**")[1]: i.text for i in treasury_items if i.key.startswith("flow:")}
    assert set(flows) == {"Treasury · TUSD", "Treasury · ETH"}
    assert "+1,000 in, −250 out; balance change +750 TUSD" in flows["Treasury · TUSD"]
    assert "+1 in, −0.15 out; balance change +0.85 ETH" in flows["Treasury · ETH"]
    # The balance change is what the chain says.
    assert Decimal(safe.token_balance() - tokens_before).scaleb(-6) == 750
    assert Decimal(safe.eth_balance() - eth_before).scaleb(-18) == Decimal("0.85")

    series = {s.label: s for s in part.series}
    day1 = DAY0 + timedelta(days=1)
    assert series["Treasury · TUSD"].chart == "flows" and series["Treasury · TUSD"].unit == "TUSD"
    assert series["Treasury · TUSD"].points == ((DAY0, 1000.0), (day1, -250.0))
    assert series["Treasury · ETH"].points == ((DAY0, 1.0), (day1, -0.15))
    assert sum(v for _, v in series["Treasury · TUSD"].points) == 750

    # The queued proposal is coming up; a channel's digest has no Needs you now.
    [coming] = items(part, Section.COMING_UP)
    assert "Send 0.5 ETH to" in coming.text and "1 of 2 signatures" in coming.text
    assert items(part, Section.NEEDS_YOU) == []

    # The next period: nothing executed or moved, the queue still coming up.
    later = DigestRequest(
        community, DAY0 + timedelta(days=3), DAY0 + timedelta(days=4), Reader("discord")
    )
    quiet = await treasury_part(world, later)
    assert items(quiet, Section.TREASURY) == [] and quiet.series == ()
    assert len(items(quiet, Section.COMING_UP)) == 1
