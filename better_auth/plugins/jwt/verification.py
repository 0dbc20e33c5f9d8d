"""Checking a session JWT with public keys only, in another service.

A service that trusts this auth server fetches its JWKS once (through the
outbound client: SSRF guard, timeout, size cap) and verifies each token
locally: signature with the key the header's ``kid`` names, an asymmetric
algorithm the key was published for (RFC 8725 §3.1: never ``none`` or an
HMAC algorithm against a public key), ``exp`` / ``nbf``, ``iss`` and
``aud`` (RFC 7519 §4.1). A token naming an unknown ``kid`` refetches the
key set, at most every few seconds, so a rotation is picked up while forged
kids cannot turn each request into a fetch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import jwt
import requests
from jwt.exceptions import InvalidTokenError, PyJWKError

from better_auth.keys.jws import public_key
from better_auth.outbound import OutboundURLRefused
from better_auth.security.origins import origin_of
from better_auth.social.id_token import ASYMMETRIC_ALGORITHMS, IdTokenError, JWKSCache

__all__ = ["SessionJWTError", "jwks_cache", "verify"]

# An unknown kid refetches the key set at most this often per URL.
REFETCH_INTERVAL = 5.0


class SessionJWTError(ValueError):
    """A session JWT that must not be trusted; the message is for logs."""


jwks_cache = JWKSCache()
_lock = threading.Lock()
_refetched_at: dict[str, float] = {}


def _keys_from(jwks: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Any]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else jwks
    if not isinstance(keys, Sequence) or isinstance(keys, (str, bytes)):
        raise SessionJWTError("the key set has no keys array")
    return [k for k in keys if isinstance(k, Mapping)]


def _select(keys: list[Any], kid: str, alg: str) -> Mapping[str, Any] | None:
    for key in keys:
        if key.get("kid") != kid or key.get("use") not in (None, "sig"):
            continue
        if key.get("alg") not in (None, alg):
            continue
        return key
    return None


def _remote_key(url: str, kid: str, alg: str) -> Mapping[str, Any] | None:
    try:
        found = _select(jwks_cache.keys(url), kid, alg)
        if found is not None:
            return found
        now = time.monotonic()
        with _lock:
            due = now - _refetched_at.get(url, -1e9) >= REFETCH_INTERVAL
            if due:
                _refetched_at[url] = now
        if not due:
            return None
        return _select(jwks_cache.keys(url, refresh=True), kid, alg)
    except (IdTokenError, OutboundURLRefused, requests.RequestException) as error:
        raise SessionJWTError(f"the key set cannot be fetched: {error}") from None


def verify(
    token: str,
    jwks: str | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    issuer: str | None = None,
    audience: str | Sequence[str] | None = None,
    algorithms: Sequence[str] | None = None,
    leeway: int = 0,
) -> dict[str, Any]:
    """See :func:`better_auth.plugins.jwt.verify_session_jwt`."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise SessionJWTError("not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except InvalidTokenError:
        raise SessionJWTError("undecodable header") from None
    kid, alg = header.get("kid"), header.get("alg")
    allowed = set(algorithms or ASYMMETRIC_ALGORITHMS) & ASYMMETRIC_ALGORITHMS
    if not isinstance(alg, str) or alg not in allowed:
        raise SessionJWTError("algorithm not accepted")
    if not isinstance(kid, str):
        raise SessionJWTError("the token names no key")
    if isinstance(jwks, str):
        # Better Auth's defaults: iss = aud = the auth server's origin, which
        # is where its JWKS is served.
        issuer = issuer or origin_of(jwks)
        jwk = _remote_key(jwks, kid, alg)
    else:
        jwk = _select(_keys_from(jwks), kid, alg)
    if jwk is None:
        raise SessionJWTError("no published key matches the token")
    if audience is None:
        audience = issuer
    try:
        key = public_key(dict(jwk), alg)
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            issuer=issuer,
            audience=audience,
            leeway=leeway,
            options={
                "require": ["exp", "sub"],
                "verify_aud": audience is not None,
                "verify_iss": issuer is not None,
            },
        )
    except (PyJWKError, InvalidTokenError, ValueError, TypeError) as error:
        raise SessionJWTError(f"token refused: {type(error).__name__}") from None
    if not isinstance(claims, dict):
        raise SessionJWTError("claims are not an object")
    return claims


def clear_cache() -> None:
    """Forget fetched key sets (tests, or after a key compromise)."""
    jwks_cache.clear()
    with _lock:
        _refetched_at.clear()
