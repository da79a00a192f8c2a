"""Fail any connection or name lookup that would leave this machine.

An audit hook sees every socket connect and getaddrinfo in the process, whichever library makes
it, so a test cannot reach the internet by accident (tiktoken downloads, real Discord, ...).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_enabled = False


class NetworkEscape(RuntimeError):
    pass


def _is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str) or host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        pass
    try:  # numeric forms a C resolver maps without DNS: 0x7f000001, 127.1, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(host)).is_loopback
    except (OSError, ValueError):
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _enabled:
        return
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise NetworkEscape(f"test tried to connect to {address!r}")
    elif event == "socket.getaddrinfo" and not _is_local(args[0]):
        raise NetworkEscape(f"test tried to resolve {args[0]!r}")


def install() -> None:
    global _enabled
    if not _enabled:
        sys.addaudithook(_hook)
        _enabled = True
