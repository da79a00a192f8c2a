"""Configuration of community curation: `[generation.curation]`.

```toml
[generation.curation]
# Optional: weigh each vote by the voter's verified holdings of a token (onboarding's wallet
# links). Without it every vote weighs 1.
token = { chain = "mainnet", address = "0x…", standard = "erc20" }
# The chain's RPC URL: RPC_URL_<CHAIN> in the environment (the variable the treasury reads for
# the same chain), or rpc_url in the table above.
```
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from eth_utils.address import is_checksum_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from bot.settings import environ_of


def rpc_url_variable(chain: str) -> str:
    """The environment variable giving a chain's RPC URL (the treasury's name for it too)."""
    return f"RPC_URL_{chain.upper().replace('-', '_')}"


class WeightToken(BaseModel):
    """The token whose holdings weigh a vote: ERC-20 in its units, NFTs as counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chain: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    address: str
    standard: Literal["erc20", "erc721", "erc1155"] = "erc20"
    token_id: int | None = Field(default=None, ge=0)  # erc1155 only
    rpc_url: SecretStr = Field(default=SecretStr(""), validate_default=True)

    @property
    def rpc(self) -> str:
        return self.rpc_url.get_secret_value()

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        text = str(value).strip()
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
            raise ValueError(f"{text!r} is not a 0x-prefixed 40-hex-digit address")
        body = text[2:]
        if body != body.lower() and body != body.upper() and not is_checksum_address(text):
            raise ValueError(f"{text} has a wrong EIP-55 checksum")
        return str(to_checksum_address(text))

    @field_validator("token_id")
    @classmethod
    def _token_id(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("standard") == "erc1155" and value is None:
            raise ValueError("an erc1155 token needs token_id")
        return value

    @field_validator("rpc_url", mode="before")
    @classmethod
    def _rpc_url(cls, value: Any, info: ValidationInfo) -> Any:
        """RPC_URL_<CHAIN> from the environment, else the file; never quoted in errors."""
        chain = str(info.data.get("chain") or "")
        variable = rpc_url_variable(chain)
        url = environ_of(info).get(variable) if chain else None
        if not url:
            url = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not url:
            raise ValueError(
                f"generation.curation.token names chain {chain!r}: set {variable} (environment "
                "variable) or rpc_url"
            )
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the RPC URL of chain {chain!r} is not an http(s) URL")
        return url


class CurationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: WeightToken | None = None
