"""What the provenance tests share: a throwaway C2PA CA and leaf made at test time with the
`cryptography` package, a real PNG drawn with Pillow, a request and the service on a real
database (SQLite or PostgreSQL) with every migration applied."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from PIL import Image

from bot.storage.database import Database
from cogs.generation.contracts import GenerationRequest, Requester, Style
from cogs.generation.provenance_config import ProvenanceConfig
from cogs.generation.provenance_service import Provenance
from summarizer.generation import IMAGE_PNG, TEXT_MARKDOWN, GeneratedOutput
from tests.support.apps import feature_migrations
from tests.support.clock import ManualClock

BOT_KEY = "0x" + "a1" * 32
OTHER_KEY = "0x" + "b2" * 32
MIGRATIONS = Path(__file__).resolve().parents[2] / "cogs" / "generation" / "migrations"
# The C2PA document-signing extended key usage.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test DAO"),
        ]
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Certificates:
    ca_pem: Path
    chain_pem: Path  # leaf, then the CA
    key_pem: Path  # the leaf's PKCS#8 key


def make_certificates(folder: Path, name: str = "Test DAO CA") -> Certificates:
    """A self-made P-256 CA and an ES256 leaf it issued (document signing), as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Steward generation"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(folder / "ca.pem", folder / "chain.pem", folder / "leaf.key")
    paths.ca_pem.write_bytes(_pem(ca))
    paths.chain_pem.write_bytes(_pem(leaf) + _pem(ca))
    paths.key_pem.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def draw_png(color: tuple[int, int, int] = (200, 40, 40), size: int = 64) -> bytes:
    image = Image.new("RGB", (size, size), color)
    for x in range(size):
        image.putpixel((x, x), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


STYLE = Style(
    name="poster",
    kind="image",
    description="Posters",
    backend="local-sd",
    model="sdxl-turbo",
    licence="CC0-1.0",
    prompt_prefix="flat poster, ",
    parameters={"steps": 4, "cfg_scale": 1.5},
)
COPY_STYLE = Style(
    name="announce",
    kind="copy",
    description="Announcements",
    backend="chat",
    model="gpt-test",
    licence="CC-BY-4.0",
)
ALICE = Requester(platform="discord", user_id="1001", name="alice")


def image_request(prompt: str = "a lighthouse at dusk @everyone") -> GenerationRequest:
    return GenerationRequest(
        kind="image", prompt=prompt, style=STYLE, count=1, requester=ALICE, size="64x64"
    )


def copy_request() -> GenerationRequest:
    return GenerationRequest(
        kind="copy",
        prompt="announce the grants round",
        style=COPY_STYLE,
        count=1,
        requester=ALICE,
        format="announcement",
    )


def image_output(png: bytes | None = None, seed: int = 42) -> GeneratedOutput:
    return GeneratedOutput(
        media_type=IMAGE_PNG,
        data=png if png is not None else draw_png(),
        model="sdxl-turbo",
        seed=seed,
        parameters={"steps": 4, "sampler_name": "Euler a"},
    )


def copy_output(text: str = "The grants round opens Monday.") -> GeneratedOutput:
    return GeneratedOutput(media_type=TEXT_MARKDOWN, data=text.encode(), model="gpt-test")


def provenance_config(certs: Certificates | None = None, **values: Any) -> ProvenanceConfig:
    environ = {"BOT_KEY": BOT_KEY} if values.pop("signed", True) else {}
    data: dict[str, Any] = {"signing_key_env": "BOT_KEY"} if environ else {}
    if certs is not None:
        data |= {"c2pa_cert_chain": str(certs.chain_pem), "c2pa_private_key": str(certs.key_pem)}
        if values.pop("trusted", True):
            data["c2pa_trust_anchors"] = str(certs.ca_pem)
    environ |= values.pop("environ", {})
    data |= values
    return ProvenanceConfig.model_validate(data, context={"environ": environ})


def migrations() -> list[Path]:
    folders = feature_migrations()
    return folders if MIGRATIONS in folders else [*folders, MIGRATIONS]


@asynccontextmanager
async def migrated(db_url: str) -> AsyncIterator[Database]:
    db = Database(db_url)
    try:
        await db.migrate(migrations())
        yield db
    finally:
        await db.close()


def service(db: Database, config: ProvenanceConfig, transport: Any = None) -> Provenance:
    return Provenance(db, config, transport, ManualClock(), "0.1.0-test")
