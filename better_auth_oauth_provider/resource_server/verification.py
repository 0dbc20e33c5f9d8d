"""Verifying an access token for one resource (RFC 9068 §4, RFC 7662).

A resource server accepts a token only when it is genuine, unexpired, from
this issuer, meant for it (its identifier is one of the token's ``aud``
values, RFC 9068 §4 / RFC 8707: a token for resource A is refused by
resource B) and carries the scopes the operation needs (reported all at
once, as Better Auth's ``verifyBearerToken`` does).

Three ways, chosen by configuration:

- in-process (the default): JWTs are checked against the local key store
  (signature, ``typ``, ``iss``, ``exp``, ``aud``); with ``check_active``
  the authorization server's own rules also apply (client enabled,
  resource still stored, session alive). Opaque tokens carry no audience,
  so they are never accepted for a resource;
- remote JWKS (``RESOURCE_SERVER_JWKS_URL``): the issuer's keys are fetched
  through :func:`better_auth.outbound.fetch` and cached per process for
  five minutes, fetched again (at most every 30 s) for an unknown ``kid``;
- remote introspection (``RESOURCE_SERVER_INTROSPECTION_URL`` with
  ``RESOURCE_SERVER_CLIENT_ID`` / ``_SECRET``): an RFC 7662 form POST; the
  answer is trusted as the authorization server's.

DPoP (RFC 9449 §7): a token with ``cnf.jkt`` is refused on the Bearer
scheme; on the ``DPoP`` scheme the request's proof must be signed by that
key, name this request and carry ``ath`` of the token, and each proof is
accepted once (:func:`..services.dpop.verify_resource_proof`). The
``DPoP`` scheme with a bearer token is refused. :func:`set_dpop_verifier`
replaces the proof check (e.g. for a resource behind another origin).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from django.http import HttpRequest

from better_auth import clock, outbound

from ..conf import issuer, section

logger = logging.getLogger(__name__)

__all__ = [
    "AccessTokenError",
    "InsufficientScopeError",
    "InvalidAccessToken",
    "MissingAccessToken",
    "VerifiedAccessToken",
    "authenticate_request",
    "reset_jwks_cache",
    "set_dpop_verifier",
    "verify_access_token",
    "verify_dpop_proof",
]

JWKS_TTL = 300.0
UNKNOWN_KID_COOLDOWN = 30.0
DPOP_BOUND = "DPoP-bound access token requires the DPoP authorization scheme"
NOT_DPOP_BOUND = "access token is not DPoP-bound"
# An RFC 9449 proof verifier: (request, token, claims) -> None, raising
# AccessTokenError when the proof does not hold.
DpopVerifier = Callable[[HttpRequest, str, dict[str, Any]], None]


# --- results and errors ------------------------------------------------------


@dataclass
class VerifiedAccessToken:
    """An access token accepted for a resource."""

    token: str
    claims: dict[str, Any]
    resource: str

    @property
    def scopes(self) -> list[str]:
        scope = self.claims.get("scope")
        return scope.split() if isinstance(scope, str) else []

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub", ""))

    @property
    def client_id(self) -> str:
        return str(self.claims.get("client_id") or self.claims.get("azp") or "")

    @property
    def is_client_token(self) -> bool:
        """A client_credentials token: the client acts for itself."""
        return bool(self.subject) and self.subject == self.client_id


@dataclass
class AccessTokenError(Exception):
    """Why a request is refused; ``status`` and ``error`` per RFC 6750 §3.1."""

    description: str
    status: int = 401
    error: str | None = "invalid_token"
    scopes: list[str] = field(default_factory=list)
    # Extra response headers: a DPoP challenge (``WWW-Authenticate``) and
    # ``DPoP-Nonce`` (RFC 9449 §7.1, §9).
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.description


class MissingAccessToken(AccessTokenError):
    def __init__(self, description: str = "access token not found") -> None:
        super().__init__(description, 401, None)


class InvalidAccessToken(AccessTokenError):
    def __init__(self, description: str = "Invalid access token") -> None:
        super().__init__(description, 401, "invalid_token")


class InsufficientScopeError(AccessTokenError):
    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(
            "access token is missing required scope: " + " ".join(missing),
            403,
            "insufficient_scope",
            list(missing),
        )


def verify_dpop_proof(request: HttpRequest, token: str, claims: dict) -> None:
    """The built-in RFC 9449 §7 check: a proof by the ``cnf.jkt`` key."""
    from ..errors import InvalidDpopProof
    from ..services.dpop import verify_resource_proof

    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise InvalidAccessToken(NOT_DPOP_BOUND)
    try:
        verify_resource_proof(request, access_token=token, jkt=jkt)
    except InvalidDpopProof as error:
        raise AccessTokenError(
            error.description or error.error,
            401,
            error.error,
            headers={k: v for k, v in error.headers.items() if k.lower() != "pragma"},
        ) from None


_dpop_verifier: DpopVerifier = verify_dpop_proof


def set_dpop_verifier(verifier: DpopVerifier | None) -> None:
    """Replace the RFC 9449 §7 proof check of the ``DPoP`` scheme; None
    restores :func:`verify_dpop_proof`."""
    global _dpop_verifier
    _dpop_verifier = verifier or verify_dpop_proof


# --- remote JWKS -------------------------------------------------------------

_jwks: dict[str, tuple[dict[str, Any], float]] = {}
_jwks_lock = threading.Lock()
_monotonic = time.monotonic


def reset_jwks_cache() -> None:
    with _jwks_lock:
        _jwks.clear()


def _fetch_jwks(url: str) -> dict[str, Any]:
    response = outbound.fetch(url, headers={"accept": "application/json"})
    if response.status != 200:
        raise InvalidAccessToken("the issuer's keys are unavailable")
    try:
        keys = response.json().get("keys")
    except (ValueError, AttributeError):
        keys = None
    if not isinstance(keys, list):
        raise InvalidAccessToken("the issuer's keys are unavailable")
    out: dict[str, Any] = {}
    for jwk in keys:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        try:
            out[jwk["kid"]] = jwt.PyJWK(jwk)
        except jwt.PyJWTError:
            logger.warning("JWKS at %s has an unusable key %s", url, jwk.get("kid"))
    return out


def _remote_key(url: str, kid: str) -> Any | None:
    """The key ``kid`` of the JWKS at ``url``, fetching it when stale or when
    the key is unknown (a rotation), but not more than the cooldown allows."""
    hit = _jwks.get(url)
    age = _monotonic() - hit[1] if hit else None
    if hit is not None and age is not None and age < JWKS_TTL and kid in hit[0]:
        return hit[0][kid]
    if hit is not None and age is not None and age < UNKNOWN_KID_COOLDOWN:
        return hit[0].get(kid)
    try:
        keys = _fetch_jwks(url)
    except (outbound.OutboundURLRefused, OSError) as error:
        logger.warning("JWKS %s could not be fetched: %s", url, error)
        raise InvalidAccessToken("the issuer's keys are unavailable") from None
    except Exception as error:  # requests errors
        logger.warning("JWKS %s could not be fetched: %s", url, error)
        raise InvalidAccessToken("the issuer's keys are unavailable") from None
    with _jwks_lock:
        _jwks[url] = (keys, _monotonic())
    return keys.get(kid)


def _verify_remote_jwt(token: str, url: str, iss: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidAccessToken() from None
    kid, alg = header.get("kid"), header.get("alg")
    if not isinstance(kid, str) or not isinstance(alg, str) or alg == "none":
        raise InvalidAccessToken()
    if str(header.get("typ", "")).lower() != "at+jwt":
        raise InvalidAccessToken()
    key = _remote_key(url, kid)
    if key is None or (key.algorithm_name and key.algorithm_name != alg):
        raise InvalidAccessToken()
    try:
        return jwt.decode(
            token,
            key.key,
            algorithms=[alg],
            issuer=iss,
            options={"verify_aud": False, "require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError:
        raise InvalidAccessToken() from None


# --- local and introspection ---------------------------------------------------


def _verify_local_jwt(token: str, check_active: bool) -> dict[str, Any]:
    from better_auth.keys import InvalidJWT

    from ..services.access_tokens import validate_jwt_access_token, verify_access_jwt

    if check_active:
        found = validate_jwt_access_token(token)
        if found is None:
            raise InvalidAccessToken()
        return found.claims
    try:
        return verify_access_jwt(token)
    except InvalidJWT:
        raise InvalidAccessToken() from None


def _introspect_remote(token: str, url: str) -> dict[str, Any]:
    cfg = section()
    client_id = cfg.RESOURCE_SERVER_CLIENT_ID or ""
    secret = cfg.RESOURCE_SERVER_CLIENT_SECRET or ""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    try:
        response = outbound.fetch(
            url,
            method="POST",
            headers={
                "authorization": f"Basic {basic}",
                "content-type": "application/x-www-form-urlencoded",
                "accept": "application/json",
            },
            data=urlencode({"token": token, "token_type_hint": "access_token"}),
        )
        body = response.json() if response.status == 200 else {}
    except Exception as error:
        logger.warning("introspection at %s failed: %s", url, error)
        raise InvalidAccessToken("the authorization server is unavailable") from None
    if not isinstance(body, dict) or body.get("active") is not True:
        raise InvalidAccessToken()
    return body


def _has_audience(claims: dict[str, Any], resource: str) -> bool:
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud
    return isinstance(values, list) and resource in values


def verify_access_token(
    token: str,
    *,
    resource: str,
    scopes: Iterable[str] = (),
    jwks_url: str | None = None,
    issuer_url: str | None = None,
    introspection_url: str | None = None,
    check_active: bool = False,
    scheme: str = "bearer",
    request: HttpRequest | None = None,
) -> VerifiedAccessToken:
    """Accept ``token`` for ``resource`` with ``scopes``, or raise
    :class:`AccessTokenError`.

    A DPoP-bound token is accepted only with ``scheme="dpop"`` and the
    ``request`` whose proof is checked (RFC 9449 §7.1); without a request
    there is no proof, so it is refused."""
    cfg = section()
    introspection_url = introspection_url or cfg.RESOURCE_SERVER_INTROSPECTION_URL
    jwks_url = jwks_url or cfg.RESOURCE_SERVER_JWKS_URL
    iss = issuer_url or cfg.RESOURCE_SERVER_ISSUER or issuer()
    if not token:
        raise MissingAccessToken()
    if introspection_url:
        claims = _introspect_remote(token, introspection_url)
    elif token.count(".") != 2:
        # Opaque tokens are issued without an audience (RFC 8707).
        raise InvalidAccessToken()
    elif jwks_url:
        claims = _verify_remote_jwt(token, jwks_url, iss)
    else:
        claims = _verify_local_jwt(token, check_active)
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp <= clock.now().timestamp():
        raise InvalidAccessToken()
    if not _has_audience(claims, resource):
        raise InvalidAccessToken("access token is not meant for this resource")
    cnf = claims.get("cnf")
    bound = isinstance(cnf, dict) and bool(cnf.get("jkt"))
    if bound and (scheme != "dpop" or request is None):
        raise InvalidAccessToken(DPOP_BOUND)
    if scheme == "dpop":
        if not bound or request is None:
            raise InvalidAccessToken(NOT_DPOP_BOUND)
        _dpop_verifier(request, token, claims)
    required = list(dict.fromkeys(scopes))
    granted = set(str(claims.get("scope") or "").split())
    missing = [s for s in required if s not in granted]
    if missing:
        raise InsufficientScopeError(missing)
    return VerifiedAccessToken(token=token, claims=claims, resource=resource)


def _presented(request: HttpRequest) -> tuple[str, str]:
    """(scheme, token) of the Authorization header (RFC 6750 §2.1 only:
    the resource metadata advertises ``bearer_methods_supported: header``)."""
    header = (request.headers.get("Authorization") or "").strip()
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "dpop") or not value.strip():
        raise MissingAccessToken()
    return scheme.lower(), value.strip()


def authenticate_request(
    request: HttpRequest, *, resource: str, scopes: Iterable[str] = (), **options: Any
) -> VerifiedAccessToken:
    """The request's access token, accepted for ``resource`` and ``scopes``."""
    scheme, token = _presented(request)
    verified = verify_access_token(
        token, resource=resource, scopes=(), scheme=scheme, request=request, **options
    )
    required = list(dict.fromkeys(scopes))
    missing = [s for s in required if s not in verified.scopes]
    if missing:
        raise InsufficientScopeError(missing)
    return verified
