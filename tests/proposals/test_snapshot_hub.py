"""The Snapshot client (cogs/proposals/snapshot_hub.py) against the fake hub and sequencer,
through the real HttpClient: paging within the hub's limits, voters, submitting a signed
proposal and the sequencer's refusals in its own words, the API key header."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from eth_account import Account

from bot.errors import UpstreamError, UserError
from bot.http import HttpClient, HttpPolicy
from chain.snapshot import SnapshotProposal, envelope, proposal_id, typed_data
from cogs.proposals.config import SnapshotConfig
from cogs.proposals.snapshot_hub import SequencerRefused, SnapshotHub
from tests.fakes.snapshot import FakeSnapshot
from tests.support.signing import typed_data_signature

NOW = 1_800_000_000
AUTHOR = Account.from_key("0x" + "41" * 32)
VOTERS = [Account.from_key("0x" + f"{50 + i:02x}" * 32).address for i in range(3)]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSnapshot]:
    async with FakeSnapshot(now=NOW, api_keys={"steward-key"}) as snapshot:
        snapshot.add_space("dao.eth")
        snapshot.add_space("other.eth")
        yield snapshot


@pytest.fixture
async def hub() -> AsyncIterator[SnapshotHub]:
    async def no_wait(seconds: float) -> None:
        return None

    async with HttpClient(HttpPolicy(backoff=0.0), sleep=no_wait) as http:
        yield SnapshotHub(http)


def new_proposal(**changes: object) -> SnapshotProposal:
    fields: dict[str, object] = {
        "space": "dao.eth",
        "author": AUTHOR.address,
        "title": "Fund the docs",
        "body": "Pay 5,000 USDC to the docs team.",
        "choices": ("For", "Against", "Abstain"),
        "start": NOW + 60,
        "end": NOW + 5 * 86400,
        "snapshot": 19_000_000,
        "timestamp": NOW,
        "discussion": "https://forum.example/t/fund-the-docs/12",
        **changes,
    }
    return SnapshotProposal(**fields)  # type: ignore[arg-type]


async def test_proposals_of_the_spaces_come_oldest_first_with_every_field(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    first = fake.add_proposal("dao.eth", created=NOW - 20, title="One", quorum=100.0)
    fake.add_proposal("nobody.eth", created=NOW - 15)
    second = fake.add_proposal("other.eth", created=NOW - 10, title="Two")
    fake.add_vote(first["id"], VOTERS[0], choice=1, vp=70.0)
    fake.add_vote(first["id"], VOTERS[1], choice=2, vp=30.0)
    found = await hub.proposals(fake.url, ["dao.eth", "other.eth"])
    assert [p.id for p in found] == [first["id"], second["id"]]
    one = found[0]
    assert (one.space, one.title, one.state, one.votes) == ("dao.eth", "One", "active", 2)
    assert (one.choices, one.scores, one.scores_total) == (
        ("For", "Against", "Abstain"), (70.0, 30.0, 0.0), 100.0
    )  # fmt: skip
    assert (one.quorum, one.start, one.end, one.created) == (
        100.0, NOW - 20, NOW - 20 + 7 * 86400, NOW - 20
    )  # fmt: skip
    assert one.link == f"https://snapshot.org/#/dao.eth/proposal/{first['id']}"
    assert one.scores_state == "pending"
    fake.set_scores(first["id"], [71.0, 29.0, 0.0], final=True)
    [final] = await hub.proposals(fake.url, [], ids=[first["id"]])
    assert (final.scores, final.scores_state) == ((71.0, 29.0, 0.0), "final")


async def test_since_ids_and_state_narrow_the_answer(fake: FakeSnapshot, hub: SnapshotHub) -> None:
    old = fake.add_proposal("dao.eth", created=NOW - 100, start=NOW - 100, end=NOW - 50)
    new = fake.add_proposal("dao.eth", created=NOW - 10, start=NOW + 10, end=NOW + 100)
    assert [p.id for p in await hub.proposals(fake.url, ["dao.eth"], since=NOW - 50)] == [new["id"]]
    by_id = await hub.proposals(fake.url, [], ids=[old["id"]])
    assert [(p.id, p.state) for p in by_id] == [(old["id"], "closed")]
    assert [p.id for p in await hub.proposals(fake.url, ["dao.eth"], state="pending")] == [
        new["id"]
    ]
    assert await hub.proposals(fake.url, []) == []


async def test_paging_stays_within_the_hubs_limits_past_five_thousand(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    # Smaller pages and skip limit, same logic: 23 proposals, 4 a page, skip at most 8.
    small = SnapshotHub(hub.http, page_size=4, max_skip=8)
    made = [fake.add_proposal("dao.eth", created=NOW - 1000 + i // 2) for i in range(23)]
    found = await small.proposals(fake.url, ["dao.eth"])
    assert [p.id for p in found] == [p["id"] for p in made]
    skips = [r.body["variables"]["skip"] for r in fake.requests]
    assert max(skips) <= 8
    assert all(r.body["variables"]["first"] == 4 for r in fake.requests)


async def test_ids_are_asked_a_hundred_at_a_time(fake: FakeSnapshot, hub: SnapshotHub) -> None:
    made = [fake.add_proposal("dao.eth", created=NOW - 500 + i) for i in range(130)]
    found = await hub.proposals(fake.url, ["dao.eth"], ids=[p["id"] for p in made])
    assert len(found) == 130
    assert [len(r.body["variables"]["where"]["id_in"]) for r in fake.requests] == [100, 30]


async def test_voters_are_those_of_the_addresses_who_voted(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    proposal = fake.add_proposal("dao.eth")
    other = fake.add_proposal("dao.eth")
    fake.add_vote(proposal["id"], VOTERS[0].lower())
    fake.add_vote(other["id"], VOTERS[1])
    asked = [VOTERS[0], VOTERS[1], VOTERS[2]]
    assert await hub.voters(fake.url, proposal["id"], asked) == {VOTERS[0]}
    many = [Account.from_key("0x" + f"{i + 1:064x}").address for i in range(150)]
    fake.add_vote(proposal["id"], many[120])
    assert await hub.voters(fake.url, proposal["id"], many) == {many[120]}


async def test_a_signed_proposal_is_submitted_and_then_listed(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    proposal = new_proposal()
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    result = await hub.submit(fake.url, envelope(proposal, signature))
    assert result.id == proposal_id(proposal)
    assert result.relayer == fake.relayer and result.ipfs
    [listed] = await hub.proposals(fake.url, ["dao.eth"], ids=[result.id])
    assert (listed.title, listed.author, listed.state) == (
        "Fund the docs",
        AUTHOR.address,
        "pending",
    )
    assert listed.discussion == "https://forum.example/t/fund-the-docs/12"


@pytest.mark.parametrize(
    ("changes", "description"),
    [
        ({"timestamp": NOW - 4 * 86400}, "wrong timestamp"),
        ({"space": "nobody.eth"}, "unknown space"),
    ],
)
async def test_the_sequencers_refusal_reads_in_its_own_words(
    fake: FakeSnapshot, hub: SnapshotHub, changes: dict[str, object], description: str
) -> None:
    proposal = new_proposal(**changes)
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    with pytest.raises(SequencerRefused) as refused:
        await hub.submit(fake.url, envelope(proposal, signature))
    assert refused.value.description == description
    assert isinstance(refused.value, UserError)
    assert description in str(refused.value)


async def test_a_signature_over_other_words_is_refused(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    signature = typed_data_signature(AUTHOR, typed_data(new_proposal(title="Something else")))
    with pytest.raises(SequencerRefused, match="signature validation failed"):
        await hub.submit(fake.url, envelope(new_proposal(), signature))


async def test_the_api_key_goes_to_the_hub_and_lifts_its_rate_limit(fake: FakeSnapshot) -> None:
    fake.rate_limit(100)
    async with HttpClient(HttpPolicy(attempts=1)) as http:
        keyed = SnapshotHub(http, api_key="steward-key")
        assert await keyed.proposals(fake.url, ["dao.eth"]) == []
        with pytest.raises(UpstreamError) as failed:
            await SnapshotHub(http).proposals(fake.url, ["dao.eth"])
    assert "429" in str(failed.value) and failed.value.retryable
    assert fake.requests[0].headers["x-api-key"] == "steward-key"
    assert "x-api-key" not in fake.requests[1].headers


async def test_a_429_is_waited_out_and_retried(fake: FakeSnapshot) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake.rate_limit(2)
    fake.add_proposal("dao.eth")
    async with HttpClient(sleep=sleep) as http:
        assert len(await SnapshotHub(http).proposals(fake.url, ["dao.eth"])) == 1
    assert len(fake.requests) == 3
    assert waits == [60.0, 60.0]  # the hub's Retry-After


async def test_a_query_the_hub_refuses_is_an_upstream_error(
    fake: FakeSnapshot, hub: SnapshotHub
) -> None:
    too_large = SnapshotHub(hub.http, page_size=5000)
    with pytest.raises(UpstreamError, match="must not be greater than 1000") as failed:
        await too_large.proposals(fake.url, ["dao.eth"])
    assert not failed.value.retryable


def test_config_reads_the_api_key_from_the_environment_only() -> None:
    environ = {"SNAPSHOT_KEY": "k-123"}
    config = SnapshotConfig.model_validate(
        {"api_key_env": "SNAPSHOT_KEY", "spaces": {"dao": ["dao.eth"]}},
        context={"environ": environ},
    )
    assert (config.key, config.spaces_of("dao"), config.spaces_of("x")) == (
        "k-123",
        ["dao.eth"],
        [],
    )
    assert config.hub_url == "https://hub.snapshot.org"
    assert config.sequencer_url == "https://seq.snapshot.org"
    with pytest.raises(ValueError, match="belongs in the environment"):
        SnapshotConfig.model_validate({"api_key": "k-123"}, context={"environ": {}})
    with pytest.raises(ValueError, match="not set in the environment"):
        SnapshotConfig.model_validate({"api_key_env": "MISSING"}, context={"environ": {}})
