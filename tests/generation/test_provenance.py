"""Provenance records: signed, stored, embedded in images as C2PA, and verified; tampering with
the output, the record or the posted file is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import update

from cogs.generation.provenance import canonical_json, read_document, record_digest, sha256_hex
from cogs.generation.provenance_c2pa import read
from cogs.generation.provenance_links import MessageLink, parse_message_link
from cogs.generation.provenance_models import GenerationProvenance
from tests.generation.provenance_support import (
    BOT_KEY,
    OTHER_KEY,
    copy_output,
    copy_request,
    draw_png,
    image_output,
    image_request,
    make_certificates,
    migrated,
    provenance_config,
    service,
)

BOT = Account.from_key(BOT_KEY).address


async def _tamper(db: object, sha256: str, **values: object) -> None:
    async with db.transaction() as session:  # type: ignore[attr-defined]
        await session.exec(
            update(GenerationProvenance)
            .where(GenerationProvenance.sha256 == sha256)  # type: ignore[arg-type]
            .values(**values)
        )


async def test_a_sealed_image_verifies_every_way(db_url: str, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "c2pa")
    png = draw_png()
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(certs))
        sealed = await provenance.seal(image_request(), image_output(png), job_id="7", index=0)

        # The record names what made the output, and hashes the bytes as generated.
        assert sealed.sha256 == sha256_hex(png) == sealed.record["sha256"]
        record = sealed.record
        assert record["prompt"] == "a lighthouse at dusk @everyone"
        assert (record["style"], record["licence"]) == ("poster", "CC0-1.0")
        assert (record["backend"], record["model"], record["seed"]) == (
            "local-sd",
            "sdxl-turbo",
            42,
        )
        assert record["parameters"]["sampler_name"] == "Euler a"
        assert record["parameters"]["cfg_scale"] == 1.5
        assert record["requester"] == {"platform": "discord", "user_id": "1001", "name": "alice"}
        assert (record["job_id"], record["output_index"]) == ("7", 0)
        assert record["bot_version"] == "0.1.0-test"
        assert record["created_at"] == "2026-12-01T12:00:00Z"

        # provenance.json: anyone can check the signature with eth-account alone.
        document = json.loads(sealed.provenance_json)
        assert document["record"] == record and document["signer"] == BOT
        text = canonical_json(document["record"])
        assert text == json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        recovered = Account.recover_message(
            encode_defunct(text=text), signature=document["signature"]
        )
        assert recovered == BOT
        assert document["record_sha256"] == record_digest(record).hex()

        # The posted PNG carries the same record in a C2PA manifest that our CA makes trusted.
        assert sealed.c2pa and sealed.file != png and sealed.file.startswith(b"\x89PNG")
        reading = read(sealed.file, certs.ca_pem.read_text())
        assert reading.state == "Trusted" and reading.record == record

        # Either hash finds it; every check passes.
        for digest in (sealed.sha256, sealed.file_sha256, "0x" + sealed.sha256.upper()):
            row = await provenance.find(digest)
            assert row is not None and row.sha256 == sealed.sha256
        verification = await provenance.verify(row)
        assert verification.ok, verification.checks
        checks = {c.name: c for c in verification.checks}
        assert checks["signature"].ok and BOT in checks["signature"].detail
        assert checks["output"].ok
        assert checks["c2pa"].ok and "trusted" in checks["c2pa"].detail
        assert "untrusted" not in checks["c2pa"].detail
        assert checks["anchor"].ok is None


async def test_a_tampered_output_fails(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(make_certificates(tmp_path / "c2pa")))
        sealed = await provenance.seal(image_request(), image_output(), job_id="7", index=0)
        await _tamper(db, sealed.sha256, data=draw_png((10, 200, 10)))
        row = await provenance.find(sealed.sha256)
        assert row is not None
        verification = await provenance.verify(row)
        assert not verification.ok
        assert [c.name for c in verification.failed] == ["output"]
        assert sealed.sha256 in (verification.check("output") or verification.checks[0]).detail


async def test_a_tampered_posted_image_fails_its_manifest(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(make_certificates(tmp_path / "c2pa")))
        sealed = await provenance.seal(image_request(), image_output(), job_id="7", index=0)
        changed = bytearray(sealed.file)
        changed[len(changed) // 2] ^= 0x01
        await _tamper(db, sealed.sha256, file=bytes(changed))
        row = await provenance.find(sealed.sha256)
        assert row is not None
        verification = await provenance.verify(row)
        failed = {c.name for c in verification.failed}
        assert failed == {"output", "c2pa"}


async def test_a_tampered_record_fails(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(make_certificates(tmp_path / "c2pa")))
        sealed = await provenance.seal(image_request(), image_output(), job_id="7", index=0)
        forged = {**sealed.record, "licence": "CC-BY-NC-4.0", "prompt": "something else"}
        await _tamper(db, sealed.sha256, record=forged)
        row = await provenance.find(sealed.sha256)
        assert row is not None
        verification = await provenance.verify(row)
        failed = {c.name: c.detail for c in verification.failed}
        # The signature no longer recovers the signer, and the image's manifest disagrees.
        assert set(failed) == {"signature", "c2pa"}
        assert "different record" in failed["c2pa"]
        assert verification.check("output") is not None
        assert verification.check("output").ok  # type: ignore[union-attr]


async def test_a_manifest_is_untrusted_without_the_ca(db_url: str, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "c2pa")
    stranger = make_certificates(tmp_path / "other", name="Another CA")
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(certs, trusted=False))
        sealed = await provenance.seal(image_request(), image_output(), job_id="7", index=0)
        assert read(sealed.file).state == "Valid"
        assert read(sealed.file, stranger.ca_pem.read_text()).state == "Valid"
        assert read(sealed.file, certs.ca_pem.read_text()).state == "Trusted"
        row = await provenance.find(sealed.sha256)
        assert row is not None
        check = (await provenance.verify(row)).check("c2pa")
        assert check is not None and check.ok and "untrusted" in check.detail
        assert any("trust anchor" in line for line in provenance.setup_lines())


async def test_without_a_key_records_are_stored_unsigned_and_say_so(
    db_url: str, tmp_path: Path
) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(signed=False))
        assert provenance.address is None
        assert any("No signing key" in line for line in provenance.setup_lines())
        sealed = await provenance.seal(image_request(), image_output(), job_id="8", index=1)
        assert not sealed.signed and not sealed.c2pa and sealed.file == image_output().data
        assert "unsigned: no signing key configured" in sealed.notes
        document = json.loads(sealed.provenance_json)
        assert document["signature"] is None and document["signing"].startswith("unsigned")
        row = await provenance.find(sealed.sha256)
        assert row is not None
        verification = await provenance.verify(row)
        assert verification.ok  # nothing failed, but nothing is signed
        signature = verification.check("signature")
        assert signature is not None and signature.ok is None and "unsigned" in signature.detail


async def test_a_record_signed_by_another_key_is_not_the_bots(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        other = service(db, provenance_config(environ={"BOT_KEY": OTHER_KEY}))
        sealed = await other.seal(copy_request(), copy_output(), job_id="9", index=0)
        provenance = service(db, provenance_config())
        row = await provenance.find(sealed.sha256)
        assert row is not None
        check = (await provenance.verify(row)).check("signature")
        assert check is not None and check.ok is False
        assert f"not this bot's {BOT}" in check.detail


async def test_copy_is_sealed_without_a_manifest_and_sealing_again_changes_nothing(
    db_url: str, tmp_path: Path
) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config(make_certificates(tmp_path / "c2pa")))
        first = await provenance.seal(copy_request(), copy_output(), job_id="9", index=0)
        assert not first.c2pa and first.file == copy_output().data
        assert first.record["parameters"]["format"] == "announcement"
        again = await provenance.seal(copy_request(), copy_output(), job_id="9", index=0)
        assert again.provenance_json == first.provenance_json
        async with db.read() as session:
            rows = (await session.exec(GenerationProvenance.__table__.select())).all()  # type: ignore[attr-defined, call-overload]
        assert len(rows) == 1
        row = await provenance.find(first.sha256)
        assert row is not None
        check = (await provenance.verify(row)).check("c2pa")
        assert check is not None and check.ok is None


async def test_a_message_link_finds_what_was_posted_in_it(db_url: str, tmp_path: Path) -> None:
    async with migrated(db_url) as db:
        provenance = service(db, provenance_config())
        sealed = await provenance.seal(copy_request(), copy_output(), job_id="9", index=0)
        link = "https://discord.com/channels/111/222/333"
        ref = parse_message_link(link)
        assert ref == MessageLink("discord", "222", "333")
        assert await provenance.find_posted(ref) == []
        await provenance.record_posted(sealed.sha256, ref)
        assert [r.sha256 for r in await provenance.find_posted(ref)] == [sealed.sha256]
        elsewhere = MessageLink("discord", "999", "333")
        assert await provenance.find_posted(elsewhere) == []


def test_message_links_of_each_platform() -> None:
    assert parse_message_link("https://ptb.discord.com/channels/1/2/3/") == MessageLink(
        "discord", "2", "3"
    )
    assert parse_message_link("<https://t.me/c/1234567/89>") == MessageLink(
        "telegram", "-1001234567", "89"
    )
    assert parse_message_link("https://t.me/our_dao/89") == MessageLink("telegram", None, "89")
    assert parse_message_link("https://example.org/channels/1/2/3") is None


def test_provenance_json_reads_back() -> None:
    document = json.dumps({"record": {"a": 1}, "signature": "0x12", "signer": "0xab"}).encode()
    assert read_document(document).record == {"a": 1}
    with pytest.raises(ValueError, match="no record"):
        read_document(b'{"signature": "0x"}')
