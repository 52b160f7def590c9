"""Where a webhook may be sent: URL rules and the address check against SSRF.

A URL names a host; what matters is the address we connect to. ``resolve_target``
resolves the host once, refuses the whole target if *any* address is internal
(private, loopback, link-local, multicast, reserved, unspecified, shared/CGNAT,
IPv4 embedded in IPv6, cloud metadata) and returns the checked addresses. The sender
then connects to one of exactly those addresses, so a DNS answer that changes between
check and connect (rebinding) cannot reach an internal service.

Networks listed in WEBHOOK_ALLOWED_NETWORKS are exempt (tests use loopback that way),
except the cloud metadata addresses: allowing a link-local range for a receiver must
not open the instance's credentials endpoint.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2",    # AWS ECS task credentials
    "100.100.100.200",  # Alibaba Cloud
    "168.63.129.16",    # Azure WireServer (a public address, hence listed)
    "192.0.0.192",      # Oracle Cloud (legacy)
    "fd00:ec2::254",    # AWS IMDS over IPv6
    "fd20:ce::254",     # GCP metadata over IPv6
))
# Ranges Python's ``is_global`` does not flag on every supported version.
EXTRA_BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "224.0.0.0/4",
    "240.0.0.0/4", "255.255.255.255/32", "64:ff9b:1::/48", "100::/64", "2001:db8::/32",
    "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))


class TargetRefused(Exception):
    """The URL may not be used; ``code`` is a machine code for the error envelope."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # as written, for the Host header and TLS (SNI and certificate check)
    port: int
    path: str  # path and query, sent in the request line
    addresses: tuple[str, ...]  # checked addresses; connect only to these


def parse_networks(value: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in parts if p.strip())


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    packed = ip.packed
    if ip in ipaddress.ip_network("64:ff9b::/96") or (packed[:12] == bytes(12) and packed[12:] != bytes(4)
                                                     and int(ip) > 1):
        return ipaddress.IPv4Address(packed[12:])  # NAT64 well-known prefix, IPv4-compatible
    return None


def refusal(ip: IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why ``ip`` may not be contacted (a short word), or None if it may."""
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = refusal(inner, allowed)
        return f"embedded {reason}" if reason else None
    for flag in ("is_loopback", "is_private", "is_link_local", "is_multicast",
                 "is_reserved", "is_unspecified"):
        if getattr(ip, flag):
            return flag[3:].replace("_", "-")
    if any(ip.version == net.version and ip in net for net in EXTRA_BLOCKED) or not ip.is_global:
        return "not global"
    return None


def check_url(url: str, *, allow_http: bool = False) -> tuple[str, str, int, str]:
    """Syntax rules only: ``(scheme, host, port, path)`` or TargetRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("invalid_url", str(exc)) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("invalid_url", "an absolute http(s) URL is needed")
    if scheme == "http" and not allow_http:
        raise TargetRefused("https_required")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("invalid_url", "credentials in the URL are not accepted")
    if parts.fragment:
        raise TargetRefused("invalid_url", "a fragment is not sent")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


_lookups: tuple[int, ThreadPoolExecutor] | None = None


def _lookup_pool() -> ThreadPoolExecutor:
    # One per process, made on first use: a pool inherited through fork has no threads.
    global _lookups
    if _lookups is None or _lookups[0] != os.getpid():
        _lookups = (os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="webhook-dns"))
    return _lookups[1]


def timed_resolver(timeout: float, resolver: Resolver = system_resolver) -> Resolver:
    """``resolver`` bounded by ``timeout`` seconds (getaddrinfo itself has no timeout)."""
    def resolve(host: str, port: int) -> Sequence[str]:
        try:
            return _lookup_pool().submit(resolver, host, port).result(timeout)
        except FutureTimeout:
            raise OSError(f"no DNS answer within {timeout:g} s") from None
    return resolve


def resolve_target(url: str, *, allowed: Sequence[IPNetwork] = (), allow_http: bool = False,
                   resolver: Resolver = system_resolver) -> Target:
    """Check ``url`` and every address its host resolves to; TargetRefused if any is internal."""
    scheme, host, port, path = check_url(url, allow_http=allow_http)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        raw = [str(literal)]
    else:
        try:
            raw = list(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise TargetRefused("unresolvable_host", f"{host}: {exc}") from exc
    if not raw:
        raise TargetRefused("unresolvable_host", host)
    addresses = []
    for text in raw:
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
        reason = refusal(ip, allowed)
        if reason:
            raise TargetRefused("forbidden_address", f"{host} -> {ip} ({reason})")
        addresses.append(str(ip))
    return Target(url, scheme, host, port, path, tuple(addresses))
