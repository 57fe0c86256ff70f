"""The one address guard for every outbound connection (SSRF).

Probes, subscriber and operator webhooks, the Statuspage import and any poller
added later resolve a host through this module, which checks every address
against a ``Policy`` and hands back the address to connect to. Connecting to
that address (never to the name again) means a second DNS answer cannot swap
it (DNS rebinding).

The policy has three parts:

- cloud metadata addresses (``METADATA``: 169.254.169.254, fd00:ec2::254,
  100.100.100.200 and the like) are refused always: they hand out the host's
  cloud credentials to anyone who can make it send a GET;
- with ``block_private`` on, every address that is not globally routable
  (loopback, RFC 1918, link-local, CGNAT, unique-local, multicast, ...) is
  refused too;
- addresses and networks in ``allow`` pass whatever the rest says (an
  operator who really monitors a metadata service, or one internal host).

IPv4 addresses hidden in IPv6 ones (``::ffff:169.254.169.254``, NAT64, 6to4,
Teredo) and the numeric forms libc accepts (``2852039166``, ``0xa9fea9fe``,
``169.254.43518``) are judged by the IPv4 address they stand for.

Framework-free: callers build the policy from their settings. ``check_host``
is for validation time (a literal address is judged before anything is
stored); ``resolve``, ``aresolve`` and ``GuardedResolver`` are for connect
time.

A new outbound client (a probe kind, a poller) takes the address from
``aresolve`` (a probe: ``ctx.address``) and hands its library that address,
keeping the name only for TLS (``server_hostname``, SNI) and the Host header;
a library that resolves by itself must be given the address instead of the
name, or it re-opens the rebinding gap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Hetzner, Oracle
        "169.254.169.253",  # AWS's resolver, which answers for the instance's private zone
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity
        "169.254.0.23",  # Tencent Cloud
        "169.254.42.42",  # Scaleway
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud Classic
        "168.63.129.16",  # Azure WireServer
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::253",
        "fd00:ec2::23",
        "fd00:42::42",  # Scaleway over IPv6
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class BlockedAddress(ValueError):
    """The policy refuses this address; ``str()`` says which and why."""


class UnresolvedHost(OSError):
    """The host name does not resolve."""


def parse_allow(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Networks from ``AVISO_OUTBOUND_ALLOW``-style entries; ValueError names a bad one."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            bare = entry.replace("[", "").replace("]", "")  # "[fd00::]/8" as in a URL
            networks.append(ipaddress.ip_network(bare, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_public(ip: IPAddress) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (and any IPv4 one it hides)."""
    ip = _parse(address)
    return all(_is_public(each) for each in [ip, *_embedded_ipv4(ip)])


def is_metadata(address: str) -> bool:
    ip = _parse(address)
    return any(each in METADATA for each in [ip, *_embedded_ipv4(ip)])


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address.strip("[]").split("%", 1)[0])


@dataclass(frozen=True)
class Policy:
    """What may be connected to. The default refuses metadata addresses only."""

    block_private: bool = False
    allow: tuple[IPNetwork, ...] = ()

    def check(self, address: str, host: str | None = None) -> str:
        """``address`` itself when allowed; else ``BlockedAddress`` naming ``host``."""
        ip = _parse(address)
        family = [ip, *_embedded_ipv4(ip)]
        if any(each in network for each in family for network in self.allow):
            return address
        shown = address if host is None or host == address else f"{host} ({address})"
        if any(each in METADATA for each in family):
            raise BlockedAddress(f"refused: {shown} is a cloud metadata address")
        if self.block_private and not all(_is_public(each) for each in family):
            raise BlockedAddress(f"refused: {shown} is a private, loopback or link-local address")
        return address


def literal_address(host: str) -> str | None:
    """The address ``host`` spells, in any form libc reads as one; None for a name.

    ``AI_NUMERICHOST`` makes libc parse without asking DNS, so this never sends
    a packet, and it reads ``2852039166`` or ``0251.0376.0251.0376`` as the
    connect call would.
    """
    bare = host.strip("[]")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if not bare:
        return None
    try:
        infos = socket.getaddrinfo(bare, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return infos[0][4][0] if infos else None


def check_host(host: str, policy: Policy) -> None:
    """Validation time: refuse a literal address the policy refuses; names pass here.

    Names are judged at connect time, when their addresses are known.
    """
    address = literal_address(host)
    if address is not None:
        policy.check(address, host)


def _checked(host: str, infos: list, policy: Policy) -> str:
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnresolvedHost(f"{host} does not resolve")
    for address in addresses:  # one refused address refuses the name
        policy.check(address, host)
    return addresses[0]


def resolve(host: str, port: int, policy: Policy) -> str:
    """The address to connect to for ``host``, every address it has checked first."""
    address = literal_address(host)
    if address is not None:
        return policy.check(address, host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvedHost(f"{host} does not resolve ({_reason(error)})") from None
    return _checked(host, infos, policy)


# How ``aresolve`` turns a name into addresses: the system's resolver unless a
# process installs its own (the checker's caching one, aviso.monitors.resolver).
NameLookup = Callable[[str, int], Awaitable[list[str]]]
_lookup: NameLookup | None = None


def use_lookup(lookup: NameLookup | None) -> None:
    """Resolve names with ``lookup`` from now on in this process (None: the system's).

    ``lookup(host, port)`` returns the addresses or raises ``UnresolvedHost``; every
    address is still checked against the policy here.
    """
    global _lookup
    _lookup = lookup


async def system_lookup(host: str, port: int) -> list[str]:
    """The system resolver's addresses for ``host`` (getaddrinfo, off the event loop)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvedHost(f"{host} does not resolve ({_reason(error)})") from None
    return [info[4][0] for info in infos]


async def aresolve(host: str, port: int, policy: Policy) -> str:
    """``resolve`` without blocking the event loop."""
    address = literal_address(host)
    if address is not None:
        return policy.check(address, host)
    addresses = await (_lookup or system_lookup)(host, port)
    return _checked(host, [(None, None, None, None, (a,)) for a in addresses], policy)


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or type(error).__name__


def check_url(url: str) -> tuple[str, int]:
    """Return (host, port) of an http(s) URL, or raise ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValueError("Only http:// and https:// addresses can be used.")
    if not parts.hostname:
        raise ValueError("The address has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError("The address has an invalid port.") from None
    return parts.hostname, port


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that checks every address against ``policy``."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = literal_address(host)
        if address is not None:
            self.policy.check(address, host)
            infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_NUMERICHOST)  # fmt: skip
        else:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
            _checked(host, infos, self.policy)
        return [
            ResolveResult(
                hostname=host,
                host=sockaddr[0],
                port=sockaddr[1],
                family=fam,
                proto=proto,
                flags=socket.AI_NUMERICHOST,
            )
            for fam, _type, proto, _name, sockaddr in infos
        ]

    async def close(self) -> None:
        return None
