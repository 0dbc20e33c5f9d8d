"""Host classification for outbound requests (SSRF guard).

Implements Better Auth 1.7 ``classifyHost`` (core surface §6.5): special-
purpose address blocks from the IANA registries (RFC 6890, RFC 6761 for
``localhost``) and cloud instance-metadata names are told apart from
``public`` hosts, and only ``public`` ones may be fetched.

Beyond Better Auth, numeric hosts that resolvers read as IPv4 although they
are not dotted quads (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``;
inet_aton(3) and the WHATWG IPv4 parser accept them) are classified as the
address they denote instead of as a public name.

This is a syntactic check: no DNS lookup happens here, so a public name that
resolves to a private address passes. The outbound HTTP client must check
the address it connects to and re-check every redirect target.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable

from better_auth.security.origins import parse_http_url

__all__ = [
    "HOST_KINDS",
    "OutboundURLRefused",
    "check_outbound_url",
    "classify_host",
    "is_public_host",
]

logger = logging.getLogger("better_auth.security.ssrf")

HOST_KINDS = (
    "public",
    "loopback",
    "localhost",
    "unspecified",
    "broadcast",
    "private",
    "linkLocal",
    "sharedAddressSpace",
    "documentation",
    "benchmarking",
    "multicast",
    "reserved",
    "cloudMetadata",
)

_CLOUD_METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
    }
)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Checked in order; the first block containing the address wins.
_IPV4_BLOCKS: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("169.254.0.0/16"), "linkLocal"),
    (_V4("100.64.0.0/10"), "sharedAddressSpace"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("0.0.0.0/8"), "reserved"),
    (_V4("192.0.0.0/24"), "reserved"),
    (_V4("192.88.99.0/24"), "reserved"),  # RFC 7526: deprecated 6to4 relays
    (_V4("240.0.0.0/4"), "reserved"),
)

_IPV6_BLOCKS: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("ff00::/8"), "multicast"),
    (_V6("fe80::/10"), "linkLocal"),
    (_V6("fec0::/10"), "reserved"),  # RFC 3879: deprecated site-local
    (_V6("fc00::/7"), "private"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("2001:2::/48"), "benchmarking"),
    (_V6("64:ff9b::/96"), "reserved"),  # RFC 6052 NAT64
    (_V6("64:ff9b:1::/48"), "reserved"),  # RFC 8215 local NAT64
    (_V6("2001::/32"), "reserved"),  # RFC 4380 Teredo
    (_V6("100::/64"), "reserved"),  # RFC 6666 discard
    (_V6("3fff::/20"), "documentation"),  # RFC 9637
    (_V6("5f00::/16"), "reserved"),  # RFC 9602 SRv6 SIDs
    (_V6("::/96"), "reserved"),  # RFC 4291 §2.5.5.1 IPv4-compatible
)

_SIX_TO_FOUR = _V6("2002::/16")  # RFC 3056: bits 16-48 carry an IPv4
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_UNSAFE_CHAR = re.compile(r"[\x00-\x20\x7f-\x9f]")
# WHATWG forbidden domain code points that survive normalisation: a name
# holding one is malformed and cannot be a public DNS name.
_FORBIDDEN_NAME_CHAR = re.compile(r"[#/:<>?@\[\\\]^|%]")


class OutboundURLRefused(ValueError):
    """An outbound URL is not allowed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _classify_ipv4(address: ipaddress.IPv4Address) -> str:
    if int(address) == 0:
        return "unspecified"
    if int(address) == 0xFFFFFFFF:
        return "broadcast"
    for network, kind in _IPV4_BLOCKS:
        if address in network:
            return kind
    return "public"


def _classify_ipv6(address: ipaddress.IPv6Address) -> str:
    if address.ipv4_mapped is not None:
        return _classify_ipv4(address.ipv4_mapped)
    if int(address) == 0:
        return "unspecified"
    if int(address) == 1:
        return "loopback"
    if address in _SIX_TO_FOUR:
        # A 6to4 address routes to its embedded IPv4 and must not smuggle a
        # private destination behind a public-looking literal.
        embedded = ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
        return "public" if _classify_ipv4(embedded) == "public" else "reserved"
    for network, kind in _IPV6_BLOCKS:
        if address in network:
            return kind
    return "public"


def _parse_ipv4_number(part: str) -> int | None:
    if part.startswith("0x"):
        digits, base = part[2:] or "0", 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` as inet_aton(3) / the WHATWG IPv4 parser would."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    numbers = [_parse_ipv4_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _decimal_reading(host: str) -> ipaddress.IPv4Address | None:
    """Read leading-zero dotted quads as decimal (``010`` as ten)."""
    parts = host.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    if any(int(p) > 255 for p in parts):
        return None
    return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))


def _classify_numeric(host: str) -> str:
    """Classify an all-numeric host, taking the stricter of two readings.

    ``010.0.0.1`` is 8.0.0.1 to inet_aton but 10.0.0.1 to parsers that
    ignore leading zeros; an outbound check must not bet on which one the
    HTTP client uses. A numeric host that is no address at all cannot be a
    public DNS name (RFC 3696 §2: top-level labels are not all-numeric).
    """
    readings = [r for r in (_loose_ipv4(host), _decimal_reading(host)) if r]
    if not readings:
        return "reserved"
    kinds = [_classify_ipv4(r) for r in readings]
    return next((k for k in kinds if k != "public"), "public")


def _normalise(host: str) -> str:
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        host = host[1:end] if end > 0 else host
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.partition("%")[0].rstrip(".").lower()


def classify_host(host: str) -> str:
    """Return the kind of ``host``: one of ``HOST_KINDS``.

    Accepts bare or bracketed IPv6 (with or without zone id), IPv4, names,
    and any of them followed by ``:port`` or trailing dots. IPv4-mapped IPv6
    is classified as its IPv4 address. Unknown names are ``public``; an
    empty host, a malformed one (whitespace, control or forbidden
    characters) and a numeric one that is no IPv4 address are ``reserved``.
    """
    name = _normalise(host)
    if not name or _UNSAFE_CHAR.search(name) or any(c.isspace() for c in name):
        return "reserved"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv4Address):
        return _classify_ipv4(address)
    if isinstance(address, ipaddress.IPv6Address):
        return _classify_ipv6(address)
    if _FORBIDDEN_NAME_CHAR.search(name):
        return "reserved"
    if name == "localhost" or name.endswith(".localhost"):
        return "localhost"
    if name in _CLOUD_METADATA_HOSTS:
        return "cloudMetadata"
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        return _classify_numeric(name)
    return "public"


def is_public_host(host: str) -> bool:
    """Tell whether ``host`` is in no special-purpose block (§6.5)."""
    return classify_host(host) == "public"


def _host_key(host: str) -> str:
    """Reduce a host to one spelling, so allow-list entries compare equal."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).exploded
    except ValueError:
        return host


def check_outbound_url(
    url: str, *, allow_hosts: Iterable[str] = (), allow_loopback: bool = False
) -> None:
    """Raise ``OutboundURLRefused`` unless ``url`` may be fetched.

    Refuses non-http(s) schemes, userinfo (credentials in a URL, and a
    classic parser-confusion vector), backslashes and control characters,
    and any host that is not ``public``, except hosts listed in
    ``allow_hosts`` (compared without port, case-insensitively) and, with
    ``allow_loopback``, loopback addresses and ``localhost`` names.
    """
    if not isinstance(url, str) or not url:
        raise OutboundURLRefused("URL is empty")
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise OutboundURLRefused("URL scheme must be http or https")
    if "\\" in url or _UNSAFE_CHAR.search(url):
        raise OutboundURLRefused("URL contains a backslash or control character")
    parsed = parse_http_url(url)
    if parsed is None:
        raise OutboundURLRefused("URL is not a well-formed absolute http(s) URL")
    if parsed.userinfo is not None:
        raise OutboundURLRefused("URL must not contain userinfo")
    if _host_key(parsed.host) in {_host_key(h) for h in allow_hosts}:
        return
    kind = classify_host(parsed.host)
    if kind == "public":
        return
    if allow_loopback and kind in ("loopback", "localhost"):
        return
    logger.warning("Refused outbound request to a %s host", kind)
    raise OutboundURLRefused(f"host is not public ({kind})")
