"""OpenID Provider metadata, fetched once per process through the outbound guard.

OpenID Connect Discovery 1.0 §4.3: the ``issuer`` in the document must be
exactly the issuer the discovery URL was built from, otherwise a document
served by one party could claim to speak for another. The URL here is the
configured discovery URL, so the expected issuer is that URL without its
``/.well-known/openid-configuration`` suffix (RFC 8414 §3 for the
``oauth-authorization-server`` form, where the well-known part is inserted
before the issuer's path).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..outbound import OutboundURLRefused, fetch

logger = logging.getLogger(__name__)

__all__ = ["DiscoveryError", "clear", "expected_issuer", "metadata"]

OIDC_SUFFIX = "/.well-known/openid-configuration"
OAUTH_WELL_KNOWN = "/.well-known/oauth-authorization-server"

_lock = threading.Lock()
_cache: dict[str, dict[str, Any]] = {}


class DiscoveryError(RuntimeError):
    """The provider's metadata could not be fetched or is not acceptable."""


def expected_issuer(discovery_url: str) -> str:
    """The issuer a discovery URL names (OIDC Discovery §4, RFC 8414 §3.1)."""
    parts = urlsplit(discovery_url)
    path = parts.path
    if path.endswith(OIDC_SUFFIX):
        path = path[: -len(OIDC_SUFFIX)]
    elif path.startswith(OAUTH_WELL_KNOWN):
        path = path[len(OAUTH_WELL_KNOWN) :]
    else:
        raise DiscoveryError("discovery URL has no well-known suffix")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def clear() -> None:
    with _lock:
        _cache.clear()


def metadata(discovery_url: str, *, issuer: str | None = None) -> dict[str, Any]:
    """The provider's metadata; ``issuer`` overrides the derived expectation."""
    with _lock:
        cached = _cache.get(discovery_url)
    if cached is not None:
        return cached
    expected = issuer or expected_issuer(discovery_url)
    try:
        response = fetch(discovery_url, headers={"Accept": "application/json"})
    except OutboundURLRefused as error:
        raise DiscoveryError(f"discovery URL refused: {error}") from None
    except Exception as error:  # requests errors: the provider is unreachable
        raise DiscoveryError(
            f"discovery fetch failed: {type(error).__name__}"
        ) from None
    if response.status != 200:
        raise DiscoveryError(f"discovery answered {response.status}")
    try:
        doc = json.loads(response.content)
    except ValueError:
        raise DiscoveryError("discovery document is not JSON") from None
    if not isinstance(doc, dict):
        raise DiscoveryError("discovery document is not an object")
    if doc.get("issuer") != expected:
        logger.error(
            "discovery issuer %r does not match the expected issuer %r",
            doc.get("issuer"),
            expected,
        )
        raise DiscoveryError("discovery issuer mismatch")
    for key in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(doc.get(key), str):
            raise DiscoveryError(f"discovery document has no {key}")
    with _lock:
        _cache[discovery_url] = doc
    return doc
