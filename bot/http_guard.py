"""Which hosts a URL typed into chat may reach: not this machine, not a private network.

A member can paste any URL, so a fetch on their behalf must not become a way into the bot's own
host, the cloud metadata service or the operator's LAN (server-side request forgery). Two checks
share one rule set: `check_literal` for hosts written as addresses (aiohttp skips the resolver for
those), and `GuardedResolver`, which checks every address a name resolves to and hands aiohttp
only checked ones, so a second, different DNS answer can never be what gets connected to.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Spelled out rather than left to `is_global`, whose meaning has changed between Python releases.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including cloud metadata at 169.254.169.254
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)
# IPv6 forms that carry an IPv4 address and reach it: IPv4-compatible (::a.b.c.d) and NAT64.
_IPV4_CARRIERS = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")


class PrivateAddress(aiohttp.ClientError):
    """Raised inside aiohttp's connector; `bot.http` turns it into `BlockedAddress` with the URL."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


def destination(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address leads to (mapped, compatible, NAT64, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in carrier for carrier in _IPV4_CARRIERS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_valid_host_name(host: str) -> bool:
    """What DNS can carry: at most 253 characters, labels of 1 to 63 letters, digits, - or _.

    Checked before anything else sees the name: Python's idna codec raises UnicodeError on
    longer names, deep inside getaddrinfo.
    """
    name = host.removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number names, in every form a C resolver accepts.

    `host` is yarl's `raw_host`: lower case, brackets removed. Besides dotted quads and IPv6,
    inet_aton takes 0x7f000001, 2130706433, 127.1 and 0177.0.0.1, all of which reach 127.0.0.1.
    """
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # drop a zone id such as %25eth0
        except ValueError:
            return None
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.removesuffix(".")))
    except OSError:
        return None


@dataclass(frozen=True)
class AddressRules:
    """Private and local addresses are refused unless the operator allowed them."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_names: frozenset[str] = frozenset()

    @classmethod
    def from_allow_list(cls, entries: tuple[str, ...]) -> AddressRules:
        """Entries are IPs, CIDRs ("10.0.0.0/8") or host names."""
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                names.add(_normal_name(entry))
        return cls(tuple(networks), frozenset(names))

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.allowed_names

    def blocks(self, address: IPAddress) -> bool:
        target = destination(address)
        if any(address in net or target in net for net in self.allowed_networks):
            return False
        return (
            any(target in network for network in BLOCKED_NETWORKS)
            or not target.is_global
            or target.is_multicast
            or target.is_reserved
            or target.is_unspecified
        )

    def check_literal(self, host: str) -> None:
        """Refuse a host written as a blocked address; names are left to `GuardedResolver`."""
        address = literal_address(host)
        if address is not None and not self.allows_name(host) and self.blocks(address):
            raise PrivateAddress(host)


class GuardedResolver(AbstractResolver):
    """Resolves with `inner`, then refuses the name if any of its addresses is blocked.

    The connector connects only to the addresses returned here (and caches only those), so what
    was checked is what is used. A name with one private address among public ones is refused
    whole: such an answer is either a misconfiguration or an attack.
    """

    def __init__(self, inner: AbstractResolver, rules: AddressRules) -> None:
        self._inner = inner
        self._rules = rules

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if self._rules.allows_name(host):
            return answers
        for answer in answers:
            address = ipaddress.ip_address(answer["host"].split("%", 1)[0])
            if self._rules.blocks(address):
                raise PrivateAddress(host)
        return answers

    async def close(self) -> None:
        """The inner resolver belongs to whoever created it."""


def _normal_name(host: str) -> str:
    return host.strip().lower().removesuffix(".")
