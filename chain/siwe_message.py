"""Sign-In with Ethereum messages (EIP-4361): written and read back, field by field.

The text is what the wallet shows and signs, so it is built and parsed here line by line in the
order the EIP's ABNF gives (header, address, blank line, optional statement, then the tagged
fields). Not the `siwe` package: its releases (siwe 4.4.0 and its successor signinwithethereum
5.0.2) pin web3<8 and eth-account<0.14, which the project's web3 8 cannot install beside.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_utils.address import is_checksum_address

HEADER = " wants you to sign in with your Ethereum account:"
VERSION = "1"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*$")
_DOMAIN = re.compile(r"^[^\s/?#]+$")  # an RFC 3986 authority: host, optional port
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:\S*$")
_REQUEST_ID = re.compile(r"^[-._~!$&'()*+,;=:@%A-Za-z0-9]*$")
_DATETIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


class MessageFormatError(ValueError):
    """The text is not an EIP-4361 message; `line` is the 1-based line that broke the form."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class SignInMessage:
    domain: str
    address: str  # EIP-55 checksummed, as the message must carry it
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    statement: str | None = None
    expires_at: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = field(default_factory=tuple)
    scheme: str | None = None
    version: str = VERSION

    def text(self) -> str:
        """The message as EIP-4361 writes it: the exact text the wallet signs."""
        lines = [f"{self.scheme}://{self.domain}" if self.scheme else self.domain]
        lines[0] += HEADER
        lines += [self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines += [
            "",
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {format_time(self.issued_at)}",
        ]
        if self.expires_at is not None:
            lines.append(f"Expiration Time: {format_time(self.expires_at)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {format_time(self.not_before)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines += ["Resources:", *(f"- {resource}" for resource in self.resources)]
        return "\n".join(lines)

    def check(self) -> None:
        """Raise MessageFormatError for a field that cannot be written as EIP-4361 says."""
        if self.scheme is not None and not _SCHEME.match(self.scheme):
            raise MessageFormatError(f"not a URI scheme: {self.scheme!r}")
        if not _DOMAIN.match(self.domain):
            raise MessageFormatError(f"not a domain: {self.domain!r}")
        if not _ADDRESS.match(self.address) or not is_checksum_address(self.address):
            raise MessageFormatError(f"not a checksummed (EIP-55) address: {self.address!r}")
        if self.statement is not None and ("\n" in self.statement or not self.statement):
            raise MessageFormatError("the statement must be one line of text")
        if not _URI.match(self.uri):
            raise MessageFormatError(f"not a URI: {self.uri!r}")
        if self.version != VERSION:
            raise MessageFormatError(f"version {self.version!r}; only {VERSION} exists")
        if self.chain_id < 0:
            raise MessageFormatError(f"not a chain id: {self.chain_id}")
        if not _NONCE.match(self.nonce):
            raise MessageFormatError("the nonce must be at least 8 letters or digits")
        for moment in (self.issued_at, self.expires_at, self.not_before):
            if moment is not None and moment.tzinfo is None:
                raise MessageFormatError("times must carry their time zone")
        if self.request_id is not None and not _REQUEST_ID.match(self.request_id):
            raise MessageFormatError(f"not a request id: {self.request_id!r}")
        for resource in self.resources:
            if not _URI.match(resource):
                raise MessageFormatError(f"not a resource URI: {resource!r}")


def new_nonce(length: int = 17) -> str:
    """A random nonce of letters and digits (EIP-4361 asks for at least 8)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second (milliseconds when there are some)."""
    utc = moment.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond else "seconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    if not _DATETIME.match(text):
        raise MessageFormatError(f"not an RFC 3339 time: {text!r}")
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError as exc:  # 2026-02-30 and the like
        raise MessageFormatError(f"not a real time: {text!r}") from exc


# Tagged fields in the order the ABNF fixes; the first five are required.
_TAGS = (
    ("URI", True),
    ("Version", True),
    ("Chain ID", True),
    ("Nonce", True),
    ("Issued At", True),
    ("Expiration Time", False),
    ("Not Before", False),
    ("Request ID", False),
)


def parse_message(text: str) -> SignInMessage:
    """The message's fields, or MessageFormatError naming the first line out of form."""
    lines = text.split("\n")
    first = lines[0]
    if not first.endswith(HEADER):
        raise MessageFormatError(f"the first line must end with {HEADER.strip()!r}", 1)
    origin = first[: -len(HEADER)]
    scheme, _, domain = origin.rpartition("://")
    if len(lines) < 4 or lines[2] != "":
        raise MessageFormatError("the address must be followed by a blank line", 3)
    statement: str | None = None
    index = 3
    if lines[3] != "":
        statement = lines[3]
        index = 4
    if index >= len(lines) or lines[index] != "":
        raise MessageFormatError("a blank line must follow the statement", index + 1)
    index += 1
    values: dict[str, str] = {}
    for tag, required in _TAGS:
        prefix = f"{tag}: "
        if index < len(lines) and lines[index].startswith(prefix):
            values[tag] = lines[index][len(prefix) :]
            index += 1
        elif required:
            raise MessageFormatError(f"expected '{prefix.strip()}'", index + 1)
    resources: list[str] = []
    if index < len(lines) and lines[index] == "Resources:":
        index += 1
        while index < len(lines) and lines[index].startswith("- "):
            resources.append(lines[index][2:])
            index += 1
    if index != len(lines):
        raise MessageFormatError("unexpected text after the last field", index + 1)
    if not values["Chain ID"].isdigit() or not values["Chain ID"].isascii():
        raise MessageFormatError(f"not a chain id: {values['Chain ID']!r}")
    message = SignInMessage(
        domain=domain,
        address=lines[1],
        uri=values["URI"],
        chain_id=int(values["Chain ID"]),
        nonce=values["Nonce"],
        issued_at=parse_time(values["Issued At"]),
        statement=statement,
        expires_at=_time(values.get("Expiration Time")),
        not_before=_time(values.get("Not Before")),
        request_id=values.get("Request ID"),
        resources=tuple(resources),
        scheme=scheme or None,
        version=values["Version"],
    )
    message.check()
    return message


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)
