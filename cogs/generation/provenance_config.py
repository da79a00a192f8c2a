"""`[generation.provenance]`: the bot's signing key, the community's C2PA certificate and the
chain records are anchored on.

```toml
[generation.provenance]
signing_key_env = "STEWARD_PROVENANCE_KEY"      # 0x… secp256k1 key: EIP-191 signatures
c2pa_cert_chain = "config/c2pa/chain.pem"       # the signing leaf first, then intermediates
c2pa_private_key_env = "STEWARD_C2PA_KEY"       # its PKCS#8 PEM (or c2pa_private_key = path)
c2pa_trust_anchors = "config/c2pa/ca.pem"       # the community's CA, trusted when reading

[generation.provenance.anchor]
rpc_url_env = "STEWARD_ANCHOR_RPC_URL"
chain_id = 8453
to = "0x…"                                      # an address without code receives the hashes
explorer_tx_url = "https://basescan.org/tx/{tx}"
```
Every part is optional: without a key records are stored unsigned (and /provenance says so),
without a certificate images carry no C2PA manifest, without an anchor section nothing is
written on chain. Secrets come only from the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.commands.options import parse_address
from bot.errors import InvalidOption
from bot.settings import secret_from_env, variable_is_set


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnchorConfig(_Table):
    rpc_url_env: str | None = None
    rpc_url: SecretStr | None = Field(default=None, validate_default=True)
    _rpc_url_env_is_set = field_validator("rpc_url_env")(variable_is_set)
    _rpc_url_from_env = field_validator("rpc_url", mode="before")(secret_from_env("rpc_url_env"))
    # The chain the node must be on (checked before anything is sent).
    chain_id: int | None = Field(default=None, ge=1)
    # Where anchoring transactions go: their calldata is the record's hash.
    to: str | None = None
    # A block explorer's page of a transaction, "{tx}" standing for its hash.
    explorer_tx_url: str = ""
    wait_seconds: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(parse_address("to", value))
        except InvalidOption as exc:
            raise ValueError(str(exc)) from exc

    @property
    def rpc(self) -> str | None:
        return self.rpc_url.get_secret_value() if self.rpc_url else None

    @property
    def configured(self) -> bool:
        return bool(self.rpc and self.to)


class ProvenanceConfig(_Table):
    # The bot's key for EIP-191 signatures of records (and for anchoring transactions).
    signing_key_env: str | None = None
    signing_key: SecretStr | None = Field(default=None, validate_default=True)
    _signing_key_env_is_set = field_validator("signing_key_env")(variable_is_set)
    _signing_key_from_env = field_validator("signing_key", mode="before")(
        secret_from_env("signing_key_env")
    )
    # The community's C2PA signing certificate chain (PEM, leaf first) and its private key
    # (a PEM file, or the PEM itself in an environment variable).
    c2pa_cert_chain: Path | None = None
    c2pa_private_key: Path | None = None
    c2pa_private_key_env: str | None = None
    c2pa_private_key_pem: SecretStr | None = Field(default=None, validate_default=True)
    _c2pa_key_env_is_set = field_validator("c2pa_private_key_env")(variable_is_set)
    _c2pa_key_from_env = field_validator("c2pa_private_key_pem", mode="before")(
        secret_from_env("c2pa_private_key_env")
    )
    # CA certificates (PEM) a manifest's signer must chain to for /provenance to call it trusted.
    c2pa_trust_anchors: Path | None = None
    anchor: AnchorConfig = AnchorConfig()

    @model_validator(mode="after")
    def _c2pa_complete(self) -> ProvenanceConfig:
        has_key = self.c2pa_private_key is not None or self.c2pa_private_key_pem is not None
        if (self.c2pa_cert_chain is None) != (not has_key):
            raise ValueError(
                "c2pa_cert_chain and a private key (c2pa_private_key or c2pa_private_key_env) "
                "go together"
            )
        if self.c2pa_private_key is not None and self.c2pa_private_key_pem is not None:
            raise ValueError("give c2pa_private_key or c2pa_private_key_env, not both")
        return self

    @property
    def key(self) -> str | None:
        return self.signing_key.get_secret_value() if self.signing_key else None
