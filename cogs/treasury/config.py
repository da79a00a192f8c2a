"""The treasury feature's table in the configuration file: `[treasury.chains.<name>]`.

Secrets (RPC URLs carry provider keys, the Transaction Service key is a JWT) come from the
environment at load time. Each problem is reported at its own key, all of them in one pass.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.settings import environ_of, secret_from_env, variable_is_set


def rpc_url_variable(chain: str) -> str:
    """The environment variable that gives (or overrides) a chain's RPC URL."""
    return f"RPC_URL_{chain.upper().replace('-', '_')}"


class ChainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The table's name in [treasury.chains.<name>]; filled in by TreasuryConfig. Declared first:
    # the validators below read it (and tx_service_api_key_env) from the fields before them.
    name: str = ""
    chain_id: int = Field(ge=1)
    # The RPC URL often carries a provider key, so it is kept secret (never logged);
    # RPC_URL_<NAME> in the environment overrides the file.
    rpc_url: SecretStr = Field(default=SecretStr(""), validate_default=True)
    tx_service_url: str | None = Field(default=None, pattern=r"^https?://")
    # Name of the environment variable holding the Transaction Service API key (a JWT).
    tx_service_api_key_env: str | None = None
    # Read from the variable above; never from the file.
    tx_service_api_key: SecretStr | None = Field(default=None, validate_default=True)
    _tx_service_api_key_env_is_set = field_validator("tx_service_api_key_env")(variable_is_set)
    _tx_service_api_key_from_env = field_validator("tx_service_api_key", mode="before")(
        secret_from_env("tx_service_api_key_env")
    )
    confirmations: int = Field(default=12, ge=0, le=1000)
    poll_seconds: float = Field(default=12.0, gt=0)
    explorer_url: str | None = None
    safe_app_url: str = "https://app.safe.global"
    # EIP-3770 short name used in Safe web app links (eth, gno, arb1, ...).
    short_name: str | None = None
    native_symbol: str = "ETH"
    # ERC-20 tokens whose balances /safe status shows.
    tokens: list[str] = []
    # MultiSend deployments besides those safe-eth-py's table knows for this chain id
    # (DELEGATECALL to them is expected).
    multisend: list[str] = []
    max_block_range: int = Field(default=2000, ge=1)
    # Above this many bytes of Safe addresses in the log filters of a poll, the filters ask by
    # event only and the Safes are matched locally (request size stays flat).
    max_filter_bytes: int = Field(default=20_000, ge=1000)
    # The Transaction Service's free tier: 5 requests/s and 50,000 a month.
    tx_service_requests_per_month: int = Field(default=50_000, ge=1)
    tx_service_requests_per_second: float = Field(default=5.0, gt=0)
    # A queued transaction short of signatures this long gets a nudge, at most once per period.
    nudge_after_minutes: int = Field(default=24 * 60, ge=1)

    @property
    def rpc(self) -> str:
        return self.rpc_url.get_secret_value()

    @field_validator("rpc_url", mode="before")
    @classmethod
    def _rpc_url(cls, value: Any, info: ValidationInfo) -> Any:
        """From RPC_URL_<NAME>, else the file; a chain without one is refused rather than
        silently left unwatched. The URL is never quoted: it may carry a provider key."""
        name = str(info.data.get("name") or "")
        variable = rpc_url_variable(name)
        url = environ_of(info).get(variable) if name else None
        if not url:
            url = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not url:
            raise ValueError(
                f"treasury.chains.{name} has no RPC URL: set rpc_url or {variable} "
                "(environment variable)"
            )
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            source = variable if environ_of(info).get(variable) else "rpc_url"
            raise ValueError(f"{source} is not an http(s) URL (like https://rpc.example/<key>)")
        return url


class TreasuryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chains: dict[str, ChainConfig] = {}

    @model_validator(mode="before")
    @classmethod
    def _chain_names(cls, data: Any) -> Any:
        """Each chain learns its table's name, which names its RPC_URL_<NAME> variable."""
        if not isinstance(data, dict) or not isinstance(data.get("chains"), dict):
            return data
        chains = {
            name: {**table, "name": name} if isinstance(table, dict) else table
            for name, table in data["chains"].items()
        }
        return {**data, "chains": chains}
