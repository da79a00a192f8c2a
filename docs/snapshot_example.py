"""Print docs/proposals/snapshot.md's example: a proposal built as Snapshot's typed data, signed
with a test key as a wallet's eth_signTypedData_v4 would, checked as the sequencer checks it,
submitted through Steward's client to the local fake Snapshot (tests/fakes/snapshot.py), read
back from the hub's GraphQL API with a vote on it, and a stale copy refused in the sequencer's
own words.

    PYTHONPATH=. .venv/bin/python docs/snapshot_example.py
"""

from __future__ import annotations

import asyncio
import json

from eth_account import Account

from bot.http import HttpClient
from chain.snapshot import (
    SnapshotProposal,
    envelope,
    proposal_types,
    typed_data,
    types_hash,
    verify_signature,
)
from cogs.proposals.snapshot_hub import SequencerRefused, SnapshotHub
from tests.fakes.snapshot import FakeSnapshot
from tests.support.signing import typed_data_signature

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC
AUTHOR = Account.from_key("0x" + "a1" * 32)  # a throwaway test key


async def main() -> None:
    proposal = SnapshotProposal(
        space="dao.eth",
        author=AUTHOR.address,
        title="Fund the documentation sprint",
        body="## Summary\nPay 5,000 USDC to the docs guild for a six-week sprint.",
        discussion="https://forum.example.org/t/docs-sprint/42",
        choices=("For", "Against", "Abstain"),
        start=NOW + 3600,
        end=NOW + 3600 + 5 * 86400,
        snapshot=21_500_000,
        timestamp=NOW,
    )
    print("types hash:", types_hash(proposal_types()))
    data = typed_data(proposal)
    print("typed data for eth_signTypedData_v4:")
    print("  domain:", json.dumps(data["domain"]), " primaryType:", data["primaryType"])
    for kind, fields in data["types"].items():
        print(f"  {kind}:", ", ".join(f"{f['name']} {f['type']}" for f in fields))
    print("  message:", json.dumps(data["message"], indent=4, ensure_ascii=False))
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    verified = await verify_signature(proposal, signature, node=None)
    print(f"\nsignature checked: {verified.wallet}, {verified.signature[:18]}…")
    async with FakeSnapshot(now=NOW) as fake, HttpClient() as http:
        fake.add_space("dao.eth")
        hub = SnapshotHub(http)
        result = await hub.submit(fake.url, envelope(proposal, signature))
        answer = {**result.__dict__, "receipt": f"{result.receipt or ''}"[:18] + "…"}
        print(f"\nPOST {fake.url}/ ->", json.dumps(answer, indent=2, ensure_ascii=False))
        fake.advance(3600)
        fake.add_vote(result.id, "0x00000000000000000000000000000000000000aa", choice=1, vp=420.0)
        [listed] = await hub.proposals(fake.url, ["dao.eth"], ids=[result.id])
        shown = {k: v for k, v in listed.__dict__.items() if k not in ("body", "id")}
        print("\nhub proposals(id_in) ->", json.dumps(shown, indent=2).replace(",\n    ", ", "))
        fake.advance(4 * 86400)  # the signed message is now four days old
        stale = SnapshotProposal(**{**proposal.__dict__, "title": "Fund it again"})
        try:
            resent = typed_data_signature(AUTHOR, typed_data(stale))
            await hub.submit(fake.url, envelope(stale, resent))
        except SequencerRefused as refused:
            print("\nresubmitted four days later ->", refused)


if __name__ == "__main__":
    asyncio.run(main())
