"""Redirect URI rules: registration policy and authorization-time matching.

Matching is exact string comparison (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3),
with one exception: for loopback IP literals (``127.0.0.0/8`` and
``[::1]``) the port is ignored, because native apps bind an ephemeral port
(RFC 8252 §7.3). Scheme, host, path and query still compare exactly, and
``localhost`` gets no exemption (RFC 8252 §8.3 advises against it), as in
Better Auth (oauth-provider surface §1.4).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from ..errors import InvalidRedirectUri

__all__ = [
    "FORBIDDEN_SCHEMES",
    "SCHEME_PREFIX",
    "SCRIPT_SCHEMES",
    "find_registered",
    "is_loopback_host",
    "is_loopback_ip_literal",
    "is_safe_redirect_target",
    "redirect_uri_matches",
    "validate_post_logout_redirect_uri",
    "validate_redirect_uri",
]

# Schemes that run code where a URI is opened; refused in every URI field.
SCRIPT_SCHEMES = frozenset({"javascript", "data", "vbscript"})
FORBIDDEN_SCHEMES = frozenset(
    {"file", "ftp", "mailto", "javascript", "data", "vbscript", "blob", "about"}
)
# Authorities a native app may use with plain http (surface §9.3): exactly
# these spellings, any port; ``127.1`` or other 127/8 forms are refused.
NATIVE_HTTP_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# An absolute URI starts with a scheme (RFC 3986 §3.1).
SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PORT = re.compile(r"^[0-9]*$")
_REVERSE_DOMAIN = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")


def _split_authority(netloc: str) -> tuple[str, str] | None:
    """``(host, port)`` of an authority without userinfo, or None if malformed."""
    if "@" in netloc:
        return None
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            return None
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:]
    else:
        host, _, port = netloc.partition(":")
        if ":" in port:
            return None
    if not _PORT.match(port):
        return None
    return host, port


def is_loopback_ip_literal(host: str) -> bool:
    """True for an IPv4 literal in 127.0.0.0/8 or the IPv6 literal ``[::1]``."""
    if host.startswith("[") and host.endswith("]"):
        try:
            return ipaddress.IPv6Address(host[1:-1]).is_loopback
        except ValueError:
            return False
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", host):
        return False
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str) -> bool:
    """Loopback by name or literal: ``localhost``, ``*.localhost``, 127/8, ::1."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    if is_loopback_ip_literal(name):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse(uri: str) -> SplitResult | None:
    if not isinstance(uri, str) or not uri or uri != uri.strip():
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in uri):
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if not parts.scheme or not _SCHEME.match(parts.scheme):
        return None
    return parts


def redirect_uri_matches(requested: str, registered: str) -> bool:
    """Whether ``requested`` is the registered URI (loopback port aside)."""
    if not isinstance(requested, str) or "#" in requested:
        return False
    if requested == registered:
        return True
    want, got = _parse(registered), _parse(requested)
    if want is None or got is None or want.scheme != got.scheme:
        return False
    if want.path != got.path or want.query != got.query:
        return False
    if "#" in registered:
        return False
    a, b = _split_authority(want.netloc), _split_authority(got.netloc)
    if a is None or b is None or a[0] != b[0]:
        return False
    return is_loopback_ip_literal(a[0]) and _listenable_port(b[1])


def _listenable_port(port: str) -> bool:
    """No port (the default), or a TCP port an app can bind: 1 to 65535."""
    return port == "" or 1 <= int(port) <= 65535


def find_registered(requested: str, registered: Iterable[str]) -> str | None:
    """The registered URI ``requested`` matches, or None."""
    for candidate in registered:
        if redirect_uri_matches(requested, candidate):
            return candidate
    return None


def is_safe_redirect_target(uri: str) -> bool:
    """The authorize-time syntax check of ``redirect_uri`` (surface §1.4).

    Parseable, absolute, no dangerous scheme, no fragment, no userinfo, and
    plain ``http`` only towards a loopback host.
    """
    parts = _parse(uri)
    if parts is None or "#" in uri:
        return False
    scheme = parts.scheme.lower()
    if scheme in FORBIDDEN_SCHEMES:
        return False
    if parts.netloc:
        authority = _split_authority(parts.netloc)
        if authority is None:
            return False
        if scheme == "http" and not is_loopback_host(authority[0]):
            return False
    elif scheme in ("http", "https"):
        return False
    return True


def validate_redirect_uri(
    uri: str, *, application_type: str = "web", label: str = "redirect_uris"
) -> None:
    """Refuse a redirect URI a client of this type may not register.

    RFC 7591 §2 and Better Auth's ``checkOAuthClient`` (surface §9.3), with
    Better Auth's messages; ``label`` names the entry (``redirect_uris[0]``):

    * never a fragment (RFC 6749 §3.1.2), userinfo, or a ``javascript:``,
      ``data:``, ``vbscript:`` URI;
    * web clients: ``https`` on a non-loopback host;
    * native clients (RFC 8252 §7): ``https`` on a non-loopback host
      (claimed URL), ``http`` on exactly ``localhost`` / ``127.0.0.1`` /
      ``[::1]`` with any port, or a reverse-domain private-use scheme in
      the single-slash form ``com.example.app:/cb``.
    """
    parts = _syntax(uri, label)
    scheme = parts.scheme.lower()
    authority = _split_authority(parts.netloc) if parts.netloc else None
    host = authority[0] if authority else ""
    https_remote = scheme == "https" and bool(host) and not is_loopback_host(host)
    if application_type != "native":
        if not https_remote:
            raise InvalidRedirectUri(
                f"web clients require https redirect URIs on non-loopback hosts: {uri}"
            )
        return
    if not https_remote:
        _check_native(uri, parts, host)


def _check_native(uri: str, parts: SplitResult, host: str) -> None:
    """RFC 8252 §7.1 private-use schemes and §7.3 loopback redirects."""
    scheme = parts.scheme.lower()
    if scheme == "http":
        if host in NATIVE_HTTP_HOSTS:
            return
        raise InvalidRedirectUri(
            "native clients may use http only on the exact loopback hosts "
            f"localhost, 127.0.0.1, or [::1]: {uri}"
        )
    if (
        scheme != "https"
        and scheme not in FORBIDDEN_SCHEMES
        and _REVERSE_DOMAIN.match(scheme)
        and not parts.netloc
        and not uri[len(scheme) + 1 :].startswith("//")
        and parts.path.startswith("/")
    ):
        return
    raise InvalidRedirectUri(
        "native private-use redirect URI schemes must be well-formed "
        "reverse-domain names, omit the naming authority, and must not use a "
        f"reserved scheme: {uri}"
    )


def validate_post_logout_redirect_uri(
    uri: str, *, label: str = "post_logout_redirect_uris"
) -> None:
    """Better Auth's ``SafeUrl`` rule for post-logout URIs (OIDC RP-Initiated
    Logout §3): https, or http on a loopback host, or a private-use scheme."""
    parts = _syntax(uri, label)
    scheme = parts.scheme.lower()
    if scheme == "http":
        authority = _split_authority(parts.netloc) if parts.netloc else None
        if authority is not None and is_loopback_host(authority[0]):
            return
    elif scheme == "https" and parts.netloc:
        return
    elif scheme not in ("http", "https") and scheme not in FORBIDDEN_SCHEMES:
        return
    raise InvalidRedirectUri(
        f"{label}: Redirect URI must use HTTPS (HTTP allowed only for loopback hosts)"
    )


def _syntax(uri: str, label: str) -> SplitResult:
    """The checks every registered URI passes, in Better Auth's order."""
    parts = _parse(uri)
    if parts is None:
        raise InvalidRedirectUri(f"{label}: Invalid URL")
    if parts.scheme.lower() in SCRIPT_SCHEMES:
        raise InvalidRedirectUri(
            f"{label}: URL cannot use javascript:, data:, or vbscript: scheme"
        )
    if "#" in uri:
        raise InvalidRedirectUri(
            f"{label}: Redirect URI must not contain a fragment component"
        )
    if parts.netloc and _split_authority(parts.netloc) is None:
        raise InvalidRedirectUri(
            f"redirect URI must not include credentials or a fragment: {uri}"
        )
    return parts
