"""Where report sources may come from: local files below the source roots (never /proc, /sys or /dev),
and http(s) hosts on public addresses unless private ones are allowed. Each check raises `SourceRefused`
whose message says why; the caller names the source."""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path

NEVER_READ = (Path("/proc"), Path("/sys"), Path("/dev"))


class SourceRefused(Exception):
    """A source lies outside the boundary; the message is the reason, without the source."""


def check_local_path(path: Path, roots: Sequence[Path] | None) -> Path:
    """The path with symlinks resolved, if it may be read; `roots` None means anywhere but NEVER_READ."""
    real = path.resolve()
    for system in NEVER_READ:
        if real.is_relative_to(system):
            raise SourceRefused(f"refused: resolves to {real}, under {system}, which is never read")
    if roots is not None and not any(real.is_relative_to(root) for root in roots):
        raise SourceRefused(f"refused: {real} is outside the source roots "
                            f"({', '.join(str(r) for r in roots) or 'none'}); set ESG_SOURCE_ROOTS to read it")
    return real


def check_host(host: str | None) -> None:
    """Refuses a host that resolves to a loopback, private, link-local or otherwise non-public address.
    A name that does not resolve passes: the fetch itself then reports that it cannot connect."""
    if not host:
        return
    try:
        infos = _resolve(host)
    except (socket.gaierror, UnicodeError):
        return
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        kind = _non_public_kind(address)
        if kind:
            raise SourceRefused(f"refused: host {host} resolves to {kind} address {address}; "
                                f"set ESG_ALLOW_PRIVATE_URLS=1 to fetch it")


def _resolve(host: str) -> list:
    return socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)


def _non_public_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    for kind, flag in (("a loopback", address.is_loopback), ("a link-local", address.is_link_local),
                       ("a multicast", address.is_multicast), ("an unspecified", address.is_unspecified),
                       ("a private", address.is_private), ("a reserved", address.is_reserved)):
        if flag:
            return kind
    return None if address.is_global else "a non-public"
