"""The record inside the image: a C2PA manifest signed with the community's certificate.

c2pa-python (the Content Authenticity Initiative's binding of c2pa-rs) signs a PNG offline: the
manifest holds our record as the assertion `org.steward.provenance`, a `c2pa.created` action
saying a trained model made it, and the claim is signed with the community's ES256 leaf
certificate. Reading back, c2pa checks the data hash and the signature: `Valid` when they hold,
`Trusted` when, in addition, the signer chains to one of the trust anchors given; `Invalid`
when the image or manifest was changed. c2pa is synchronous and CPU-bound: callers run these
functions in a thread.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa

ASSERTION = "org.steward.provenance"
TRAINED_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
TRUSTED, VALID, INVALID = "Trusted", "Valid", "Invalid"


class C2paUnavailable(Exception):
    """Signing or reading failed in c2pa; the message says why in one line."""


@dataclass(frozen=True)
class C2paCredentials:
    cert_chain_pem: bytes  # leaf first
    private_key_pem: bytes

    @classmethod
    def load(cls, chain: Path, key: Path | None, key_pem: str | None) -> C2paCredentials:
        try:
            chain_pem = chain.read_bytes()
            private = key.read_bytes() if key is not None else (key_pem or "").encode()
        except OSError as exc:
            raise C2paUnavailable(f"cannot read the C2PA certificate or key: {exc}") from exc
        return cls(chain_pem, private)


@dataclass(frozen=True)
class C2paReading:
    state: str | None  # Trusted, Valid, Invalid; None when the file carries no manifest
    record: dict[str, Any] | None
    signer: str = ""  # the certificate's common name and issuer
    failures: tuple[str, ...] = ()

    @property
    def trusted(self) -> bool:
        return self.state == TRUSTED

    @property
    def intact(self) -> bool:
        return self.state in (TRUSTED, VALID)


def embed(
    png: bytes, record: Mapping[str, Any], credentials: C2paCredentials, *, title: str, version: str
) -> bytes:
    """The PNG with a signed manifest carrying `record`."""
    manifest = {
        "claim_generator_info": [{"name": "steward", "version": version}],
        "title": title,
        "format": "image/png",
        "assertions": [
            {"label": ASSERTION, "data": dict(record)},
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED_MEDIA}]
                },
            },
        ],
    }
    try:
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256,
            credentials.cert_chain_pem,
            credentials.private_key_pem,
            None,
        )
        signer = c2pa.Signer.from_info(info)
        try:
            with c2pa.Builder(manifest) as builder:
                out = io.BytesIO()
                builder.sign(signer, "image/png", io.BytesIO(png), out)
        finally:
            signer.close()
    except c2pa.C2paError as exc:
        raise C2paUnavailable(f"C2PA signing failed: {_line(exc)}") from exc
    return out.getvalue()


def read(data: bytes, trust_anchors_pem: str | None = None) -> C2paReading:
    """The manifest's state and our record in it; state None when there is no manifest."""
    context = None
    try:
        if trust_anchors_pem:
            context = c2pa.Context.from_json(
                json.dumps({"trust": {"trust_anchors": trust_anchors_pem}})
            )
        try:
            reader = c2pa.Reader("image/png", io.BytesIO(data), context=context)
        except c2pa.C2paError as exc:
            if "ManifestNotFound" in type(exc).__name__ or "JUMBF" in str(exc):
                return C2paReading(None, None)
            return C2paReading(INVALID, None, failures=(_line(exc),))
        with reader:
            state = reader.get_validation_state()
            manifest = reader.get_active_manifest() or {}
            results = reader.get_validation_results() or {}
    finally:
        if context is not None:
            context.close()
    record = next(
        (
            a.get("data")
            for a in manifest.get("assertions", [])
            if isinstance(a, dict) and a.get("label") == ASSERTION
        ),
        None,
    )
    info = manifest.get("signature_info") or {}
    signer = ", ".join(str(info[k]) for k in ("common_name", "issuer") if info.get(k))
    failures = tuple(
        str(f.get("explanation") or f.get("code"))
        for f in (results.get("activeManifest") or {}).get("failure", [])
        if isinstance(f, dict)
    )
    return C2paReading(
        str(state) if state else None,
        record if isinstance(record, dict) else None,
        signer,
        failures,
    )


def _line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
