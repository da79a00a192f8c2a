"""Configuration of wallet proofs and role rules: `[onboarding.chain]` and `[[onboarding.roles]]`.

```toml
[onboarding.chain]
chain_id = 1
rpc_url = "https://rpc.example/<key>"    # or ONBOARDING_RPC_URL in the environment

[[onboarding.roles]]
name = "Holder"
explanation = "Holds at least 100 GOV"
discord_role_id = "1234"
telegram_chat_id = "-1001234"             # a gated group: a one-time invite link, removal
erc20 = { token = "0x...", min = "100" }  # one condition per role: erc20, erc721, erc1155,
                                          # safe_owner, onboarded or skill
```
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from eth_utils.address import is_checksum_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.settings import environ_of

RPC_URL_VARIABLE = "ONBOARDING_RPC_URL"
CONDITIONS = ("erc20", "erc721", "erc1155", "safe_owner", "onboarded", "skill")


def _address(value: str) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        raise ValueError(f"{text!r} is not a 0x-prefixed 40-hex-digit address")
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise ValueError(f"{text} has a wrong EIP-55 checksum")
    return str(to_checksum_address(text))


# A contract address in a rule, checked and checksummed once wherever a rule names one.
Address = Annotated[str, AfterValidator(_address)]


class ChainSettings(BaseModel):
    """The chain wallets are proved on and holdings read from. Without an RPC URL, plain
    accounts still verify (ecrecover needs no node) but contract wallets and token rules do not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chain_id: int = Field(default=1, ge=1)
    rpc_url: SecretStr = Field(default=SecretStr(""), validate_default=True)
    # How long a sign-in message may wait for its signature.
    sign_in_minutes: int = Field(default=10, ge=1, le=60)

    @property
    def rpc(self) -> str:
        return self.rpc_url.get_secret_value()

    @field_validator("rpc_url", mode="before")
    @classmethod
    def _rpc_url(cls, value: Any, info: ValidationInfo) -> Any:
        url = environ_of(info).get(RPC_URL_VARIABLE) or (
            value.get_secret_value() if isinstance(value, SecretStr) else value
        )
        if url and not re.match(r"^https?://[^/\s]+", str(url)):
            raise ValueError(f"rpc_url (or {RPC_URL_VARIABLE}) is not an http(s) URL")
        return url or ""


class Erc20Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Address
    # In the token's units ("100" GOV, "0.5" WETH); the token's decimals are read from it.
    min: str = "1"

    @field_validator("min", mode="before")
    @classmethod
    def _min(cls, value: Any) -> str:
        try:
            amount = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not an amount") from exc
        if amount <= 0:
            raise ValueError("must be more than 0")
        return str(value)


class Erc721Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    collection: Address


class Erc1155Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    collection: Address
    token_id: int = Field(ge=0)


class SafeOwnerCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    safe: Address


class RoleRule(BaseModel):
    """A named role, why members get it, where it lives, and the one condition that gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    explanation: str = Field(default="", max_length=200)
    discord_role_id: str | None = Field(default=None, pattern=r"^\d{1,20}$")
    telegram_chat_id: str | None = Field(default=None, pattern=r"^-?\d{1,20}$")
    erc20: Erc20Condition | None = None
    erc721: Erc721Condition | None = None
    erc1155: Erc1155Condition | None = None
    safe_owner: SafeOwnerCondition | None = None
    onboarded: bool | None = None
    skill: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _one_condition(self) -> RoleRule:
        given = [name for name in CONDITIONS if getattr(self, name) not in (None, False)]
        if len(given) != 1:
            raise ValueError(
                f"role {self.name!r} needs exactly one condition of {', '.join(CONDITIONS)} "
                f"(has {', '.join(given) or 'none'})"
            )
        if not self.discord_role_id and not self.telegram_chat_id:
            raise ValueError(f"role {self.name!r} needs discord_role_id or telegram_chat_id")
        return self

    @property
    def condition(self) -> str:
        return next(name for name in CONDITIONS if getattr(self, name) not in (None, False))

    def role_id(self, platform: str) -> str | None:
        return {"discord": self.discord_role_id, "telegram": self.telegram_chat_id}.get(platform)

    @property
    def contract(self) -> str | None:
        """The token or collection an erc20, erc721 or erc1155 rule reads."""
        if self.erc20 is not None:
            return self.erc20.token
        condition = self.erc721 or self.erc1155
        return condition.collection if condition is not None else None

    @property
    def needs_chain(self) -> bool:
        return self.condition in ("erc20", "erc721", "erc1155", "safe_owner")


def check_role_names(roles: list[RoleRule]) -> list[RoleRule]:
    names = [r.name.casefold() for r in roles]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"two roles are called {duplicate!r}")
    return roles
