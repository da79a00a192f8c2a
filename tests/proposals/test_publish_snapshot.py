"""Publishing to Snapshot through the fake sequencer: signed by an eth-account key and by a real
Safe on anvil, verified before it is sent; refusals in the signer's and the sequencer's words."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from eth_account import Account

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.errors import UserError
from chain.snapshot import SnapshotProposal, envelope, proposal_hash, typed_data
from cogs.proposals.publish_models import SigningRequest
from cogs.proposals.publish_part import Publishing
from cogs.proposals.publish_service import Publisher
from cogs.proposals.publish_signing import signing_path
from cogs.proposals.publish_snapshot import ProposalContent, Signer
from cogs.proposals.snapshot_hub import SequencerRefused
from tests.fakes.snapshot import FakeSnapshot
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.signing import (
    CHROMIUM,
    safe_hash_signature,
    sign_in_browser,
    typed_data_signature,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "proposals"
AUTHOR = Account.from_key("0x" + "41" * 32)
STRANGER = Account.from_key("0x" + "42" * 32)
CONTENT = ProposalContent(
    title="Fund the documentation sprint",
    body="## Summary\n\nPay two writers for a month: 12,000 USDC.\n",
    choices=("For", "Against", "Abstain"),
    discussion="https://forum.example.org/t/docs-sprint/42",
)


@pytest.fixture
async def snapshot(chain: Anvil) -> AsyncIterator[FakeSnapshot]:
    async with FakeSnapshot(rpc_url=chain.url) as fake:
        fake.add_space("dao.eth")
        yield fake


@pytest.fixture
async def app(
    tmp_path: Path, db_url: str, chain: Anvil, snapshot: FakeSnapshot
) -> AsyncIterator[App]:
    proposals = {
        "snapshot": {
            "hub_url": snapshot.url,
            "sequencer_url": snapshot.url + "/",
            "spaces": {"local": ["dao.eth"]},
        },
        "publishing": {"rpc_url_env": "RPC_URL_SPACE", "voting_delay_minutes": 10},
    }
    environ = {"RPC_URL_SPACE": chain.url}
    async with running_app(make_settings(tmp_path, db_url, environ, proposals=proposals)) as app:
        yield app


def publishing(app: App) -> Publishing:
    found = app.runtimes["proposals"].publishing
    assert isinstance(found, Publishing)
    return found


async def ask(app: App, address: str, draft_id: int = 5) -> tuple[SigningRequest, SnapshotProposal]:
    community = await app.communities.by_slug("local")
    assert community is not None
    who = Publisher(community.id, "local", "console:ada")
    signer = Signer("console", "ada", address)
    return await publishing(app).snapshot.request(who, signer, draft_id, 2, CONTENT)


async def test_a_key_signed_proposal_reaches_snapshot_once_with_its_link(
    app: App, chain: Anvil, snapshot: FakeSnapshot
) -> None:
    request, proposal = await ask(app, AUTHOR.address)
    assert proposal.space == "dao.eth" and proposal.choices == CONTENT.choices
    assert proposal.end - proposal.start == 72 * 3600
    assert proposal.start - proposal.timestamp == 600
    assert 0 < proposal.snapshot <= chain.w3.eth.block_number
    assert proposal.discussion == CONTENT.discussion

    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    published = await publishing(app).snapshot.complete(request, signature, "console:ada")
    proposal_id = "0x" + proposal_hash(proposal).hex()
    assert published.external_id == proposal_id
    assert published.url == f"https://snapshot.org/#/dao.eth/proposal/{proposal_id}"
    listed = snapshot.proposal(proposal_id)
    assert listed["title"] == CONTENT.title and listed["author"] == AUTHOR.address

    # The request is spent; a new one for the same draft says where it already is.
    spent = await publishing(app).snapshot.find(request.nonce)
    assert spent is not None and spent.used_at is not None
    with pytest.raises(UserError, match="already on Snapshot"):
        await ask(app, AUTHOR.address)
    with pytest.raises(UserError, match="was used already"):
        await publishing(app).snapshot.complete(spent, signature, "console:ada")


async def test_a_safe_signs_with_two_of_its_three_owners(
    app: App, chain: Anvil, safe_contracts: SafeContracts, snapshot: FakeSnapshot
) -> None:
    owners = chain.accounts[1:4]
    address = create_safe(chain, safe_contracts, owners, 2)
    safe = SafeDriver(chain, safe_contracts, address, owners)
    request, proposal = await ask(app, address)
    digest = proposal_hash(proposal)

    one = safe_hash_signature(safe, digest, owners[:1])
    with pytest.raises(UserError, match="did not accept this signature"):
        await publishing(app).snapshot.complete(request, one, "console:ada")
    assert all(r.path != "/" for r in snapshot.requests)

    two = safe_hash_signature(safe, digest, owners[1:3])
    published = await publishing(app).snapshot.complete(request, two, "console:ada")
    assert snapshot.proposal(published.external_id)["author"] == address


async def test_a_strangers_signature_is_refused_before_snapshot_is_asked(
    app: App, snapshot: FakeSnapshot
) -> None:
    request, proposal = await ask(app, AUTHOR.address)
    signature = typed_data_signature(STRANGER, typed_data(proposal))
    with pytest.raises(UserError) as refused:
        await publishing(app).snapshot.complete(request, signature, "console:ada")
    assert str(refused.value) == f"This signature is from {STRANGER.address}, not {AUTHOR.address}."
    assert all(r.path != "/" for r in snapshot.requests)
    assert await publishing(app).service.publication(request.community_id, 5, "snapshot") is None


async def test_the_sequencers_refusal_is_shown_verbatim_and_frees_the_draft(
    app: App, snapshot: FakeSnapshot
) -> None:
    request, proposal = await ask(app, AUTHOR.address)
    snapshot.spaces.pop("dao.eth")  # the space is gone from Snapshot
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    with pytest.raises(SequencerRefused) as refused:
        await publishing(app).snapshot.complete(request, signature, "console:ada")
    assert str(refused.value) == "Snapshot refused the proposal: unknown space"
    assert await publishing(app).service.publication(request.community_id, 5, "snapshot") is None
    snapshot.add_space("dao.eth")
    published = await publishing(app).snapshot.complete(request, signature, "console:ada")
    assert published.url


async def test_a_proposal_the_sequencer_took_before_is_recorded_not_lost(
    app: App, snapshot: FakeSnapshot
) -> None:
    """The sequencer took the message but its answer never came back; the author tries again
    and the sequencer says "duplicate message": the proposal is on Snapshot, so it is
    recorded under the id its EIP-712 hash gives."""
    request, proposal = await ask(app, AUTHOR.address)
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    async with aiohttp.ClientSession() as http:
        first = await http.post(snapshot.url + "/", json=envelope(proposal, signature))
        assert first.status == 200
    published = await publishing(app).snapshot.complete(request, signature, "console:ada")
    proposal_id = "0x" + proposal_hash(proposal).hex()
    assert published.external_id == proposal_id and published.url.endswith(proposal_id)
    assert len(snapshot.proposals) == 1


async def test_a_space_that_fixes_its_timing_and_type_gets_them_over_the_config(
    app: App, snapshot: FakeSnapshot
) -> None:
    # The space sets a one-hour delay, a five-day vote and basic voting; the config says
    # otherwise (10 minutes, 72 hours, single-choice): the sequencer takes only the space's.
    snapshot.add_space("dao.eth", voting={"delay": 3600, "period": 5 * 86400, "type": "basic"})
    request, proposal = await ask(app, AUTHOR.address)
    assert proposal.start - proposal.timestamp == 3600
    assert proposal.end - proposal.start == 5 * 86400 and proposal.type == "basic"
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    published = await publishing(app).snapshot.complete(request, signature, "console:ada")
    assert snapshot.proposal(published.external_id)["type"] == "basic"


async def test_a_space_unknown_to_the_hub_is_said_before_anything_is_signed(
    app: App, snapshot: FakeSnapshot
) -> None:
    snapshot.spaces.pop("dao.eth")
    with pytest.raises(UserError, match=r"The Snapshot hub knows no space 'dao\.eth'"):
        await ask(app, AUTHOR.address)


async def test_the_signing_page_takes_the_signature_back(app: App, snapshot: FakeSnapshot) -> None:
    console_out = io.StringIO()
    app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
    request, proposal = await ask(app, AUTHOR.address)
    url = app.web.url(signing_path(request.nonce))
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as page:
            text = await page.text()
            assert page.status == 200 and "eth_signTypedData_v4" in text
            assert "nonce-" in page.headers["Content-Security-Policy"]
        wrong = typed_data_signature(STRANGER, typed_data(proposal))
        async with http.post(url, json={"signature": wrong}) as posted:
            assert posted.status == 400
            assert STRANGER.address in await posted.text()
        async with http.post(url, json={"signature": signature}) as posted:
            assert posted.status == 200
            assert (await posted.text()).startswith("Published on Snapshot: https://snapshot.org/")
        async with http.get(url) as again:
            assert '"state": "used"' in await again.text()
        # The author is told in chat too, by direct message through the outbox.
        await app.outbox.drain()
        assert "Published on Snapshot" in console_out.getvalue()
        assert "direct message to ada" in console_out.getvalue()
        unknown = app.web.url(signing_path("0" * 24))
        async with http.post(unknown, json={"signature": signature}) as posted:
            assert posted.status == 404 and "did not issue" in await posted.text()


@pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("STEWARD_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium package is not installed (apt-get install chromium)",
)
async def test_the_author_signs_in_a_real_browser_and_the_proposal_is_published(
    app: App, snapshot: FakeSnapshot, tmp_path: Path
) -> None:
    """Its screenshot goes to docs/ when STEWARD_WRITE_DOCS=1 (else the run leaves no trace)."""
    request, proposal = await ask(app, AUTHOR.address)
    url = app.web.url(signing_path(request.nonce))
    target = DOCS if os.environ.get("STEWARD_WRITE_DOCS") == "1" else tmp_path
    screenshot = target / "proposal-signing-page.png"
    visit = await sign_in_browser(url, AUTHOR, 1, screenshot=screenshot)
    assert visit.verified, visit.status
    assert visit.calls == ["eth_requestAccounts", "eth_chainId", "eth_signTypedData_v4"]
    proposal_id = "0x" + proposal_hash(proposal).hex()
    assert (
        visit.status
        == f"Published on Snapshot: https://snapshot.org/#/dao.eth/proposal/{proposal_id}"
    )
    assert snapshot.proposal(proposal_id)["author"] == AUTHOR.address


async def test_an_expired_signing_link_is_refused(app: App, snapshot: FakeSnapshot) -> None:
    request, proposal = await ask(app, AUTHOR.address)
    async with app.db.transaction() as session:
        row = await session.get(SigningRequest, request.nonce)
        assert row is not None
        row.expires_at = row.issued_at
        session.add(row)
    expired = await publishing(app).snapshot.find(request.nonce)
    assert expired is not None
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    with pytest.raises(UserError, match="has expired"):
        await publishing(app).snapshot.complete(expired, signature, "console:ada")
    assert all(r.path != "/" for r in snapshot.requests)
