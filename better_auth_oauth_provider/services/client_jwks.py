"""A client's verification keys: its registered ``jwks``, or its ``jwks_uri``.

RFC 7591 §2: a client publishes its public keys inline (``jwks``) or at a
URL (``jwks_uri``), never both. A ``jwks_uri`` is fetched through the one
outbound client (SSRF guard, timeout, 64 KiB cap, no redirects), checked
to hold public keys only (RFC 7517 §9.2), and cached per process for
``CLIENT_JWKS_CACHE_SECONDS``. When an assertion names a key the cached
set lacks, the caller asks once for a fresh copy (the client rotated its
keys); such forced refetches are spaced by ``FORCED_REFETCH_SECONDS`` per
URL, so assertions with made-up ``kid`` values cannot turn every request
into a fetch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

import requests

from better_auth.outbound import OutboundURLRefused, fetch

from ..conf import section
from ..errors import InvalidClient, InvalidClientMetadata
from ..models import ClientProfile
from ..oauth.jwks import check_jwk_set

logger = logging.getLogger(__name__)

__all__ = ["FORCED_REFETCH_SECONDS", "client_key_set", "reset_cache"]

MAX_JWKS_BYTES = 64 * 1024
FETCH_TIMEOUT = 5.0
FORCED_REFETCH_SECONDS = 10.0
MAX_ENTRIES = 500
# A cached set may stand in for this long past its lifetime when a refresh
# fails, so a client's brief outage does not lock it out.
STALE_GRACE_SECONDS = 600.0


class _Entry:
    __slots__ = ("fetched", "forced", "keys")

    def __init__(self, keys: dict[str, Any], fetched: float) -> None:
        self.keys = keys
        self.fetched = fetched
        self.forced = 0.0


_lock = threading.Lock()
_cache: OrderedDict[str, _Entry] = OrderedDict()


def reset_cache() -> None:
    with _lock:
        _cache.clear()


def _download(uri: str) -> dict[str, Any]:
    """The JWK Set at ``uri``, or ``InvalidClient``."""
    try:
        response = fetch(
            uri,
            headers={"Accept": "application/json, application/jwk-set+json"},
            timeout=FETCH_TIMEOUT,
            max_bytes=MAX_JWKS_BYTES,
            follow_redirects=False,
        )
    except (OutboundURLRefused, requests.RequestException) as error:
        logger.warning("jwks_uri fetch failed: %s", type(error).__name__)
        raise InvalidClient("unable to fetch the client's jwks_uri") from None
    if response.status != 200:
        logger.warning("jwks_uri answered %s", response.status)
        raise InvalidClient("unable to fetch the client's jwks_uri")
    try:
        keys = response.json()
        check_jwk_set(keys)
    except (ValueError, InvalidClientMetadata):
        raise InvalidClient("the client's jwks_uri is not a public JWK Set") from None
    return dict(keys)


def _store(uri: str, entry: _Entry) -> None:
    with _lock:
        _cache[uri] = entry
        _cache.move_to_end(uri)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)


def _from_uri(uri: str, *, refresh: bool) -> dict[str, Any]:
    now = time.monotonic()
    ttl = float(section().CLIENT_JWKS_CACHE_SECONDS)
    with _lock:
        entry = _cache.get(uri)
    if entry is not None:
        fresh = now - entry.fetched < ttl
        if not refresh and fresh:
            return entry.keys
        if refresh and now - entry.forced < FORCED_REFETCH_SECONDS:
            return entry.keys
    try:
        keys = _download(uri)
    except InvalidClient:
        if entry is not None and now - entry.fetched < ttl + STALE_GRACE_SECONDS:
            return entry.keys
        raise
    fetched = _Entry(keys, now)
    if refresh:
        fetched.forced = now
    _store(uri, fetched)
    return keys


def client_key_set(profile: ClientProfile, *, refresh: bool = False) -> dict[str, Any]:
    """The client's JWK Set; ``refresh`` asks for a newer ``jwks_uri`` copy.

    Raises ``InvalidClient`` when the client has no keys or they cannot be
    obtained.
    """
    if profile.jwks:
        return dict(profile.jwks)
    if profile.jwks_uri:
        return _from_uri(profile.jwks_uri, refresh=refresh)
    raise InvalidClient("client has no registered keys")
