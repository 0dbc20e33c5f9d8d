"""Verification of identity tokens issued by an external provider.

OpenID Connect Core 1.0 §3.1.3.7 lists what a relying party must check in an
ID token: the issuer, our client id in ``aud`` (and ``azp`` when there are
several audiences), the signature with a key the issuer publishes, the
algorithm, ``exp``/``iat``, and the ``nonce`` when one was sent. The
algorithm allowlist comes from our configuration (the provider's discovery
``id_token_signing_alg_values_supported``), never from the token header, and
``none`` or an HMAC algorithm is never accepted against a published key
(RFC 8725 §3.1, §3.2). Keys are fetched through the outbound client, cached
per process, and refetched once when a token names a key we do not know
(rotation).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidTokenError, PyJWKError

from .. import clock
from ..keys.jws import public_key, same_family
from ..outbound import fetch

logger = logging.getLogger(__name__)

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "ASYMMETRIC_ALGORITHM_NAMES",
    "IdTokenError",
    "IdTokenPolicy",
    "JWKSCache",
    "jwks_cache",
    "verify_id_token",
]

# Signature algorithms a public key can verify (RFC 7518 §3.1, RFC 8037 §3.1,
# RFC 9864 §2.2), in the order metadata documents list them. HS* verify with a
# shared secret, so a JWKS (public) key must never be used as an HMAC key.
ASYMMETRIC_ALGORITHM_NAMES = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
ASYMMETRIC_ALGORITHMS = frozenset(ASYMMETRIC_ALGORITHM_NAMES)
CLOCK_TOLERANCE = 30  # seconds, as openid-client and Better Auth allow
JWKS_TTL = 3600


class IdTokenError(ValueError):
    """An identity token that must not be trusted; ``reason`` is for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdTokenPolicy:
    """How one provider's ID tokens are checked (its ``ID_TOKEN`` setting)."""

    issuers: tuple[str, ...]
    audiences: tuple[str, ...]
    jwks_uri: str
    algorithms: tuple[str, ...] = ("RS256",)
    max_age: int | None = None


class JWKSCache:
    """Per-process cache of provider key sets, keyed by ``jwks_uri``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()

    def _fetch(self, uri: str) -> list[dict[str, Any]]:
        response = fetch(uri, headers={"Accept": "application/json"})
        if response.status != 200:
            raise IdTokenError(f"jwks fetch answered {response.status}")
        try:
            keys = json.loads(response.content).get("keys")
        except (ValueError, AttributeError):
            raise IdTokenError("jwks is not a JSON key set") from None
        if not isinstance(keys, list):
            raise IdTokenError("jwks has no keys array")
        keys = [k for k in keys if isinstance(k, dict)]
        with self._lock:
            self._sets[uri] = (time.monotonic(), keys)
        return keys

    def keys(self, uri: str, *, refresh: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            cached = self._sets.get(uri)
        if cached is not None and not refresh:
            fetched_at, keys = cached
            if time.monotonic() - fetched_at < JWKS_TTL:
                return keys
        return self._fetch(uri)

    def find(self, uri: str, kid: str | None, alg: str) -> dict[str, Any]:
        """The key a token names; a miss on a cached set refetches once."""
        keys = self.keys(uri)
        found = _select(keys, kid, alg)
        if found is None:
            keys = self.keys(uri, refresh=True)
            found = _select(keys, kid, alg)
        if found is None:
            raise IdTokenError("no published key matches the token")
        return found


def _select(keys: Iterable[Mapping[str, Any]], kid: str | None, alg: str) -> Any:
    candidates = [
        k
        for k in keys
        if k.get("use") in (None, "sig")
        and same_family(k.get("alg"), alg)
        and (kid is None or k.get("kid") == kid)
    ]
    # Without a kid, only an unambiguous key set is acceptable.
    if kid is None and len(candidates) != 1:
        return None
    return candidates[0] if candidates else None


jwks_cache = JWKSCache()


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 2:
        raise IdTokenError("not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except InvalidTokenError:
        raise IdTokenError("undecodable header") from None
    return header


def verify_id_token(
    token: str,
    policy: IdTokenPolicy,
    *,
    nonce: str | None = None,
    require_nonce: bool = False,
    cache: JWKSCache | None = None,
) -> dict[str, Any]:
    """Return the claims of ``token`` after every §3.1.3.7 check, or raise.

    ``nonce`` is the value we sent on the authorization request; when given
    the claim must be present and equal (step 11). ``require_nonce`` refuses
    a call without an expected nonce, for the redirect flow of a provider
    that binds its tokens.
    """
    if not policy.audiences or not any(policy.audiences):
        raise IdTokenError("no audience configured")
    if require_nonce and not nonce:
        raise IdTokenError("nonce binding missing")
    header = _header(token)
    alg = header.get("alg")
    allowed = [a for a in policy.algorithms if a in ASYMMETRIC_ALGORITHMS]
    if not isinstance(alg, str) or alg not in allowed:
        raise IdTokenError(f"algorithm {alg!r} is not allowed")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise IdTokenError("kid is not a string")
    jwk = (cache or jwks_cache).find(policy.jwks_uri, kid, alg)
    try:
        key = public_key(jwk, alg)
    except (PyJWKError, InvalidTokenError, ValueError, TypeError):
        raise IdTokenError("published key does not fit the algorithm") from None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=list(policy.audiences),
            issuer=list(policy.issuers),
            leeway=CLOCK_TOLERANCE,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except InvalidTokenError as error:
        raise IdTokenError(f"token refused: {type(error).__name__}") from None
    _check_azp(claims, policy.audiences)
    _check_age(claims, policy.max_age)
    if nonce is not None:
        claim = claims.get("nonce")
        if not isinstance(claim, str) or claim != nonce:
            raise IdTokenError("nonce mismatch")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise IdTokenError("sub is not a non-empty string")
    return claims


def _check_azp(claims: Mapping[str, Any], audiences: Sequence[str]) -> None:
    """OIDC Core §3.1.3.7 steps 4-5: several audiences need our ``azp``."""
    aud = claims.get("aud")
    azp = claims.get("azp")
    several = isinstance(aud, list) and len(aud) > 1
    if several and azp is None:
        raise IdTokenError("several audiences without azp")
    if azp is not None and azp not in audiences:
        raise IdTokenError("azp is not our client")


def _check_age(claims: Mapping[str, Any], max_age: int | None) -> None:
    if max_age is None:
        return
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)):
        raise IdTokenError("iat missing")
    if clock.now().timestamp() - iat > max_age + CLOCK_TOLERANCE:
        raise IdTokenError("token too old")


def unverified_claims(token: str) -> dict[str, Any]:
    """Claims of a token we cannot verify but received over TLS ourselves.

    Only for providers without published keys (OIDC Core §3.1.3.7 step 6
    allows TLS server validation in place of a signature check when the
    token came straight from the token endpoint); never for a token a
    client hands us.
    """
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except InvalidTokenError:
        raise IdTokenError("undecodable token") from None
