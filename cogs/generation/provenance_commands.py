"""`/provenance verify <hash | message link>` and `/provenance anchor <hash>` (stewards).

The commands reach the service through the feature's runtime: whatever the generation feature's
lifespan yields must have a `provenance` attribute (a `Provenance`).
"""

from __future__ import annotations

import json
from typing import Annotated, Protocol

from bot.commands.invocation import Invocation
from bot.commands.reply import Attachment, Field, Link, Reply, Tone
from bot.commands.sanitize import neutralize_all_mentions
from bot.commands.spec import Opt, Role, command
from bot.errors import UserError
from chain.errors import ChainError
from cogs.generation.provenance import record_digest
from cogs.generation.provenance_links import is_hash, parse_message_link
from cogs.generation.provenance_models import GenerationProvenance
from cogs.generation.provenance_service import (
    PROVENANCE_FILE,
    Provenance,
    Verification,
    sealed_of,
)

MARKS = {True: "✅", False: "❌", None: "➖"}
NAMES = {
    "signature": "Signature",
    "output": "Output bytes",
    "c2pa": "C2PA manifest",
    "anchor": "On chain",
}
PROMPT_SHOWN = 300


class HasProvenance(Protocol):
    @property
    def provenance(self) -> Provenance: ...


@command(
    "provenance verify",
    help="Show and verify an output's provenance record",
    slow=True,
    examples=(
        "/provenance verify 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
)
async def provenance_verify(
    inv: Invocation[HasProvenance],
    ref: Annotated[str, Opt("the output's SHA-256, or a link to the message it was posted in")],
) -> Reply:
    service = inv.feature.provenance
    row = await _find(service, ref)
    verification = await service.verify(row)
    return render_verification(verification, service)


@command(
    "provenance anchor",
    help="Write an output's provenance hash on chain",
    requires=Role.STEWARD,
    slow=True,
)
async def provenance_anchor(
    inv: Invocation[HasProvenance],
    hash: Annotated[str, Opt("the output's SHA-256")],
) -> Reply:
    service = inv.feature.provenance
    if not is_hash(hash):
        raise UserError("Give the output's SHA-256: 64 hexadecimal digits.")
    try:
        row, sent = await service.anchor(hash)
    except ChainError as exc:
        raise UserError(f"The anchoring transaction failed: {exc.message}") from exc
    links = _tx_links(service, row)
    if sent is None:
        return Reply(
            title="Already anchored",
            body=f"This record's hash is already on chain in `{row.anchor_tx}`.",
            links=links,
        )
    return Reply(
        title="Anchored",
        body=(
            f"The record's hash `0x{record_digest(row.record).hex()}` (SHA-256 of its canonical "
            f"JSON) is on chain {sent.chain_id} in block {sent.block_number}."
        ),
        fields=(
            Field("Transaction", f"`{sent.tx_hash}`"),
            Field("To", f"`{row.anchor_to}`"),
            Field("From", f"`{sent.sender}`"),
        ),
        links=links,
        tone=Tone.SUCCESS,
    )


async def _find(service: Provenance, ref: str) -> GenerationProvenance:
    ref = ref.strip()
    if is_hash(ref):
        row = await service.find(ref)
        if row is None:
            raise UserError("No output with that SHA-256 was generated here.")
        return row
    message = parse_message_link(ref)
    if message is None:
        raise UserError(
            "Give the output's SHA-256 (64 hexadecimal digits) or a link to the Discord or "
            "Telegram message it was posted in."
        )
    rows = await service.find_posted(message)
    if not rows:
        raise UserError(
            "No generated output is known to have been posted in that message. Use the "
            "SHA-256 from its provenance.json."
        )
    if len(rows) > 1:
        hashes = "\n".join(f"{r.output_index + 1}. `{r.sha256}`" for r in rows)
        raise UserError(f"That message holds {len(rows)} outputs; verify one by hash:\n{hashes}")
    return rows[0]


def render_verification(verification: Verification, service: Provenance) -> Reply:
    row = verification.row
    record = row.record
    requester = record.get("requester") or {}
    who = requester.get("name") or requester.get("user_id")
    prompt = neutralize_all_mentions(str(record.get("prompt", "")))
    if len(prompt) > PROMPT_SHOWN:
        prompt = prompt[: PROMPT_SHOWN - 1] + "…"
    lines = [
        f"{MARKS[c.ok]} **{NAMES.get(c.name, c.name)}**: {c.detail}" for c in verification.checks
    ]
    verdict = (
        "Every check that could be made passed."
        if verification.ok
        else "This record does NOT verify: " + ", ".join(NAMES[c.name] for c in verification.failed)
    )
    if not service.address:
        lines.append("ℹ️ No signing key is configured on this bot: new records are unsigned.")
    fields = [
        Field("Prompt", prompt or "(empty)"),
        Field("Style", f"{record.get('style')} ({record.get('licence')})", inline=True),
        Field("Model", f"{record.get('model')} on {record.get('backend')}", inline=True),
        Field("Seed", str(record.get("seed")), inline=True),
        Field(
            "Requested by",
            neutralize_all_mentions(f"{who} on {requester.get('platform')}"),
            inline=True,
        ),
        Field("Made", str(record.get("created_at")), inline=True),
        Field(
            "Job", f"{record.get('job_id')} #{int(record.get('output_index', 0)) + 1}", inline=True
        ),
        Field("SHA-256", f"`{row.sha256}`"),
    ]
    if row.file is not None:
        fields.append(Field("Posted file's SHA-256", f"`{row.file_sha256}`"))
    if record.get("curation"):
        fields.append(Field("Curation", json.dumps(record["curation"], sort_keys=True)[:300]))
    return Reply(
        title="Provenance verified" if verification.ok else "Provenance check failed",
        body="\n".join([verdict, "", *lines]),
        fields=tuple(fields),
        links=_tx_links(service, row),
        files=(Attachment(PROVENANCE_FILE, sealed_of(row).provenance_json, "the signed record"),),
        tone=Tone.SUCCESS if verification.ok else Tone.ERROR,
    )


def _tx_links(service: Provenance, row: GenerationProvenance) -> tuple[Link, ...]:
    template = service.config.anchor.explorer_tx_url
    if not row.anchor_tx or "{tx}" not in template:
        return ()
    return (Link("Anchoring transaction", template.replace("{tx}", row.anchor_tx)),)


COMMANDS = (provenance_verify, provenance_anchor)
