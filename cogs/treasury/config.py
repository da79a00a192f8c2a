"""The treasury feature's table in the configuration file: `[treasury.chains.<name>]`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, model_validator

from bot.settings import environ_of


class ChainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chain_id: int = Field(ge=1)
    # The RPC URL often carries a provider key, so it is kept secret (never logged);
    # RPC_URL_<NAME> in the environment overrides the file.
    rpc_url: SecretStr
    tx_service_url: str | None = Field(default=None, pattern=r"^https?://")
    # Name of the environment variable holding the Transaction Service API key (a JWT).
    tx_service_api_key_env: str | None = None
    tx_service_api_key: SecretStr | None = None
    confirmations: int = Field(default=12, ge=0, le=1000)
    poll_seconds: float = Field(default=12.0, gt=0)
    explorer_url: str | None = None
    safe_app_url: str = "https://app.safe.global"
    # EIP-3770 short name used in Safe web app links (eth, gno, arb1, ...).
    short_name: str | None = None
    native_symbol: str = "ETH"
    # ERC-20 tokens whose balances /safe status shows.
    tokens: list[str] = []
    # MultiSend deployments besides the canonical ones (DELEGATECALL to them is expected).
    multisend: list[str] = []
    max_block_range: int = Field(default=2000, ge=1)
    # The Transaction Service's free tier: 5 requests/s and 50,000 a month.
    tx_service_requests_per_month: int = Field(default=50_000, ge=1)
    tx_service_requests_per_second: float = Field(default=5.0, gt=0)
    # A queued transaction short of signatures this long gets a nudge, at most once per period.
    nudge_after_minutes: int = Field(default=24 * 60, ge=1)

    @property
    def rpc(self) -> str:
        return self.rpc_url.get_secret_value()


class TreasuryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chains: dict[str, ChainConfig] = {}

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_environment(cls, data: Any, info: ValidationInfo) -> Any:
        """RPC URLs and API keys come from the environment; a chain without an RPC URL, or with
        one that is not a URL, is refused here rather than silently left unwatched."""
        if not isinstance(data, dict) or not isinstance(data.get("chains"), dict):
            return data
        environ = environ_of(info)
        chains = {}
        for name, table in data["chains"].items():
            if not isinstance(table, dict):
                chains[name] = table
                continue
            table = dict(table)
            if "tx_service_api_key" in table:
                raise ValueError(f"chains.{name}: API keys belong in the environment")
            variable = f"RPC_URL_{name.upper().replace('-', '_')}"
            url = environ.get(variable) or table.get("rpc_url")
            if not url:
                raise ValueError(f"chains.{name} has no RPC URL: set rpc_url or {variable}")
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"chains.{name}.rpc_url is not an http(s) URL")
            table["rpc_url"] = url
            key_env = table.get("tx_service_api_key_env")
            if key_env:
                key = environ.get(str(key_env))
                if not key:
                    raise ValueError(
                        f"chains.{name}: {key_env} (tx_service_api_key_env) is not set"
                    )
                table["tx_service_api_key"] = key
            chains[name] = table
        return {**data, "chains": chains}
