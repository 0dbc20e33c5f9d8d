"""``private_key_jwt`` client authentication (RFC 7523 §2.2, §3; OIDC Core §9).

The client signs a short-lived JWT with its own private key and sends it
as ``client_assertion`` with ``client_assertion_type`` =
``urn:ietf:params:oauth:client-assertion-type:jwt-bearer`` (RFC 7521 §4.2).
The rules of RFC 7523 §3, in Better Auth's order (oauth-provider surface
§9.4), each failure an ``invalid_client``:

1. Pre-checks, 400: a compact JWS whose header ``alg`` is an asymmetric
   algorithm of discovery's list (never ``none`` or ``HS*``: a client's
   public key must not double as an HMAC secret, RFC 8725 §2.1, §3.1).
2. Verification, 401: the signature, by a key of the client's ``jwks`` /
   ``jwks_uri`` (its ``kid`` when given; an unknown ``kid`` refetches the
   ``jwks_uri`` once); ``iss`` = ``sub`` = ``client_id`` (§3 items 1, 2);
   ``aud`` names this server, its issuer or the URL of the endpoint called
   (§3 item 3); ``exp`` in the future (item 4); ``nbf`` reached (item 5).
3. Single use, 400: ``exp`` at most ``CLIENT_ASSERTION_MAX_LIFETIME`` ahead
   (item 4 allows refusing far-future ones), ``iat`` neither older than
   that nor in the future (item 6), and a ``jti`` never seen before (item
   7), recorded through :func:`better_auth.storage.replay.first_use` until
   the assertion expires.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

from better_auth import clock
from better_auth.keys.jws import public_key, same_family
from better_auth.storage.replay import first_use

from .. import capabilities
from ..discovery import JWS_ALGS
from ..errors import InvalidClient
from .jwks import PRIVATE_JWK_MEMBERS

logger = logging.getLogger("better_auth.security.client_assertion")

__all__ = [
    "JTI_MAX_LENGTH",
    "JWT_BEARER",
    "assertion_client_id",
    "consume_assertion",
    "verify_assertion",
]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JTI_MAX_LENGTH = 512
# Longest accepted assertion; an RSA-4096 JWS with a few claims is ~1 KB.
MAX_ASSERTION_LENGTH = 16 * 1024
KeySource = Callable[[bool], Mapping[str, Any]]


def _refused(description: str, status: int = 400) -> InvalidClient:
    return InvalidClient(description, status=status)


def _segments(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, unverified; a malformed JWS is refused (400)."""
    if len(assertion) > MAX_ASSERTION_LENGTH or assertion.count(".") != 2:
        raise _refused("malformed client assertion")
    try:
        header = jwt.get_unverified_header(assertion)
        payload = jwt.decode(assertion, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, json.JSONDecodeError):
        raise _refused("malformed client assertion") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _refused("malformed client assertion")
    return header, payload


def assertion_client_id(assertion: str) -> str:
    """The client the assertion speaks for: ``sub``, else ``iss`` (§3 item 2).

    Read before any verification, only to find the client whose keys then
    verify it.
    """
    header, payload = _segments(assertion)
    if header.get("alg") not in JWS_ALGS:
        raise _refused("unsupported client assertion algorithm")
    client_id = payload.get("sub") or payload.get("iss")
    if not isinstance(client_id, str) or not client_id:
        raise _refused("client assertion has no subject")
    return client_id


def _usable(jwk: Any, kid: Any, alg: str) -> bool:
    if not isinstance(jwk, Mapping):
        return False
    if kid is not None and jwk.get("kid") != kid:
        return False
    if not same_family(jwk.get("alg"), alg) or jwk.get("use") not in (None, "sig"):
        return False
    if jwk.get("kty") not in ("RSA", "EC", "OKP"):
        return False
    return not any(member in jwk for member in PRIVATE_JWK_MEMBERS)


def _candidates(keys: Mapping[str, Any], kid: Any, alg: str) -> Iterator[Any]:
    """Public keys of the set that may have made this signature."""
    entries = keys.get("keys")
    for jwk in entries if isinstance(entries, list) else []:
        if not _usable(jwk, kid, alg):
            continue
        try:
            yield public_key(dict(jwk), alg)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue


def _decode(assertion: str, key: Any, alg: str) -> dict[str, Any] | None:
    try:
        return jwt.decode(
            assertion,
            key=key,
            algorithms=[alg],
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.PyJWTError:
        return None


def _signed_claims(assertion: str, alg: str, kid: Any, keys: KeySource) -> dict:
    """Claims of a signature one of the client's keys made (401 otherwise)."""
    candidates = list(_candidates(keys(False), kid, alg))
    if not candidates:
        # The client may have rotated its keys since the set was cached.
        candidates = list(_candidates(keys(True), kid, alg))
    if not candidates:
        raise _refused("no client key matches the assertion", 401)
    for candidate in candidates:
        claims = _decode(assertion, candidate, alg)
        if claims is not None:
            return claims
    logger.warning("client assertion signature did not verify")
    raise _refused("invalid client assertion signature", 401)


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refused(f"client assertion {name} must be a number")
    return float(value)


def _check_claims(
    claims: Mapping[str, Any], client_id: str, audiences: Iterable[str], now: float
) -> None:
    """RFC 7523 §3 items 1 to 5: who issued it, for whom, and when (401)."""
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise _refused("client assertion iss and sub must be the client_id", 401)
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud
    wanted = set(audiences)
    if not isinstance(values, list) or not any(
        isinstance(v, str) and v in wanted for v in values
    ):
        raise _refused("client assertion audience does not name this server", 401)
    exp = _number(claims, "exp")
    if exp is None:
        raise _refused("client assertion exp is required")
    if exp <= now:
        raise _refused("client assertion has expired", 401)


def verify_assertion(
    assertion: str,
    *,
    client_id: str,
    keys: KeySource,
    audiences: Iterable[str],
    leeway: int = 30,
) -> dict[str, Any]:
    """Verify signature, issuer, subject, audience and expiry; the claims.

    ``keys(refresh)`` returns the client's JWK Set, a newer copy when
    ``refresh`` is True. Single use is checked by :func:`consume_assertion`.
    """
    header, _ = _segments(assertion)
    alg = header.get("alg")
    if alg not in JWS_ALGS:
        raise _refused("unsupported client assertion algorithm")
    claims = _signed_claims(assertion, alg, header.get("kid"), keys)
    now = clock.now().timestamp()
    _check_claims(claims, client_id, audiences, now)
    nbf = _number(claims, "nbf")
    if nbf is not None and nbf > now + leeway:
        raise _refused("client assertion is not yet valid", 401)
    return claims


def consume_assertion(
    claims: Mapping[str, Any],
    *,
    namespace: str,
    max_lifetime: int = 300,
    leeway: int = 30,
) -> None:
    """RFC 7523 §3 items 4, 6, 7: short-lived, fresh, and used once (400).

    Call last, on a verified assertion: recording the ``jti`` is what makes
    a second presentation fail, so it must not happen for one that would
    be refused anyway.
    """
    now = clock.now().timestamp()
    exp = _number(claims, "exp") or 0.0
    if exp > now + max_lifetime:
        raise _refused("client assertion exp is too far in the future")
    iat = _number(claims, "iat")
    if iat is not None and iat < now - max_lifetime:
        raise _refused("client assertion iat is too old")
    if iat is not None and iat > now + leeway:
        raise _refused("client assertion iat is in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX_LENGTH:
        raise _refused("client assertion jti is required")
    if not first_use(namespace, jti, datetime.fromtimestamp(exp, tz=UTC)):
        logger.warning("replayed client assertion for %s", namespace)
        raise _refused("client assertion jti has already been used")


capabilities.declare("private_key_jwt")
