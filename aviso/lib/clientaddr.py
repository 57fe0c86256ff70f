"""The client's address behind trusted proxies (``AVISO_TRUSTED_PROXIES``).

``X-Forwarded-For`` is whatever the sender wrote, except for the entries that
our own proxies appended. So the header is read from the right: each hop that
is a trusted proxy vouches for the one before it, and the first address that
is not a trusted proxy is the client. With no trusted proxies configured the
header is ignored and the peer address is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """``["10.0.0.1", "192.168.0.0/16"]`` as networks; ValueError names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"AVISO_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address, proxies: list[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(remote_addr: str, forwarded_for: str, proxies: list[Network]) -> str:
    """The address to count sign-in failures (and the like) against."""
    peer = _address(remote_addr or "")
    if peer is None:
        return remote_addr or "unknown"
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    for hop in reversed([h for h in (forwarded_for or "").split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            # Garbage where a proxy should have written an address: trust nothing before it.
            return str(peer)
        if not _trusted(address, proxies):
            return str(address)
        peer = address
    return str(peer)
