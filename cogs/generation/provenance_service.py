"""Sealing outputs, finding their records and verifying them: the provenance service.

`Provenance.seal` is what the job pipeline calls for each output that passed the gatekeeper:
it builds the record, signs it with the bot's key (EIP-191), embeds it in a PNG as a C2PA
manifest signed with the community's certificate, stores the row (in the caller's transaction
when one is given) and hands back the bytes to post and `provenance.json`. `verify` checks a
stored record every way it can be checked; `anchor` writes its hash on chain.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.reply import Attachment
from bot.context import FeatureContext
from bot.errors import ConfigError, UserError
from bot.outbox import Outbox
from bot.storage.database import Database
from chain.anchor import Anchored, check_anchor, send_anchor
from chain.eip191 import BadKey, address_of, same_address
from chain.errors import ChainError
from chain.node import ChainNode
from chain.transport import Transport
from cogs.generation.contracts import GenerationRequest
from cogs.generation.provenance import (
    ProvenanceRecord,
    RecordRequester,
    SignedRecord,
    read_document,
    record_digest,
    sha256_hex,
    sign_record,
    signer_of,
    utc_text,
)
from cogs.generation.provenance_c2pa import C2paCredentials, C2paUnavailable, embed, read
from cogs.generation.provenance_config import ProvenanceConfig
from cogs.generation.provenance_links import MessageLink
from cogs.generation.provenance_models import GenerationProvenance
from summarizer.generation import IMAGE_PNG, GeneratedOutput

log = logging.getLogger(__name__)

PROVENANCE_FILE = "provenance.json"


@dataclass(frozen=True)
class Sealed:
    """One output sealed: `file` is what to post (the PNG with its C2PA manifest, or the output
    as generated), `provenance_json` the signed record to attach beside it."""

    sha256: str  # of the output as generated: the record's
    file_sha256: str  # of `file`
    file: bytes
    provenance_json: bytes
    record: dict[str, Any]
    signed: bool
    c2pa: bool
    notes: tuple[str, ...] = ()  # what could not be done (no key, C2PA failed), for the log

    def attachment(self) -> Attachment:
        """`provenance.json`, to post beside the output."""
        return Attachment(PROVENANCE_FILE, self.provenance_json, "the signed provenance record")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked (nothing to check, or not configured)
    detail: str


@dataclass(frozen=True)
class Verification:
    row: GenerationProvenance
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.ok is False)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


class Provenance:
    def __init__(
        self,
        db: Database,
        config: ProvenanceConfig,
        transport: Transport | None,
        clock: Clock,
        version: str,
        outbox: Outbox | None = None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self.config = config
        self._transport = transport
        self._clock = clock
        self.version = version
        self._anchoring: dict[str, asyncio.Lock] = {}
        self.address: str | None = address_of(config.key) if config.key else None
        self._credentials: C2paCredentials | None = None
        if config.c2pa_cert_chain is not None:
            self._credentials = C2paCredentials.load(
                config.c2pa_cert_chain,
                config.c2pa_private_key,
                config.c2pa_private_key_pem.get_secret_value()
                if config.c2pa_private_key_pem
                else None,
            )
        self._anchors_pem: str | None = None
        if config.c2pa_trust_anchors is not None:
            self._anchors_pem = config.c2pa_trust_anchors.read_text()

    @classmethod
    def from_context(cls, ctx: FeatureContext[Any], config: ProvenanceConfig) -> Provenance:
        """The service for a feature's lifespan; a bad key or certificate stops the start with
        the configuration key to fix (the key itself is never shown)."""
        try:
            return cls(ctx.db, config, ctx.http, ctx.clock, ctx.version, ctx.outbox)
        except BadKey as exc:
            raise ConfigError("generation.provenance.signing_key_env", str(exc)) from exc
        except (C2paUnavailable, OSError) as exc:
            raise ConfigError("generation.provenance", str(exc)) from exc

    # -- what is configured ------------------------------------------------------------------

    def setup_lines(self) -> list[str]:
        """What this bot can and cannot do with provenance, one line each."""
        lines = []
        if self.address:
            lines.append(f"Records are signed by {self.address} (EIP-191).")
        else:
            lines.append(
                "No signing key is configured ([generation.provenance] signing_key_env): "
                "records are stored unsigned."
            )
        if self._credentials is None:
            lines.append("No C2PA certificate is configured: images carry no C2PA manifest.")
        if self._anchors_pem is None and self._credentials is not None:
            lines.append("No C2PA trust anchor is configured: manifests read as untrusted.")
        if not self.config.anchor.configured:
            lines.append("No anchoring chain is configured ([generation.provenance.anchor]).")
        return lines

    # -- sealing -----------------------------------------------------------------------------

    def record_for(
        self,
        request: GenerationRequest,
        output: GeneratedOutput,
        *,
        job_id: str,
        index: int,
        created_at: datetime | None = None,
    ) -> ProvenanceRecord:
        style = request.style
        parameters: dict[str, Any] = {**dict(style.parameters), **dict(output.parameters)}
        for name, value in (
            ("prompt_prefix", style.prompt_prefix),
            ("negative_prompt", style.negative_prompt),
            ("size", request.size),
            ("format", request.format),
        ):
            if value:
                parameters.setdefault(name, value)
        seed = output.seed if output.seed is not None else request.seed
        return ProvenanceRecord(
            sha256=sha256_hex(output.data),
            media_type=output.media_type,
            kind=request.kind,
            prompt=request.prompt,
            style=style.name,
            licence=style.licence,
            backend=style.backend,
            model=output.model or style.model,
            parameters=parameters,
            seed=seed,
            requester=RecordRequester(
                request.requester.platform, request.requester.user_id, request.requester.name
            ),
            created_at=utc_text(created_at or self._clock.now()),
            job_id=str(job_id),
            output_index=index,
            bot_version=self.version,
        )

    async def seal(
        self,
        request: GenerationRequest,
        output: GeneratedOutput,
        *,
        job_id: str,
        index: int,
        created_at: datetime | None = None,
        session: AsyncSession | None = None,
    ) -> Sealed:
        """Sign, embed and store one output's record. Sealing the same bytes again (a resumed
        job) gives back what was stored the first time."""
        record = self.record_for(
            request, output, job_id=job_id, index=index, created_at=created_at
        ).to_data()
        return await self.seal_record(record, output.data, session=session)

    async def seal_record(
        self, record: dict[str, Any], data: bytes, *, session: AsyncSession | None = None
    ) -> Sealed:
        if session is None:
            async with self._db.transaction() as own:
                return await self.seal_record(record, data, session=own)
        existing = await session.get(GenerationProvenance, record["sha256"])
        if existing is not None:
            return sealed_of(existing)
        notes = []
        signed = sign_record(record, self.config.key)
        if signed.signature is None:
            notes.append("unsigned: no signing key configured")
        file, c2pa_done = data, False
        if record["media_type"] == IMAGE_PNG and self._credentials is not None:
            try:
                file = await asyncio.to_thread(
                    embed,
                    data,
                    record,
                    self._credentials,
                    title=f"{record['job_id']}-{record['output_index']}.png",
                    version=self.version,
                )
                c2pa_done = True
            except C2paUnavailable as exc:
                notes.append(str(exc))
                log.warning("no C2PA manifest for %s: %s", record["sha256"], exc)
        row = GenerationProvenance(
            sha256=record["sha256"],
            file_sha256=sha256_hex(file),
            job_id=str(record["job_id"]),
            output_index=int(record["output_index"]),
            media_type=str(record["media_type"]),
            record=record,
            signature=signed.signature,
            signer=signed.signer,
            data=data,
            file=file if c2pa_done else None,
            c2pa=c2pa_done,
            created_at=self._clock.now(),
        )
        session.add(row)
        await session.flush()
        return replace(sealed_of(row), notes=tuple(notes))

    async def record_posted(self, sha256: str, message: MessageLink) -> None:
        """Remember where an output was posted, so a link to that message finds its record."""
        async with self._db.transaction() as session:
            row = await session.get(GenerationProvenance, sha256)
            if row is None:
                raise UserError(f"No provenance record has the hash {sha256}.")
            row.platform = message.platform
            row.channel_id = message.channel_id
            row.message_id = message.message_id
            session.add(row)

    async def amend_curation(self, sha256: str, curation: Mapping[str, Any]) -> Sealed:
        """The record with curation's result (the tally, the pick), signed again. The image's
        manifest and an earlier anchor keep the record as it was before: verification accepts
        them for the record without its curation."""
        async with self._db.transaction() as session:
            row = await session.get(GenerationProvenance, sha256)
            if row is None:
                raise UserError(f"No provenance record has the hash {sha256}.")
            record = {**row.record, "curation": dict(curation)}
            signed = sign_record(record, self.config.key)
            row.record = record
            row.signature, row.signer = signed.signature, signed.signer
            session.add(row)
            return sealed_of(row)

    # -- finding -----------------------------------------------------------------------------

    async def find(self, digest: str) -> GenerationProvenance | None:
        """The record of an output by the SHA-256 of its bytes, as generated or as posted."""
        digest = digest.strip().lower().removeprefix("0x")
        async with self._db.read() as session:
            row = await session.get(GenerationProvenance, digest)
            if row is not None:
                return row
            found = await session.exec(
                select(GenerationProvenance).where(GenerationProvenance.file_sha256 == digest)
            )
            return found.first()

    async def find_posted(self, message: MessageLink) -> list[GenerationProvenance]:
        """The records of the outputs posted in one message, in their order in the job: those
        recorded with `record_posted`, else those whose provenance.json the outbox delivered
        as that message."""
        query = select(GenerationProvenance).where(
            GenerationProvenance.platform == message.platform,
            GenerationProvenance.message_id == message.message_id,
        )
        if message.channel_id:
            query = query.where(GenerationProvenance.channel_id == message.channel_id)
        async with self._db.read() as session:
            found = await session.exec(query.order_by(col(GenerationProvenance.output_index)))
            rows = list(found.all())
        if rows or self._outbox is None:
            return rows
        hashes: list[str] = []
        for reply in await self._outbox.posted_as(
            message.platform, message.message_id, message.channel_id
        ):
            for attached in reply.files:
                if attached.filename != PROVENANCE_FILE:
                    continue
                try:
                    digest = str(read_document(attached.data).record.get("sha256", ""))
                except ValueError:
                    continue
                if digest and digest not in hashes:
                    hashes.append(digest)
        posted = [row for digest in hashes if (row := await self.find(digest)) is not None]
        return sorted(posted, key=lambda row: (row.job_id, row.output_index))

    # -- verifying ---------------------------------------------------------------------------

    async def verify(self, row: GenerationProvenance) -> Verification:
        checks = [
            self._check_signature(row),
            self._check_output(row),
            await self._check_c2pa(row),
            await self._check_anchor(row),
        ]
        return Verification(row, tuple(checks))

    def _check_signature(self, row: GenerationProvenance) -> Check:
        if not row.signature:
            return Check("signature", None, "unsigned: no signing key was configured then")
        recovered = signer_of(row.record, row.signature)
        if recovered is None or not same_address(recovered, row.signer):
            return Check(
                "signature",
                False,
                f"does not match the record: it recovers {recovered or 'no address'}, "
                f"not the signer {row.signer}",
            )
        if self.address and not same_address(recovered, self.address):
            return Check(
                "signature", False, f"signed by {recovered}, not this bot's {self.address}"
            )
        whose = "this bot's key" if self.address else "no key configured here to compare"
        return Check("signature", True, f"valid, by {recovered} ({whose})")

    def _check_output(self, row: GenerationProvenance) -> Check:
        recorded = str(row.record.get("sha256", ""))
        actual = sha256_hex(row.data)
        if actual != recorded or recorded != row.sha256:
            return Check(
                "output",
                False,
                f"the stored output hashes to {actual}, the record says {recorded}: "
                "the output or the record was changed",
            )
        if row.file is not None and sha256_hex(row.file) != row.file_sha256:
            return Check("output", False, "the posted file's bytes were changed")
        return Check("output", True, f"the stored output hashes to the recorded {recorded}")

    async def _check_c2pa(self, row: GenerationProvenance) -> Check:
        if row.file is None:
            if row.media_type == IMAGE_PNG:
                return Check("c2pa", None, "no C2PA manifest (no certificate was configured)")
            return Check("c2pa", None, "not an image: no C2PA manifest")
        reading = await asyncio.to_thread(read, row.file, self._anchors_pem)
        if reading.state is None:
            return Check("c2pa", False, "the posted image carries no C2PA manifest")
        if not reading.intact:
            why = "; ".join(reading.failures[:2]) or reading.state
            return Check("c2pa", False, f"the manifest does not validate: {why}")
        if reading.record != row.record and reading.record != before_curation(row.record):
            return Check("c2pa", False, "the manifest carries a different record")
        if reading.trusted:
            return Check("c2pa", True, f"valid and trusted, signed by {reading.signer}")
        why = "no trust anchor configured" if self._anchors_pem is None else "not our CA"
        return Check("c2pa", True, f"valid, signer untrusted ({why}): {reading.signer}")

    async def _check_anchor(self, row: GenerationProvenance) -> Check:
        if not row.anchor_tx:
            return Check("anchor", None, "not anchored on chain")
        anchor = self.config.anchor
        if not anchor.rpc or self._transport is None:
            return Check("anchor", None, f"anchored in {row.anchor_tx}; no node to check it")
        node = ChainNode(anchor.rpc, self._transport)
        to = row.anchor_to or anchor.to or ""
        try:
            found = await check_anchor(node, row.anchor_tx, to, record_digest(row.record))
            if not found.ok and row.record.get("curation") is not None:
                earlier = record_digest(before_curation(row.record))
                before = await check_anchor(node, row.anchor_tx, to, earlier)
                if before.ok:
                    return Check(
                        "anchor",
                        True,
                        f"the record's hash as it was before curation is in {row.anchor_tx} "
                        f"(block {before.block_number})",
                    )
        except ChainError as exc:
            return Check("anchor", None, f"anchored in {row.anchor_tx}; the node failed: {exc}")
        if not found.ok:
            return Check("anchor", False, found.problem)
        return Check(
            "anchor", True, f"the record's hash is in {row.anchor_tx} (block {found.block_number})"
        )

    # -- anchoring ---------------------------------------------------------------------------

    async def anchor(self, sha256: str) -> tuple[GenerationProvenance, Anchored | None]:
        """Write the record's hash on chain; (row, None) when it was anchored already."""
        config = self.config.anchor
        if not config.configured or self._transport is None:
            raise UserError(
                "No chain is configured for anchoring: set [generation.provenance.anchor] "
                "rpc_url_env and to."
            )
        key = self.config.key
        if not key:
            raise UserError(
                "No key is configured to send the anchoring transaction: set "
                "[generation.provenance] signing_key_env."
            )
        row = await self.find(sha256)
        if row is None:
            raise UserError(f"No provenance record has the hash {sha256}.")
        lock = self._anchoring.setdefault(row.sha256, asyncio.Lock())
        async with lock:
            async with self._db.read() as session:
                current = await session.get(GenerationProvenance, row.sha256)
            if current is not None and current.anchor_tx:
                return current, None
            node = ChainNode(config.rpc or "", self._transport)
            try:
                sent = await send_anchor(
                    node,
                    key,
                    config.to or "",
                    record_digest(row.record),
                    chain_id=config.chain_id,
                    wait_seconds=config.wait_seconds,
                )
            except BadKey as exc:
                raise UserError(str(exc)) from exc
            async with self._db.transaction() as session:
                stored = await session.get(GenerationProvenance, row.sha256)
                if stored is None:
                    raise UserError(f"No provenance record has the hash {sha256}.")
                stored.anchor_tx = sent.tx_hash
                stored.anchor_chain_id = sent.chain_id
                stored.anchor_to = config.to
                stored.anchored_at = self._clock.now()
                session.add(stored)
            async with self._db.read() as session:
                fresh = await session.get(GenerationProvenance, row.sha256)
            return fresh or row, sent


def before_curation(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as sealed, before curation added its result."""
    return {**record, "curation": None}


def sealed_of(row: GenerationProvenance) -> Sealed:
    signed = SignedRecord(
        row.record,
        row.signature,
        row.signer,
        {"output_file_sha256": row.file_sha256, "c2pa_manifest": row.c2pa},
    )
    return Sealed(
        sha256=row.sha256,
        file_sha256=row.file_sha256,
        file=row.file if row.file is not None else row.data,
        provenance_json=signed.file_bytes(),
        record=dict(row.record),
        signed=row.signature is not None,
        c2pa=row.c2pa,
    )
