"""The fake Snapshot: its sequencer refuses and accepts envelopes as the real one does (messages
signed by eth-account keys and by real Safes on anvil), and its hub answers GraphQL strictly.

The envelopes here are built by hand from the protocol (not by chain/snapshot.py), so the fake
is checked against the protocol and Steward's code later against the fake."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from tests.fakes.snapshot import FakeSnapshot
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.signing import safe_hash_signature, typed_data_hash, typed_data_signature

NOW = 1_800_000_000
AUTHOR = Account.from_key("0x" + "31" * 32)
STRANGER = Account.from_key("0x" + "32" * 32)
SIGNATURE_FAILED = "signature validation failed"
FIELDS = [
    ("from", "string"), ("space", "string"), ("timestamp", "uint64"), ("type", "string"),
    ("title", "string"), ("body", "string"), ("discussion", "string"), ("choices", "string[]"),
    ("labels", "string[]"), ("start", "uint64"), ("end", "uint64"), ("snapshot", "uint64"),
    ("plugins", "string"), ("privacy", "string"), ("app", "string"),
]  # fmt: skip


def proposal_data(author: str, **changes: Any) -> dict[str, Any]:
    message = {
        "from": author, "space": "dao.eth", "timestamp": NOW, "type": "single-choice",
        "title": "Fund the docs", "body": "Pay 5,000 USDC for docs.", "discussion": "",
        "choices": ["For", "Against", "Abstain"], "labels": [], "start": NOW + 60,
        "end": NOW + 3 * 86400, "snapshot": 123, "plugins": "{}", "privacy": "", "app": "",
    }  # fmt: skip
    message.update(changes)
    types = {"Proposal": [{"name": name, "type": kind} for name, kind in FIELDS]}
    return {"domain": {"name": "snapshot", "version": "0.1.4"}, "types": types, "message": message}


def full(data: dict[str, Any]) -> dict[str, Any]:
    """The typed data a wallet signs: with EIP712Domain and primaryType."""
    domain = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}]
    return {**data, "types": {"EIP712Domain": domain, **data["types"]}, "primaryType": "Proposal"}


def signed(account: LocalAccount, **changes: Any) -> dict[str, Any]:
    data = proposal_data(account.address, **changes)
    return {
        "address": account.address,
        "sig": typed_data_signature(account, full(data)),
        "data": data,
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeSnapshot]:
    async with FakeSnapshot(now=NOW, api_keys={"steward-key"}) as snapshot:
        snapshot.add_space("dao.eth")
        yield snapshot


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(http: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, Any]:
    async with http.post(url, json=body) as response:
        return response.status, await response.json(content_type=None)


async def graphql(
    http: aiohttp.ClientSession, fake: FakeSnapshot, query: str, variables: Any = None
) -> tuple[int, Any]:
    return await post(http, fake.url + "/graphql", {"query": query, "variables": variables})


def test_the_current_proposal_type_is_among_the_known_hashes() -> None:
    types = proposal_data(AUTHOR.address)["types"]
    digest = hashlib.sha256(json.dumps(types, separators=(",", ":")).encode()).hexdigest()
    assert digest == "e037b37311c75c995f732b57cd456bdc685e5eac29668698be34388cafb14097"


async def test_a_key_signed_proposal_is_accepted_and_listed_under_its_eip712_hash(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    envelope = signed(AUTHOR)
    status, answer = await post(http, fake.url + "/", envelope)
    assert status == 200, answer
    assert answer["id"] == "0x" + typed_data_hash(full(envelope["data"])).hex()
    assert set(answer) == {"id", "ipfs", "relayer"} and set(answer["relayer"]) == {
        "address",
        "receipt",
    }
    query = (
        '{ proposals(where: {space_in: ["dao.eth"]})'
        " { id title author state choices space { id } } }"
    )
    status, listed = await graphql(http, fake, query)
    assert listed["data"]["proposals"] == [
        {"id": answer["id"], "title": "Fund the docs", "author": AUTHOR.address, "state": "pending",
         "choices": ["For", "Against", "Abstain"], "space": {"id": "dao.eth"}}
    ]  # fmt: skip
    # The same message again is a duplicate.
    assert await post(http, fake.url + "/", envelope) == (
        400, {"error": "client_error", "error_description": "duplicate message"}
    )  # fmt: skip


def _reordered(envelope: dict[str, Any]) -> None:
    fields = envelope["data"]["types"]["Proposal"]
    fields[0], fields[1] = fields[1], fields[0]


def _from_as_address(envelope: dict[str, Any]) -> None:
    envelope["data"]["types"]["Proposal"][0]["type"] = "address"


@pytest.mark.parametrize(
    ("mangle", "description"),
    [
        (lambda e: e.update(extra=1), "wrong envelope format"),
        (lambda e: e.pop("sig"), "wrong envelope format"),
        (lambda e: e["data"]["message"].update(timestamp=NOW - 3 * 86400 - 10), "wrong timestamp"),
        (lambda e: e["data"]["message"].update(timestamp=NOW + 301), "wrong timestamp"),
        (lambda e: e["data"]["domain"].update(version="0.1.3"), "wrong domain"),
        (_reordered, "wrong types"),
        (_from_as_address, "wrong types"),
        (lambda e: e["data"]["message"].update(space="nobody.eth"), "unknown space"),
        (lambda e: e.update(address=STRANGER.address), "alias not enabled"),
        (lambda e: e["data"]["message"].update(title="Fund it twice"), SIGNATURE_FAILED),
        (lambda e: e.update(sig="0x" + "00" * 65), SIGNATURE_FAILED),
    ],
)  # fmt: skip
async def test_the_sequencer_refuses_in_its_own_words(
    fake: FakeSnapshot, http: aiohttp.ClientSession, mangle: Any, description: str
) -> None:
    envelope = copy.deepcopy(signed(AUTHOR))
    mangle(envelope)
    assert await post(http, fake.url + "/", envelope) == (
        400, {"error": "client_error", "error_description": description}
    )  # fmt: skip
    assert fake.proposals == []


async def test_a_space_imposes_its_voting_delay_period_and_type(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    """As snapshot-sequencer's src/writer/proposal.ts: the start exactly `delay` after the
    message's timestamp, the vote exactly `period` long, the space's type; the hub says them."""
    fake.add_space("dao.eth", voting={"delay": 3600, "period": 86400, "type": "basic"})
    query = '{ space(id: "dao.eth") { id voting { delay period type } } }'
    status, answer = await graphql(http, fake, query)
    assert answer["data"]["space"] == {
        "id": "dao.eth", "voting": {"delay": 3600, "period": 86400, "type": "basic"}
    }  # fmt: skip
    good = {"start": NOW + 3600, "end": NOW + 3600 + 86400, "type": "basic"}
    for changes, description in (
        ({**good, "start": NOW + 60, "end": NOW + 60 + 86400}, "invalid voting delay"),
        ({**good, "end": NOW + 3600 + 3 * 86400}, "invalid voting period"),
        ({**good, "type": "single-choice"}, "invalid voting type"),
    ):
        refused = await post(http, fake.url + "/", signed(AUTHOR, **changes))
        assert refused == (400, {"error": "client_error", "error_description": description})
    status, accepted = await post(http, fake.url + "/", signed(AUTHOR, **good))
    assert status == 200, accepted


async def test_a_strangers_signature_is_refused(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    envelope = signed(AUTHOR)
    envelope["sig"] = typed_data_signature(STRANGER, full(envelope["data"]))
    status, answer = await post(http, fake.url + "/", envelope)
    assert (status, answer["error_description"]) == (400, "signature validation failed")


async def test_a_safe_signs_through_eip1271_with_enough_owners(
    chain: Anvil, safe_contracts: SafeContracts, http: aiohttp.ClientSession
) -> None:
    owners = chain.accounts[1:4]
    address = create_safe(chain, safe_contracts, owners, 2)
    safe = SafeDriver(chain, safe_contracts, address, owners)
    async with FakeSnapshot(rpc_url=chain.url, now=NOW) as fake:
        fake.add_space("dao.eth")
        data = proposal_data(address)
        digest = typed_data_hash(full(data))
        one = {
            "address": address,
            "sig": safe_hash_signature(safe, digest, owners[:1]),
            "data": data,
        }
        status, answer = await post(http, fake.url + "/", one)
        assert (status, answer["error_description"]) == (400, "signature validation failed")
        two = {**one, "sig": safe_hash_signature(safe, digest, owners[1:3])}
        status, answer = await post(http, fake.url + "/", two)
        assert status == 200, answer
        assert answer["id"] == "0x" + digest.hex()
        assert fake.proposal(answer["id"])["author"] == address


async def test_without_a_node_a_contract_signature_cannot_pass(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    envelope = signed(AUTHOR)
    envelope["sig"] = envelope["sig"] + envelope["sig"][2:]  # 130 bytes: a 2-of-n Safe's shape
    status, answer = await post(http, fake.url + "/", envelope)
    assert (status, answer["error_description"]) == (400, "signature validation failed")


# -- the hub ---------------------------------------------------------------------------------------


async def test_proposals_filter_order_and_page_like_the_hub(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    fake.add_space("other.eth")
    made = [
        fake.add_proposal("dao.eth", created=NOW - 100 + i, start=NOW - 50, end=NOW + 50)
        for i in range(5)
    ]
    fake.add_proposal("other.eth", created=NOW - 10)
    fake.set_state(made[4]["id"], "closed")
    query = (
        "query P($where: ProposalWhere, $skip: Int!) { proposals(first: 2, skip: $skip,"
        ' where: $where, orderBy: "created", orderDirection: asc) { id state created } }'
    )
    where = {"space_in": ["dao.eth"], "created_gt": NOW - 100}
    _, page = await graphql(http, fake, query, {"where": where, "skip": 0})
    assert [p["id"] for p in page["data"]["proposals"]] == [made[1]["id"], made[2]["id"]]
    _, page = await graphql(http, fake, query, {"where": where, "skip": 2})
    assert [(p["id"], p["state"]) for p in page["data"]["proposals"]] == [
        (made[3]["id"], "active"), (made[4]["id"], "closed")
    ]  # fmt: skip
    _, closed = await graphql(http, fake, query, {"where": {"state": "closed"}, "skip": 0})
    assert [p["id"] for p in closed["data"]["proposals"]] == [made[4]["id"]]
    fake.advance(100)
    _, later = await graphql(http, fake, query, {"where": {"id_in": [made[0]["id"]]}, "skip": 0})
    assert later["data"]["proposals"][0]["state"] == "closed"


async def test_author_and_title_filters(fake: FakeSnapshot, http: aiohttp.ClientSession) -> None:
    mine = fake.add_proposal("dao.eth", author=AUTHOR.address, title="Fund the Docs sprint")
    fake.add_proposal("dao.eth", author=STRANGER.address, title="Fund the docs again")
    query = "query P($where: ProposalWhere) { proposals(where: $where) { id } }"
    where = {"author_in": [AUTHOR.address.lower()], "title_contains": "docs"}
    _, answer = await graphql(http, fake, query, {"where": where})
    assert answer["data"]["proposals"] == [{"id": mine["id"]}]
    _, answer = await graphql(http, fake, query, {"where": {"title_contains": "sprint"}})
    assert answer["data"]["proposals"] == [{"id": mine["id"]}]


async def test_votes_answer_who_voted_with_what_power(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    proposal = fake.add_proposal("dao.eth")
    fake.add_vote(proposal["id"], AUTHOR.address, choice=1, vp=120.0)
    fake.add_vote(proposal["id"], STRANGER.address, choice=2, vp=30.0)
    query = (
        "query V($where: VoteWhere)"
        " { votes(first: 10, where: $where) { voter choice vp proposal { id } } }"
    )
    where = {"proposal": proposal["id"], "voter_in": [AUTHOR.address.lower()]}
    _, answer = await graphql(http, fake, query, {"where": where})
    assert answer["data"]["votes"] == [
        {"voter": AUTHOR.address, "choice": 1, "vp": 120.0, "proposal": {"id": proposal["id"]}}
    ]
    listed = fake.proposal(proposal["id"])
    assert (listed["votes"], listed["scores"], listed["scores_total"]) == (
        2,
        [120.0, 30.0, 0.0],
        150.0,
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ proposals { id colour } }", 'Cannot query field "colour" on type "Proposal".'),
        ("{ spaceships { id } }", 'Cannot query field "spaceships" on type "Query".'),
        ("{ proposals(limit: 3) { id } }", 'Unknown argument "limit" on field "Query.proposals".'),
        ('{ proposals(where: {spaces: ["a"]}) { id } }',
         'Field "spaces" is not defined by type "ProposalWhere".'),
        ("{ proposals { id }", "Syntax Error: Expected Name, found <EOF>."),
        ("query Q { votes(where: $w) { id } }", 'Variable "$w" is not defined.'),
        ("{ proposals }",
         'Field "proposals" of type "[Proposal]" must have a selection of subfields.'),
    ],
)  # fmt: skip
async def test_the_hub_refuses_what_its_schema_does_not_have(
    fake: FakeSnapshot, http: aiohttp.ClientSession, query: str, message: str
) -> None:
    assert await graphql(http, fake, query) == (400, {"errors": [{"message": message}]})


async def test_argument_limits_answer_as_the_hubs_resolvers_do(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    status, answer = await graphql(http, fake, "{ proposals(first: 1001) { id } }")
    assert status == 200
    assert answer["data"] == {"proposals": None}
    assert answer["errors"][0]["message"] == "The `first` argument must not be greater than 1000"
    ids = [f"0x{i:064x}" for i in range(101)]
    _, answer = await graphql(
        http,
        fake,
        "query($w: ProposalWhere) { proposals(where: $w) { id } }",
        {"w": {"id_in": ids}},
    )
    assert answer["errors"][0]["message"] == "The `id_in` argument must not be greater than 100"


async def test_a_rate_limited_hub_answers_429_except_to_an_api_key(
    fake: FakeSnapshot, http: aiohttp.ClientSession
) -> None:
    fake.rate_limit(2)
    body = {"query": "{ proposals { id } }"}
    async with http.post(
        fake.url + "/graphql", json=body, headers={"x-api-key": "steward-key"}
    ) as keyed:
        assert keyed.status == 200
    async with http.post(fake.url + "/graphql", json=body) as limited:
        assert limited.status == 429
        assert limited.headers["RateLimit-Remaining"] == "0"
        assert "too many requests" in (await limited.json())["error"]
    assert fake.requests[0].headers["x-api-key"] == "steward-key"
