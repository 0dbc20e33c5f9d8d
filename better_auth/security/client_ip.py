"""Client IP and public origin from request headers (core surface §6.2).

Forwarding headers are written by whoever sent the request, so they are
believed only as far as configuration says (OWASP WSTG-INPV-17, RFC 7239
§8.1). Better Auth 1.7 rules:

* without ``trusted_proxies`` an IP header is used only when it holds exactly
  one valid address; a chain of hops is ambiguous and ignored (and here only
  when the socket peer is unknown, see below);
* with ``trusted_proxies`` the chain is read right to left, skipping trusted
  hops, and the first untrusted hop is the client;
* IPv4-mapped IPv6 becomes IPv4 and IPv6 is cut to its ``/ipv6_subnet``
  network, so one host cannot dodge a rate limit by rotating addresses;
* ``X-Forwarded-Host`` / ``X-Forwarded-Proto`` count only when
  ``trusted_proxy_headers`` is on.

Unlike Better Auth, which cannot see the socket, the peer address
(``remote_addr``) is the nearest hop: when it is not a trusted proxy, or no
proxy is configured at all, no forwarding header is believed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

from better_auth.security.origins import origin_of

__all__ = [
    "NO_TRUSTED_IP",
    "client_ip",
    "invalid_trusted_proxies",
    "public_origin",
    "rate_limit_ip_key",
]

NO_TRUSTED_IP = "no-trusted-ip"

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_PORT = r"(?::(?P<port>[0-9]{1,5}))?"
_HOSTNAME_RE = re.compile(rf"(?P<host>{_LABEL}(?:\.{_LABEL})*){_PORT}")
_IPV6_HOST_RE = re.compile(rf"\[(?P<host>[0-9a-fA-F:.]+)\]{_PORT}")
_NUMERIC_LABEL_RE = re.compile(r"[0-9]+")


def _parse_ip(value: str | None) -> _IPAddress | None:
    """Parse a bare address; zone ids, brackets and ports are not addresses."""
    if not value or "%" in value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _render(address: _IPAddress, ipv6_subnet: int) -> str:
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    prefix = min(max(int(ipv6_subnet), 0), 128)
    network = ipaddress.IPv6Network((address, prefix), strict=False)
    return network.network_address.compressed


def _parse_network(entry: str) -> _Network | None:
    address, _, prefix = entry.strip().partition("/") if entry else ("", "", "")
    parsed = _parse_ip(address)
    if parsed is None or (prefix and not (prefix.isdigit() and prefix.isascii())):
        return None
    length = int(prefix) if prefix else parsed.max_prefixlen
    try:
        return ipaddress.ip_network((parsed, length), strict=False)
    except ValueError:
        return None


def _parse_networks(entries: Sequence[str]) -> list[_Network]:
    """Parse trusted proxies; a malformed entry trusts nothing."""
    networks = [_parse_network(entry) for entry in entries]
    return [network for network in networks if network is not None]


def invalid_trusted_proxies(entries: Sequence[str]) -> list[str]:
    """List ``trusted_proxies`` entries that are no IP address or CIDR range.

    For system checks: such an entry is skipped at request time, so a typo
    would otherwise silently stop a proxy from being trusted.
    """
    return [entry for entry in entries if _parse_network(entry) is None]


def _trusted(address: _IPAddress, networks: list[_Network]) -> bool:
    return any(
        address.version == network.version and address in network
        for network in networks
    )


def _walk_chain(
    hops: list[str], remote: _IPAddress, networks: list[_Network]
) -> _IPAddress | None:
    """Return the nearest untrusted hop, reading from the peer outwards.

    An unparsable hop ends the walk with no answer: anything to its left
    was written by an unknown party. When every hop is trusted the request
    came from inside, and the farthest hop is the client.
    """
    chain: list[_IPAddress | None] = [_parse_ip(hop) for hop in hops]
    chain.append(remote)
    for address in reversed(chain):
        if address is None:
            return None
        if not _trusted(address, networks):
            return address
    return chain[0]


def client_ip(
    headers: Mapping[str, str],
    remote_addr: str | None,
    *,
    ip_headers: Sequence[str] = ("x-forwarded-for",),
    trusted_proxies: Sequence[str] = (),
    ipv6_subnet: int = 64,
    disable_tracking: bool = False,
) -> str | None:
    """Resolve the client address Better Auth ``getIP`` would report.

    ``ip_headers`` are tried in order (names compared case-insensitively).
    Returns ``None`` when tracking is disabled or no address can be trusted;
    Better Auth's ``127.0.0.1`` fallback in development is the caller's
    choice, since it depends on settings.
    """
    if disable_tracking:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    remote = _parse_ip(remote_addr)
    values = [
        lowered[name.lower()]
        for name in ip_headers
        if isinstance(lowered.get(name.lower()), str)
    ]
    if not trusted_proxies:
        if remote is not None:
            # The socket peer is known and no proxy is trusted: any forwarding
            # header was written by the client itself (a rotating X-Forwarded-For
            # would otherwise choose its own rate-limit bucket).
            return _render(remote, ipv6_subnet)
        for value in values:
            hops = [hop.strip() for hop in value.split(",") if hop.strip()]
            address = _parse_ip(hops[0]) if len(hops) == 1 else None
            if address is not None:
                return _render(address, ipv6_subnet)
        return _render(remote, ipv6_subnet) if remote else None
    networks = _parse_networks(trusted_proxies)
    if remote is None or not _trusted(remote, networks):
        return _render(remote, ipv6_subnet) if remote else None
    for value in values:
        hops = [hop.strip() for hop in value.split(",") if hop.strip()]
        address = _walk_chain(hops, remote, networks) if hops else None
        if address is not None:
            return _render(address, ipv6_subnet)
    if values:
        return None
    return _render(remote, ipv6_subnet)


def rate_limit_ip_key(ip: str | None) -> str:
    """Return the IP part of a rate-limit key (§6.3).

    Requests without a trustworthy address share one ``no-trusted-ip``
    bucket rather than escaping the limit.
    """
    return ip or NO_TRUSTED_IP


def _valid_host(value: str | None) -> str | None:
    """Check a Host-style value: hostname, IPv4 or [IPv6], optional port."""
    if not value:
        return None
    ipv6 = _IPV6_HOST_RE.fullmatch(value)
    match = ipv6 or _HOSTNAME_RE.fullmatch(value)
    if match is None:
        return None
    if match.group("port") is not None and int(match.group("port")) > 65535:
        return None
    host = match.group("host")
    try:
        if ipv6:
            ipaddress.IPv6Address(host)
        elif _NUMERIC_LABEL_RE.fullmatch(host.rsplit(".", 1)[-1]):
            # A numeric last label makes the whole host an IPv4 literal to
            # URL parsers; only the canonical dotted quad is accepted.
            ipaddress.IPv4Address(host)
    except ValueError:
        return None
    return value.lower()


def public_origin(
    headers: Mapping[str, str], *, scheme_from_request: str, trusted_proxy_headers: bool
) -> str | None:
    """Derive ``scheme://host[:port]`` of the server as the client addressed it.

    Uses ``X-Forwarded-Host`` / ``X-Forwarded-Proto`` only with
    ``trusted_proxy_headers`` (Better Auth 1.7 ``trustedProxyHeaders``); an
    invalid forwarded value is ignored in favour of ``Host`` and the
    request's own scheme, as Better Auth does. Returns ``None`` when no valid
    host or no http(s) scheme is available, so emailed links are never
    built from an unvalidated header (case 67).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    host = scheme = None
    if trusted_proxy_headers:
        host = _valid_host(lowered.get("x-forwarded-host"))
        proto = lowered.get("x-forwarded-proto")
        scheme = proto if proto in ("http", "https") else None
    host = host or _valid_host(lowered.get("host"))
    scheme = scheme or (scheme_from_request or "").lower()
    if host is None or scheme not in ("http", "https"):
        return None
    return origin_of(f"{scheme}://{host}")
