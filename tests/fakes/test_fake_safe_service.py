"""The fake Safe Transaction Service, driven through safe-eth-py's real client and plain aiohttp.

Everything runs on 127.0.0.1: Safes are registered with fresh eth_account owners, SafeTxs are built
and signed offline with safe-eth-py (``SafeTx(None, ..., safe_version=..., chain_id=...)`` never
touches its client), and the JSON-RPC node of the ``rpc_url`` tests is a stub in this file.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, Hash32
from eth_utils import keccak, to_checksum_address
from safe_eth.eth import EthereumNetwork
from safe_eth.eth.eip712 import eip712_encode_hash
from safe_eth.safe import SafeTx
from safe_eth.safe.api.base_api import SafeAPIException
from safe_eth.safe.api.transaction_service_api import TransactionServiceApi
from safe_eth.safe.api.transaction_service_api.transaction_service_messages import (
    get_remove_transaction_message,
)
from safe_eth.safe.multi_send import MultiSend, MultiSendOperation, MultiSendTx

from tests.fakes.safe_service import FakeSafeTransactionService, Quota, SafeTxFields

JSON = dict[str, Any]
CHAIN_ID = 31337  # anvil's; safe-eth-py calls it EthereumNetwork.GOCHAIN_TESTNET
KEY = "test-api-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
ZERO = "0x0000000000000000000000000000000000000000"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
MULTISEND_CALL_ONLY = to_checksum_address(MultiSend.MULTISEND_CALL_ONLY_ADDRESSES[1])  # v1.4.1

# Keys of a multisig transaction as the service serializes it (history/serializers.py
# SafeMultisigTransactionResponseSerializer, plus "payment" of the 2026 snapshot).
SERVICE_TX_KEYS = frozenset(
    {
        "safe", "to", "value", "data", "operation", "gasToken", "safeTxGas", "baseGas",
        "gasPrice", "refundReceiver", "nonce", "executionDate", "submissionDate", "modified",
        "blockNumber", "transactionHash", "safeTxHash", "proposer", "proposedByDelegate",
        "executor", "isExecuted", "isSuccessful", "ethGasPrice", "maxFeePerGas",
        "maxPriorityFeePerGas", "gasUsed", "fee", "payment", "origin", "dataDecoded",
        "confirmationsRequired", "confirmations", "trusted", "signatures",
    }
)  # fmt: skip
CONFIRMATION_KEYS = frozenset(
    {"owner", "submissionDate", "transactionHash", "signature", "signatureType"}
)


class ManualClock:
    """Wall-clock seconds, moved by hand (a quarter past a whole second, to test rounding)."""

    def __init__(self) -> None:
        self.now = 1_767_225_600.25

    def __call__(self) -> float:
        return self.now


def hex_(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def safe_tx(
    safe: ChecksumAddress,
    to: ChecksumAddress,
    value: int = 0,
    data: bytes = b"",
    operation: int = 0,
    nonce: int = 0,
    version: str = "1.4.1",
) -> SafeTx:
    # No EthereumClient: with nonce, version and chain id given, hashing and signing are offline.
    return SafeTx(
        None,  # type: ignore[arg-type]
        safe, to, value, data, operation, 0, 0, 0, None, None,
        safe_nonce=nonce, safe_version=version, chain_id=CHAIN_ID,
    )  # fmt: skip


def signed(account: LocalAccount, digest: bytes) -> bytes:
    """``account``'s 65-byte EOA signature of ``digest``."""
    return bytes(account.unsafe_sign_hash(Hash32(bytes(digest))).signature)


def sign(account: LocalAccount, tx: SafeTx) -> bytes:
    return signed(account, tx.safe_tx_hash)


def proposal(tx: SafeTx, sender: str, signature: bytes | None, **overrides: Any) -> JSON:
    """The body safe-eth-py's post_transaction sends, to be bent by the error tests."""
    body: JSON = {
        "to": tx.to,
        "value": tx.value,
        "data": hex_(tx.data) if tx.data else None,
        "operation": tx.operation,
        "gasToken": tx.gas_token,
        "safeTxGas": tx.safe_tx_gas,
        "baseGas": tx.base_gas,
        "gasPrice": tx.gas_price,
        "refundReceiver": tx.refund_receiver,
        "nonce": tx.safe_nonce,
        "contractTransactionHash": hex_(tx.safe_tx_hash),
        "sender": sender,
        "signature": hex_(signature) if signature else None,
        "origin": None,
    }
    body.update(overrides)
    return body


def erc20_transfer(to: str, amount: int) -> bytes:
    return keccak(text="transfer(address,uint256)")[:4] + abi_encode(
        ["address", "uint256"], [to, amount]
    )


def multisend(*txs: MultiSendTx) -> bytes:
    packed = b"".join(tx.encoded_data for tx in txs)
    return keccak(text="multiSend(bytes)")[:4] + abi_encode(["bytes"], [packed])


@pytest.fixture
def owners() -> list[LocalAccount]:
    accounts: list[LocalAccount] = [Account.create() for _ in range(3)]
    return accounts


@pytest.fixture
def stranger() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account


@pytest.fixture
def safe() -> ChecksumAddress:
    return to_checksum_address(Account.create().address)


@pytest.fixture
def token() -> ChecksumAddress:
    return to_checksum_address(Account.create().address)


@pytest_asyncio.fixture
async def fake(
    owners: list[LocalAccount], safe: ChecksumAddress
) -> AsyncIterator[FakeSafeTransactionService]:
    async with FakeSafeTransactionService(CHAIN_ID, api_key=KEY) as service:
        service.add_safe(safe, [o.address for o in owners], threshold=2)
        yield service


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest.fixture
def api(fake: FakeSafeTransactionService) -> Iterator[TransactionServiceApi]:
    client = TransactionServiceApi(EthereumNetwork(CHAIN_ID), base_url=fake.base_url, api_key=KEY)
    yield client
    client.http_session.close()


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url) as response:
        return response.status, await response.json(content_type=None)


async def post(http: aiohttp.ClientSession, url: str, body: JSON) -> tuple[int, Any]:
    async with http.post(url, json=body) as response:
        text = await response.text()
        return response.status, (await response.json(content_type=None)) if text else None


# ----- proposing, confirming, reading back --------------------------------------------------------
@pytest.mark.asyncio
async def test_propose_confirm_and_read_back_through_safe_eth_py(
    fake: FakeSafeTransactionService,
    api: TransactionServiceApi,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    tx = safe_tx(safe, owners[0].address, value=10**17)
    tx.sign(owners[1].key.hex())
    assert await asyncio.to_thread(api.post_transaction, tx)
    for _ in range(2):  # a second, identical confirmation changes nothing
        assert await asyncio.to_thread(api.post_signatures, tx.safe_tx_hash, sign(owners[2], tx))

    (result,) = await asyncio.to_thread(api.get_transactions, safe)

    assert set(result) == SERVICE_TX_KEYS
    assert result["safeTxHash"] == hex_(tx.safe_tx_hash)
    assert (result["safe"], result["to"]) == (safe, owners[0].address)
    # v2 renders these as strings; value and gasPrice are strings in every version.
    assert (result["nonce"], result["safeTxGas"], result["baseGas"]) == ("0", "0", "0")
    assert (result["value"], result["gasPrice"]) == ("100000000000000000", "0")
    assert result["data"] is None and result["dataDecoded"] is None
    assert (result["gasToken"], result["refundReceiver"]) == (ZERO, ZERO)
    assert result["proposer"] == owners[1].address  # safe-eth-py sends its first signer
    assert result["origin"] == "Safe-CLI"
    assert result["trusted"] is True
    assert result["isExecuted"] is False and result["isSuccessful"] is None
    assert result["transactionHash"] is None and result["signatures"] is None
    assert result["confirmationsRequired"] == 2
    assert TIMESTAMP.match(result["submissionDate"]) and TIMESTAMP.match(result["modified"])
    confirmations = result["confirmations"]
    assert [c["owner"] for c in confirmations] == [owners[1].address, owners[2].address]
    assert all(set(c) == CONFIRMATION_KEYS for c in confirmations)
    assert {c["signatureType"] for c in confirmations} == {"EOA"}
    assert {c["transactionHash"] for c in confirmations} == {None}
    assert confirmations[1]["signature"] == hex_(sign(owners[2], tx))
    assert fake.queued(safe)[0]["safeTxHash"] == result["safeTxHash"]


@pytest.mark.asyncio
async def test_v1_renders_numbers_where_v2_renders_strings(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    digest = fake.propose_raw(
        safe, owners[0].address, 5, nonce=3, signers=[owners[0]], safe_tx_gas=7
    )
    base = fake.base_url

    status, v1 = await get(http, f"{base}/api/v1/safes/{safe}/multisig-transactions/")
    _, v2 = await get(http, f"{base}/api/v2/safes/{safe}/multisig-transactions/")
    _, one_v1 = await get(http, f"{base}/api/v1/multisig-transactions/{digest}/")
    _, one_v2 = await get(http, f"{base}/api/v2/multisig-transactions/{digest}/")
    _, info = await get(http, f"{base}/api/v1/safes/{safe}/")

    assert status == 200
    for row in (v1["results"][0], one_v1):
        assert (row["nonce"], row["safeTxGas"], row["baseGas"]) == (3, 7, 0)
        assert (row["value"], row["gasPrice"]) == ("5", "0")
    for row in (v2["results"][0], one_v2):
        assert (row["nonce"], row["safeTxGas"], row["baseGas"]) == ("3", "7", "0")
    assert one_v2 == fake.transaction(digest)
    assert info == {
        "address": safe,
        "nonce": "0",  # a string in the current SafeInfoResponseSerializer
        "threshold": 2,
        "owners": [o.address for o in owners],
        "masterCopy": ZERO,
        "modules": [],
        "fallbackHandler": ZERO,
        "guard": ZERO,
        "version": "1.4.1",
    }


@pytest.mark.parametrize("version", ["1.4.1", "1.3.0", "1.1.1", "0.1.0"])
def test_safe_tx_hash_agrees_with_safe_eth_py(
    version: str, safe: ChecksumAddress, token: ChecksumAddress
) -> None:
    tx = safe_tx(safe, token, 3, erc20_transfer(safe, 9), operation=1, nonce=12, version=version)
    fields = SafeTxFields(token, 3, tx.data, 1, nonce=12)
    assert fields.safe_tx_hash(CHAIN_ID, version, safe) == tx.safe_tx_hash


# ----- lists: paging, filters, the queue ---------------------------------------------------------
@pytest.mark.asyncio
async def test_paging_follows_next_links_to_the_end(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    for nonce in range(7):
        fake.propose_raw(safe, owners[1].address, nonce, nonce=nonce, signers=[owners[0]])
    url: str | None = (
        f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/?limit=3&executed=false"
    )
    nonces: list[str] = []
    pages: list[JSON] = []
    while url is not None:
        status, page = await get(http, url)
        assert status == 200
        pages.append(page)
        nonces += [row["nonce"] for row in page["results"]]
        url = page["next"]

    assert nonces == ["6", "5", "4", "3", "2", "1", "0"]  # default ordering: -nonce, -created
    assert [p["count"] for p in pages] == [7, 7, 7] and pages[0]["countUniqueNonce"] == 7
    # Absolute links with the query sorted, as DRF's replace_query_param writes them.
    prefix = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
    assert pages[0]["next"] == f"{prefix}?executed=false&limit=3&offset=3"
    assert pages[0]["previous"] is None
    assert pages[1]["previous"] == f"{prefix}?executed=false&limit=3"
    assert pages[2]["previous"] == f"{prefix}?executed=false&limit=3&offset=3"

    _, capped = await get(http, f"{prefix}?limit=500&offset=5")
    _, defaulted = await get(http, f"{prefix}?limit=0")
    assert [r["nonce"] for r in capped["results"]] == ["1", "0"]
    assert capped["previous"] == f"{prefix}?limit=200"  # max_limit 200
    assert len(defaulted["results"]) == 7 and defaulted["next"] is None


@pytest.mark.asyncio
async def test_queue_filter_groups_replacements_by_nonce(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    signers = [owners[0]]
    fake.propose_raw(safe, owners[1].address, 1, nonce=0, signers=signers)
    first = fake.propose_raw(safe, owners[1].address, 2, nonce=1, signers=signers)
    replacement = fake.propose_raw(safe, owners[2].address, 0, nonce=1, signers=signers)
    last = fake.propose_raw(safe, owners[1].address, 3, nonce=2, signers=signers)
    fake.set_nonce(safe, 1)  # nonce 0 went through on chain, unseen by the service
    prefix = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"

    _, queue = await get(http, f"{prefix}?executed=false&nonce__gte=1")
    _, ascending = await get(http, f"{prefix}?executed=false&nonce__gte=1&ordering=nonce")
    _, exact = await get(http, f"{prefix}?nonce=1")
    _, below = await get(http, f"{prefix}?nonce__lt=1")

    hashes = [row["safeTxHash"] for row in queue["results"]]
    assert hashes == [last, replacement, first]  # -nonce, then the newest proposal first
    assert [row["safeTxHash"] for row in ascending["results"]] == [first, replacement, last]
    assert queue["count"] == 3 and queue["countUniqueNonce"] == 3  # over all the Safe's txs
    assert {row["safeTxHash"] for row in exact["results"]} == {first, replacement}
    assert [row["nonce"] for row in below["results"]] == ["0"]  # not executed, yet out of queue
    assert below["results"][0]["isExecuted"] is False
    assert [tx["safeTxHash"] for tx in fake.queued(safe)] == [first, replacement, last]


@pytest.mark.asyncio
async def test_execution_takes_a_transaction_and_its_replacement_out_of_the_queue(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    signers = [owners[0], owners[1]]
    executed = fake.propose_raw(safe, owners[2].address, 1, nonce=0, signers=signers)
    replaced = fake.propose_raw(safe, owners[2].address, 2, nonce=0, signers=[owners[0]])
    failing = fake.propose_raw(safe, owners[2].address, 3, nonce=1, signers=signers)
    tx_hash = hex_(keccak(text="the execution"))

    fake.mark_executed(executed, tx_hash, executor=owners[1].address)

    row = fake.transaction(executed)
    assert row is not None
    assert row["isExecuted"] is True and row["isSuccessful"] is True
    assert (row["transactionHash"], row["executor"]) == (tx_hash, owners[1].address)
    assert isinstance(row["blockNumber"], int) and TIMESTAMP.match(row["executionDate"])
    assert (row["gasUsed"], row["ethGasPrice"], row["fee"]) == (
        85_000,
        "1000000000",
        str(85_000 * 10**9),
    )
    assert row["payment"] == "0" and row["confirmationsRequired"] == 2
    ordered = sorted(signers, key=lambda a: int(a.address, 16))
    digest = bytes.fromhex(executed[2:])
    assert row["signatures"] == hex_(b"".join(signed(a, digest) for a in ordered))
    _, info = await get(http, f"{fake.base_url}/api/v1/safes/{safe}/")
    assert info["nonce"] == "1"
    prefix = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
    _, queue = await get(http, f"{prefix}?executed=false&nonce__gte=1")
    assert [r["safeTxHash"] for r in queue["results"]] == [failing]
    _, pending = await get(http, f"{prefix}?executed=false")
    assert replaced in {r["safeTxHash"] for r in pending["results"]}  # replaced, still "pending"

    fake.mark_executed(failing, success=False)
    _, done = await get(http, f"{prefix}?executed=true")
    _, failed = await get(http, f"{prefix}?failed=true")
    assert [r["safeTxHash"] for r in done["results"]] == [failing, executed]
    assert [r["safeTxHash"] for r in failed["results"]] == [failing]
    assert fake.queued(safe) == []

    # The service refuses what no longer makes sense for executed nonces.
    confirm_url = f"{fake.base_url}/api/v1/multisig-transactions/{executed}/confirmations/"
    status, body = await post(http, confirm_url, {"signature": hex_(signed(owners[2], digest))})
    assert status == 400 and "was already executed" in body["signature"][0]
    late = safe_tx(safe, owners[2].address, 9, nonce=0)
    status, body = await post(
        http, prefix, proposal(late, owners[0].address, sign(owners[0], late))
    )
    assert status == 422
    assert body["nonFieldErrors"] == [
        f"Tx with nonce=0 for safe={safe} already executed in tx-hash={tx_hash}"
    ]


# ----- the service's checks ----------------------------------------------------------------------
@pytest.mark.asyncio
async def test_proposals_are_checked_like_the_service_does(
    fake: FakeSafeTransactionService,
    api: TransactionServiceApi,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    stranger: LocalAccount,
    safe: ChecksumAddress,
) -> None:
    url = f"{fake.base_url}/api/v1/safes/{safe}/multisig-transactions/"
    tx = safe_tx(safe, owners[2].address, 1)
    other_nonce = safe_tx(safe, owners[2].address, 1, nonce=1)
    owner0 = owners[0].address

    cases = {
        "stranger signs": proposal(tx, owner0, sign(stranger, tx)),
        "owner 1 signs for owner 0": proposal(tx, owner0, sign(owners[1], tx)),
        "stranger sends": proposal(tx, stranger.address, sign(stranger, tx)),
        "wrong hash": proposal(
            tx, owner0, sign(owners[0], tx), contractTransactionHash=hex_(other_nonce.safe_tx_hash)
        ),
        "signed twice": proposal(tx, owner0, sign(owners[0], tx) * 2),
    }
    answers = {name: await post(http, url, body) for name, body in cases.items()}

    assert {status for status, _ in answers.values()} == {422}
    errors = {name: body["nonFieldErrors"][0] for name, (_, body) in answers.items()}
    assert errors["stranger signs"].startswith(
        f"Signer={stranger.address} is not an owner or delegate."
    )
    assert errors["owner 1 signs for owner 0"] == (
        f"Signature does not match sender={owner0}. Calculated owners=['{owners[1].address}']"
    )
    assert errors["stranger sends"].startswith(
        f"Sender={stranger.address} is not an owner or delegate. Current owners="
    )
    assert errors["wrong hash"] == (
        f"Contract-transaction-hash={hex_(tx.safe_tx_hash)} does not match provided "
        f"contract-tx-hash={hex_(other_nonce.safe_tx_hash)}"
    )
    assert errors["signed twice"] == f"Signature for owner={owner0} is duplicated"

    status, fields = await post(
        http,
        url,
        {"to": owner0.lower(), "value": -1, "nonce": "x", "sender": owner0, "signature": "0x12"},
    )
    assert status == 422
    assert fields["to"] == [f"Address {owner0.lower()} is not checksumed"]
    assert fields["value"] == ["Ensure this value is greater than or equal to 0."]
    assert fields["nonce"] == ["A valid integer is required."]
    assert fields["contractTransactionHash"] == ["This field is required."]
    assert fields["signature"][0].startswith("Ensure this field has at least 65")

    status, body = await post(
        http, f"{fake.base_url}/api/v1/safes/{safe.lower()}/multisig-transactions/", {}
    )
    assert (status, body["code"], body["arguments"]) == (422, 1, [safe.lower()])

    foreign = safe_tx(safe, owners[2].address, 1)
    foreign.sign(stranger.key.hex())
    with pytest.raises(SafeAPIException, match="is not an owner"):
        await asyncio.to_thread(api.post_transaction, foreign)
    assert fake.queued(safe, trusted_only=False) == []


@pytest.mark.asyncio
async def test_confirmations_are_checked_and_eth_sign_is_accepted(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    stranger: LocalAccount,
    safe: ChecksumAddress,
) -> None:
    digest = fake.propose_raw(safe, owners[1].address, 1, signers=[owners[0]])
    url = f"{fake.base_url}/api/v1/multisig-transactions/{digest}/confirmations/"
    hash_bytes = bytes.fromhex(digest[2:])

    status, body = await post(http, url, {"signature": hex_(signed(stranger, hash_bytes))})
    assert status == 400
    assert body["signature"][0].startswith(
        f"Signer={stranger.address} is not an owner. Current owners="
    )
    status, body = await post(http, url, {"signature": "0x1234"})
    assert status == 400 and body["signature"][0].startswith("Ensure this field has at least 65")
    unknown = hex_(keccak(text="unknown"))
    status, body = await post(http, url.replace(digest, unknown), {"signature": "0x" + "11" * 65})
    assert (status, body) == (
        404,
        {"detail": f"Multisig transaction with safe-tx-hash={unknown} was not found"},
    )

    # eth_sign: the owner signs the prefixed hash and adds 4 to v.
    message = owners[2].sign_message(encode_defunct(primitive=hash_bytes))
    eth_sign = (
        message.r.to_bytes(32, "big") + message.s.to_bytes(32, "big") + bytes([message.v + 4])
    )
    status, body = await post(http, url, {"signature": hex_(eth_sign)})
    assert (status, body) == (201, {"signature": hex_(eth_sign)})
    _, listed = await get(http, url)
    assert [(c["owner"], c["signatureType"]) for c in listed["results"]] == [
        (owners[0].address, "EOA"),
        (owners[2].address, "ETH_SIGN"),
    ]


@pytest.mark.asyncio
async def test_a_proposal_without_signature_is_untrusted_until_confirmed(
    fake: FakeSafeTransactionService,
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    tx = safe_tx(safe, owners[1].address, 1)
    prefix = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
    status, _ = await post(http, prefix, proposal(tx, owners[0].address, None))
    assert status == 201

    _, hidden = await get(http, prefix)
    _, untrusted = await get(http, f"{prefix}?trusted=false")
    assert (hidden["count"], hidden["countUniqueNonce"]) == (0, 0)
    assert untrusted["results"][0]["trusted"] is False
    assert untrusted["results"][0]["origin"] == "{}"  # no origin sent: the service stores {}

    confirm = f"{fake.base_url}/api/v1/multisig-transactions/{hex_(tx.safe_tx_hash)}/confirmations/"
    status, _ = await post(http, confirm, {"signature": hex_(sign(owners[1], tx))})
    _, shown = await get(http, prefix)
    assert status == 201 and shown["count"] == 1 and shown["results"][0]["trusted"] is True


@pytest.mark.asyncio
async def test_the_proposer_can_delete_a_pending_transaction(
    fake: FakeSafeTransactionService,
    api: TransactionServiceApi,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    digest = fake.propose_raw(safe, owners[1].address, 1, signers=[owners[0]])
    hash_bytes = bytes.fromhex(digest[2:])
    message = eip712_encode_hash(get_remove_transaction_message(safe, hash_bytes, CHAIN_ID))

    wrong = hex_(signed(owners[1], message))
    with pytest.raises(SafeAPIException, match="not the proposer"):
        await asyncio.to_thread(api.delete_transaction, digest, wrong)
    right = hex_(signed(owners[0], message))
    assert await asyncio.to_thread(api.delete_transaction, digest, right)
    assert fake.transaction(digest) is None


# ----- the hosted API: keys, quota, rate limits, faults ------------------------------------------
@pytest.mark.asyncio
async def test_requests_need_the_api_key(
    fake: FakeSafeTransactionService, owners: list[LocalAccount], safe: ChecksumAddress
) -> None:
    url = f"{fake.base_url}/api/v1/safes/{safe}/"
    async with aiohttp.ClientSession() as anonymous:
        for headers in ({}, {"Authorization": "Bearer wrong"}, AUTH):
            async with anonymous.get(url, headers=headers) as response:
                body = await response.json()
                if headers is AUTH:
                    assert response.status == 200
                else:
                    assert response.status == 401 and set(body) == {"detail"}
                    assert "X-RateLimit-Remaining" not in response.headers

    assert [r.had_valid_key for r in fake.requests] == [False, False, True]
    assert fake.quota_used == 1  # refused requests use no quota
    keyless = TransactionServiceApi(EthereumNetwork(CHAIN_ID), base_url=fake.base_url, api_key=None)
    with pytest.raises(SafeAPIException, match="Cannot get transactions"):
        await asyncio.to_thread(keyless.get_transactions, safe)
    keyless.http_session.close()


@pytest.mark.asyncio
async def test_rate_headers_count_down_warn_and_the_exhausted_quota_answers_429(
    owners: list[LocalAccount], safe: ChecksumAddress
) -> None:
    clock = ManualClock()
    quota = Quota(rps=None, monthly=10, window_seconds=3600)
    async with (
        FakeSafeTransactionService(CHAIN_ID, api_key=KEY, limits=quota, clock=clock) as fake,
        aiohttp.ClientSession(headers=AUTH) as http,
    ):
        fake.add_safe(safe, [o.address for o in owners], 2)
        url = f"{fake.base_url}/api/v1/safes/{safe}/"
        seen: list[tuple[int, str, str, str | None]] = []
        for _ in range(11):
            clock.now += 10
            async with http.get(url) as response:
                h = response.headers
                seen.append(
                    (
                        response.status,
                        h["X-RateLimit-Remaining"],
                        h["X-RateLimit-Reset"],
                        h.get("X-RateLimit-Warning"),
                    )
                )
                last_body, last_headers = await response.json(), h

        assert [s[1] for s in seen] == ["9", "8", "7", "6", "5", "4", "3", "2", "1", "0", "0"]
        assert [s[2] for s in seen[:2]] == ["3590", "3580"]  # seconds to the window's end
        assert [s[3] is not None for s in seen] == [False] * 7 + [True] * 4
        assert seen[7][3] == "80% of monthly quota used. Plans: https://safe.global/api#plans"
        assert seen[-1][0] == 429 and {s[0] for s in seen[:-1]} == {200}
        assert last_body == {"detail": "Monthly quota exceeded."}
        assert last_headers["Retry-After"] == seen[-1][2]
        assert (last_headers["X-RateLimit-Limit"], last_headers["X-RateLimit-Plan"]) == (
            "10",
            "builder",
        )
        assert fake.quota_used == 10

        clock.now += 3600  # a new billing window
        async with http.get(url) as response:
            assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == "9"
        fake.set_quota_remaining(1)
        statuses = []
        for _ in range(2):
            async with http.get(url) as response:
                statuses.append(response.status)
        assert statuses == [200, 429] and fake.quota_remaining == 0


@pytest.mark.asyncio
async def test_more_than_rps_requests_in_one_second_answer_429(
    owners: list[LocalAccount], safe: ChecksumAddress
) -> None:
    clock = ManualClock()
    async with (
        FakeSafeTransactionService(
            CHAIN_ID, api_key=KEY, limits=Quota.builder(), clock=clock
        ) as fake,
        aiohttp.ClientSession(headers=AUTH) as http,
    ):
        fake.add_safe(safe, [o.address for o in owners], 2)
        url = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
        statuses = []
        for _ in range(6):
            async with http.get(url) as response:
                statuses.append(response.status)
                retry_after, consumer_rps = (
                    response.headers.get("Retry-After"),
                    response.headers["X-Consumer-RPS"],
                )
                body = await response.json()

        assert statuses == [200] * 5 + [429]
        assert (retry_after, consumer_rps) == ("1", "5")
        assert body["detail"].startswith("Request was throttled.")
        assert fake.quota_used == 5
        clock.now += 1
        async with http.get(url) as response:
            assert response.status == 200


@pytest.mark.asyncio
async def test_fail_next_answers_a_proxy_error_once(
    fake: FakeSafeTransactionService, http: aiohttp.ClientSession, safe: ChecksumAddress
) -> None:
    fake.fail_next("multisig-transactions", status=503)
    listing = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
    async with http.get(f"{fake.base_url}/api/v1/safes/{safe}/") as response:
        assert response.status == 200  # not matching: untouched
    async with http.get(listing) as response:
        assert response.status == 503 and response.content_type == "text/html"
        assert "X-RateLimit-Remaining" in response.headers
    async with http.get(listing) as response:
        assert response.status == 200


@pytest.mark.asyncio
async def test_unknown_paths_and_missing_slashes(
    fake: FakeSafeTransactionService, http: aiohttp.ClientSession, safe: ChecksumAddress
) -> None:
    async with http.get(f"{fake.base_url}/api/v1/about/") as response:
        assert response.status == 404
    async with http.get(f"{fake.base_url}/api/v1/safes/{safe}") as response:
        assert response.status == 200 and response.history[0].status == 301  # Django APPEND_SLASH
    async with http.get(f"{fake.base_url}/api/v1/safes/{Account.create().address}/") as response:
        assert response.status == 404 and await response.read() == b""
    assert [r.path for r in fake.unhandled] == ["/api/v1/about/"]


# ----- dataDecoded -----------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_data_decoded_for_an_erc20_transfer_and_a_multisend(
    fake: FakeSafeTransactionService,
    api: TransactionServiceApi,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
    token: ChecksumAddress,
) -> None:
    recipient = owners[2].address
    transfer = safe_tx(safe, token, data=erc20_transfer(recipient, 1000), nonce=0)
    transfer.sign(owners[0].key.hex())
    change_threshold = keccak(text="changeThreshold(uint256)")[:4] + abi_encode(["uint256"], [3])
    inner = [
        MultiSendTx(MultiSendOperation.CALL, token, 0, erc20_transfer(recipient, 5)),
        MultiSendTx(MultiSendOperation.CALL, safe, 0, change_threshold),
        MultiSendTx(MultiSendOperation.CALL, recipient, 7, b""),
    ]
    batch = multisend(*inner)
    bundled = safe_tx(safe, MULTISEND_CALL_ONLY, data=batch, operation=1, nonce=1)
    bundled.sign(owners[0].key.hex())
    hidden = safe_tx(
        safe, token, data=batch, operation=1, nonce=2
    )  # DELEGATECALL, untrusted target
    hidden.sign(owners[0].key.hex())
    for tx in (transfer, bundled, hidden):
        assert await asyncio.to_thread(api.post_transaction, tx)

    # safe-eth-py's TypedDict has dataDecoded wrong (a list); read the rows as plain JSON.
    rows: dict[str, JSON] = {
        row["nonce"]: dict(row) for row in await asyncio.to_thread(api.get_transactions, safe)
    }

    assert rows["0"]["dataDecoded"] == {
        "method": "transfer",
        "parameters": [
            {"name": "to", "type": "address", "value": recipient},
            {"name": "value", "type": "uint256", "value": "1000"},
        ],
    }
    decoded = rows["1"]["dataDecoded"]
    assert decoded["method"] == "multiSend"
    (parameter,) = decoded["parameters"]
    assert (parameter["name"], parameter["type"]) == ("transactions", "bytes")
    assert parameter["value"] == hex_(b"".join(tx.encoded_data for tx in inner))
    items = parameter["valueDecoded"]
    assert [(i["operation"], i["to"], i["value"]) for i in items] == [
        (0, token, "0"), (0, safe, "0"), (0, recipient, "7")
    ]  # fmt: skip
    assert items[0]["dataDecoded"]["method"] == "transfer"
    assert items[0]["dataDecoded"]["parameters"][1]["value"] == "5"
    assert items[1]["dataDecoded"] == {
        "method": "changeThreshold",
        "parameters": [{"name": "_threshold", "type": "uint256", "value": "3"}],
    }
    assert (items[2]["data"], items[2]["dataDecoded"]) == (None, None)
    assert rows["2"]["dataDecoded"] is None  # the service will not decode it for signers

    fake.trust_delegate_call(token)
    fake.add_function("mint(address to,uint256 amount)")
    mint = keccak(text="mint(address,uint256)")[:4] + abi_encode(
        ["address", "uint256"], [recipient, 2]
    )
    assert fake.decode(mint) == {
        "method": "mint",
        "parameters": [
            {"name": "to", "type": "address", "value": recipient},
            {"name": "amount", "type": "uint256", "value": "2"},
        ],
    }
    row = fake.transaction(hex_(hidden.safe_tx_hash))
    assert row is not None and row["dataDecoded"]["method"] == "multiSend"


# ----- rpc_url: Safes and executions read from a chain -------------------------------------------
SAFE_MULTISIG_TX_TOPIC = hex_(
    keccak(
        text="SafeMultiSigTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,"
        "address,bytes,bytes)"
    )
)
EXECUTION_SUCCESS_TOPIC = hex_(keccak(text="ExecutionSuccess(bytes32,uint256)"))
L2_EVENT_TYPES = [
    "address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address",
    "bytes", "bytes",
]  # fmt: skip


class StubChain:
    """A JSON-RPC node that knows one Safe v1.4.1 and answers what the fake asks, nothing more."""

    def __init__(self, safe: str, owners: list[str], threshold: int) -> None:
        self.chain_id = CHAIN_ID
        self.safe, self.owners, self.threshold, self.nonce = safe, owners, threshold, 0
        self.block = 10
        self.logs: list[JSON] = []
        self.executor = str(Account.create().address)

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        calls = payload if isinstance(payload, list) else [payload]
        answers = [
            {"jsonrpc": "2.0", "id": c["id"], "result": self.answer(c["method"], c["params"])}
            for c in calls
        ]
        return web.json_response(answers if isinstance(payload, list) else answers[0])

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(self.block)
        if method == "eth_getStorageAt":
            return "0x" + "00" * 32
        if method == "eth_call":
            return self.call(params[0]["to"], bytes.fromhex(params[0]["data"][2:]))
        if method == "eth_getLogs":
            (query,) = params
            low, high = int(query["fromBlock"], 16), int(query["toBlock"], 16)
            return [
                log for log in self.logs
                if log["address"] == query["address"] and low <= int(log["blockNumber"], 16) <= high
                and log["topics"][0] in query["topics"][0]
            ]  # fmt: skip
        if method == "eth_getBlockByNumber":
            return {"number": params[0], "timestamp": hex(1_700_000_000 + int(params[0], 16) * 12)}
        if method == "eth_getTransactionByHash":
            return {"hash": params[0], "from": self.executor.lower(), "gasPrice": hex(2 * 10**9)}
        if method == "eth_getTransactionReceipt":
            return {"gasUsed": hex(90_000), "effectiveGasPrice": hex(2 * 10**9)}
        raise AssertionError(f"unexpected JSON-RPC call {method}")

    def call(self, to: str, data: bytes) -> str:
        if to != self.safe:
            return "0x"  # no code there
        answers: dict[str, tuple[list[str], list[Any]]] = {
            "getOwners()": (["address[]"], [self.owners]),
            "getThreshold()": (["uint256"], [self.threshold]),
            "nonce()": (["uint256"], [self.nonce]),
            "VERSION()": (["string"], ["1.4.1"]),
            "getModulesPaginated(address,uint256)": (
                ["address[]", "address"],
                [[], "0x" + "00" * 19 + "01"],
            ),
        }
        for signature, (types, values) in answers.items():
            if data[:4] == keccak(text=signature)[:4]:
                return hex_(abi_encode(types, values))
        raise AssertionError(f"unexpected eth_call {data[:4].hex()}")

    def execute(self, safe_tx_hash: bytes, *, announced: SafeTx | None = None) -> str:
        """Mine a block where the Safe executes ``safe_tx_hash`` (with the L2 event if given)."""
        self.block += 1
        tx_hash = hex_(keccak(safe_tx_hash + self.block.to_bytes(8, "big")))
        base = {"address": self.safe, "blockNumber": hex(self.block), "transactionHash": tx_hash}
        if announced is not None:
            info = abi_encode(
                ["uint256", "address", "uint256"], [self.nonce, self.executor, self.threshold]
            )
            t = announced
            values: list[Any] = [
                t.to,
                t.value,
                t.data,
                t.operation,
                t.safe_tx_gas,
                t.base_gas,
                t.gas_price,
            ]
            values += [t.gas_token, t.refund_receiver, t.signatures, info]
            data = abi_encode(L2_EVENT_TYPES, values)
            self.logs.append({**base, "topics": [SAFE_MULTISIG_TX_TOPIC], "data": hex_(data)})
        topics = [EXECUTION_SUCCESS_TOPIC, hex_(safe_tx_hash)]  # v1.4.1 indexes the hash
        self.logs.append({**base, "topics": topics, "data": hex_(abi_encode(["uint256"], [0]))})
        self.nonce += 1
        return tx_hash


@pytest_asyncio.fixture
async def chain(
    owners: list[LocalAccount], safe: ChecksumAddress
) -> AsyncIterator[tuple[StubChain, str]]:
    stub = StubChain(safe, [o.address for o in owners], 2)
    app = web.Application()
    app.router.add_post("/", stub.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield stub, f"http://127.0.0.1:{runner.addresses[0][1]}/"
    await runner.cleanup()


@pytest.mark.asyncio
async def test_with_rpc_url_the_chain_decides_state_and_execution(
    chain: tuple[StubChain, str],
    http: aiohttp.ClientSession,
    owners: list[LocalAccount],
    safe: ChecksumAddress,
) -> None:
    stub, rpc_url = chain
    async with FakeSafeTransactionService(CHAIN_ID, api_key=KEY, rpc_url=rpc_url) as fake:
        _, info = await get(http, f"{fake.base_url}/api/v1/safes/{safe}/")
        assert (info["owners"], info["threshold"], info["nonce"], info["version"]) == (
            stub.owners, 2, "0", "1.4.1"
        )  # fmt: skip
        chosen = fake.propose_raw(safe, owners[2].address, 1, nonce=0, signers=owners[:2])
        replaced = fake.propose_raw(safe, owners[2].address, 2, nonce=0, signers=owners[:1])

        tx_hash = stub.execute(bytes.fromhex(chosen[2:]))
        direct = safe_tx(safe, owners[1].address, 3, nonce=1)  # executed without the service
        for owner in owners[:2]:
            direct.sign(owner.key.hex())
        direct_tx_hash = stub.execute(direct.safe_tx_hash, announced=direct)

        prefix = f"{fake.base_url}/api/v2/safes/{safe}/multisig-transactions/"
        _, done = await get(http, f"{prefix}?executed=true")
        _, queue = await get(http, f"{prefix}?executed=false&nonce__gte=2")
        _, info = await get(http, f"{fake.base_url}/api/v1/safes/{safe}/")

        rows = {row["safeTxHash"]: row for row in done["results"]}
        assert set(rows) == {chosen, hex_(direct.safe_tx_hash)}
        first = rows[chosen]
        assert (first["transactionHash"], first["blockNumber"], first["isSuccessful"]) == (
            tx_hash,
            11,
            True,
        )
        assert first["executor"] == stub.executor and first["gasUsed"] == 90_000
        assert first["executionDate"] == "2023-11-14T22:15:32Z"  # block 11's timestamp
        assert first["fee"] == str(90_000 * 2 * 10**9)
        indexed = rows[hex_(direct.safe_tx_hash)]  # from its SafeMultiSigTransaction event
        assert indexed["transactionHash"] == direct_tx_hash and indexed["proposer"] == stub.executor
        assert indexed["signatures"] == hex_(direct.signatures)
        assert {c["owner"] for c in indexed["confirmations"]} == {o.address for o in owners[:2]}
        assert (fake.transaction(replaced) or {}).get("isExecuted") is False
        assert queue["count"] == 0 and info["nonce"] == "2"


@pytest.mark.asyncio
async def test_rpc_url_of_another_chain_is_refused(chain: tuple[StubChain, str]) -> None:
    stub, rpc_url = chain
    stub.chain_id = 1
    with pytest.raises(ValueError, match="serves chain 1"):
        await FakeSafeTransactionService(CHAIN_ID, rpc_url=rpc_url).start()
