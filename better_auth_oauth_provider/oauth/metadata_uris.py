"""URIs in client metadata other than redirect URIs (RFC 7591 §2, §5).

``client_uri``, ``logo_uri``, ``tos_uri`` and ``policy_uri`` are web pages
a user may be shown: absolute http(s) URLs without userinfo. ``jwks_uri``
and ``backchannel_logout_uri`` are fetched or called by the server, so they
must be public https endpoints: no loopback or private address, which
would turn the server into a probe of its own network (RFC 7591 §5).
Redirect URIs have rules of their own (:mod:`.redirect_uris`).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..errors import InvalidClientMetadata
from .redirect_uris import is_loopback_host

__all__ = ["check_page_uri", "check_server_endpoint"]


def _private_ip(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not ip.is_global


def check_page_uri(value: str, name: str) -> None:
    """An absolute http(s) URL without userinfo, for a user to open."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or "@" in parts.netloc
    ):
        raise InvalidClientMetadata(f"{name} must be an http(s) URL")


def check_server_endpoint(value: str, name: str) -> None:
    """An absolute public https URL without credentials or fragment."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    host = (parts.hostname or "") if parts else ""
    if (
        parts is None
        or parts.scheme != "https"
        or not host
        or "@" in parts.netloc
        or "#" in value
        or is_loopback_host(host)
        or _private_ip(host)
    ):
        raise InvalidClientMetadata(f"{name} must be a public https URL")
