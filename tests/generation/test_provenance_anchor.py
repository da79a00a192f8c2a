"""Anchoring a record's hash on anvil: the transaction carries the hash to the configured
address, and verification then finds it there (and fails when the record no longer matches)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import update

from bot.errors import UserError
from bot.http import HttpClient
from chain.anchor import AnchorFailed, check_anchor, send_anchor
from chain.node import ChainNode
from cogs.generation.provenance import record_digest
from cogs.generation.provenance_models import GenerationProvenance
from tests.generation.provenance_support import (
    BOT_KEY,
    copy_output,
    copy_request,
    image_output,
    image_request,
    make_certificates,
    migrated,
    provenance_config,
    service,
)
from tests.support.anvil import Anvil

SINK = "0x000000000000000000000000000000000000dEaD"
BOT = Account.from_key(BOT_KEY).address


@pytest.fixture
def node(anvil_node: Anvil) -> Iterator[Anvil]:
    """The session's anvil, the bot's account funded, rolled back after the test."""
    snapshot = anvil_node.snapshot()
    anvil_node.rpc("anvil_setBalance", [BOT, hex(10**18)])
    try:
        yield anvil_node
    finally:
        anvil_node.revert(snapshot)


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with HttpClient() as client:
        yield client


def anchored_config(anvil: Anvil, **anchor: Any) -> Any:
    return provenance_config(
        environ={"ANCHOR_RPC": anvil.url},
        anchor={"rpc_url_env": "ANCHOR_RPC", "to": SINK, "chain_id": anvil.chain_id, **anchor},
    )


async def test_an_anchored_record_verifies_on_chain(
    db_url: str, node: Anvil, http: HttpClient
) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, anchored_config(node), http)
        sealed = await provenance.seal(copy_request(), copy_output(), job_id="3", index=0)
        row, sent = await provenance.anchor(sealed.sha256)
        assert sent is not None and row.anchor_tx == sent.tx_hash and sent.sender == BOT

        # The chain, read without our code: a transaction to the sink whose input is the hash.
        tx = node.w3.eth.get_transaction(sent.tx_hash)
        assert tx["to"] == SINK and bytes(tx["input"]) == record_digest(sealed.record)
        assert node.w3.eth.get_transaction_receipt(sent.tx_hash)["status"] == 1

        verification = await provenance.verify(row)
        anchor = verification.check("anchor")
        assert verification.ok and anchor is not None and anchor.ok
        assert sent.tx_hash in anchor.detail

        # Asked again, nothing is sent twice.
        nonce = node.w3.eth.get_transaction_count(BOT)
        again, resent = await provenance.anchor(sealed.sha256)
        assert resent is None and again.anchor_tx == sent.tx_hash
        assert node.w3.eth.get_transaction_count(BOT) == nonce

        # A record changed after anchoring no longer matches the chain.
        async with db.transaction() as session:
            await session.exec(
                update(GenerationProvenance)
                .where(GenerationProvenance.sha256 == sealed.sha256)  # type: ignore[arg-type]
                .values(record={**sealed.record, "licence": "proprietary"})
            )
        row = await provenance.find(sealed.sha256)
        assert row is not None
        failed = {c.name: c.detail for c in (await provenance.verify(row)).failed}
        assert set(failed) == {"signature", "anchor"}
        assert "other data" in failed["anchor"]


async def test_the_chain_check_names_what_differs(node: Anvil, http: HttpClient) -> None:
    chain = ChainNode(node.url, http)
    digest = bytes(range(32))
    sent = await send_anchor(chain, BOT_KEY, SINK, digest, chain_id=node.chain_id)
    assert (await check_anchor(chain, sent.tx_hash, SINK, digest, sender=BOT)).ok
    other = "0x" + "11" * 20
    assert "went to" in (await check_anchor(chain, sent.tx_hash, other, digest)).problem
    assert "other data" in (await check_anchor(chain, sent.tx_hash, SINK, bytes(32))).problem
    stranger = Account.from_key("0x" + "c3" * 32).address
    wrong_sender = await check_anchor(chain, sent.tx_hash, SINK, digest, sender=stranger)
    assert "was sent by" in wrong_sender.problem
    missing = await check_anchor(chain, "0x" + "ab" * 32, SINK, digest)
    assert not missing.ok and "no transaction" in missing.problem


async def test_a_node_on_another_chain_is_refused_before_sending(
    node: Anvil, http: HttpClient
) -> None:
    chain = ChainNode(node.url, http)
    with pytest.raises(AnchorFailed, match="not the configured 1"):
        await send_anchor(chain, BOT_KEY, SINK, bytes(32), chain_id=1)
    assert node.w3.eth.get_transaction_count(BOT) == 0


async def test_anchoring_needs_a_chain_and_a_key(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config())
        sealed = await provenance.seal(copy_request(), copy_output(), job_id="3", index=0)
        with pytest.raises(UserError, match=r"No chain is configured"):
            await provenance.anchor(sealed.sha256)
        unsigned = service(
            db,
            provenance_config(
                signed=False,
                environ={"ANCHOR_RPC": "http://127.0.0.1:9/"},
                anchor={"rpc_url_env": "ANCHOR_RPC", "to": SINK},
            ),
            object(),
        )
        with pytest.raises(UserError, match=r"No key is configured"):
            await unsigned.anchor(sealed.sha256)


async def test_curation_added_after_posting_and_anchoring_still_verifies(
    db_url: str, node: Anvil, http: HttpClient, tmp_path: Path
) -> None:
    certs = make_certificates(tmp_path / "c2pa")
    config = provenance_config(
        certs,
        environ={"ANCHOR_RPC": node.url},
        anchor={"rpc_url_env": "ANCHOR_RPC", "to": SINK, "chain_id": node.chain_id},
    )
    async with migrated(db_url) as db:
        provenance = service(db, config, http)
        sealed = await provenance.seal(image_request(), image_output(), job_id="5", index=0)
        await provenance.anchor(sealed.sha256)
        amended = await provenance.amend_curation(sealed.sha256, {"winner": True, "votes": 4})
        assert amended.record["curation"] == {"winner": True, "votes": 4}
        assert json.loads(amended.provenance_json)["record"]["curation"]["votes"] == 4
        row = await provenance.find(sealed.sha256)
        assert row is not None
        verification = await provenance.verify(row)
        assert verification.ok, verification.checks
        anchor = verification.check("anchor")
        assert anchor is not None and anchor.ok and "before curation" in anchor.detail
        # Curation cannot hide a change to anything else.
        await provenance.amend_curation(sealed.sha256, {"winner": False})
        forged = {**row.record, "curation": {"winner": True}, "prompt": "other"}
        async with db.transaction() as session:
            await session.exec(
                update(GenerationProvenance)
                .where(GenerationProvenance.sha256 == sealed.sha256)  # type: ignore[arg-type]
                .values(record=forged)
            )
        row = await provenance.find(sealed.sha256)
        assert row is not None
        failed = {c.name for c in (await provenance.verify(row)).failed}
        assert failed == {"signature", "c2pa", "anchor"}
