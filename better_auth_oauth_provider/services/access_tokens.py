"""JWT access tokens (RFC 9068): their claims, signature and validation.

Issued when the request names resources (Better Auth, oauth-provider
surface §1.6, §7): header ``typ: at+jwt`` (RFC 9068 §2.1) and ``kid``;
claims ``sub`` (the user, or the client itself for client_credentials; never
pairwise), ``aud``, ``client_id``, ``azp``, ``scope``, ``sid`` when issued
in a session, ``iss``, ``iat``, ``exp``, ``jti``. Custom claims come first,
in Better Auth's precedence: ``CUSTOM_ACCESS_TOKEN_CLAIMS`` < the
resources' ``custom_claims``; none of them can set a reserved claim.

Validation is local: the signature against the key store, ``iss``,
``exp``, ``typ``. The authorization server adds what only it can know
(:func:`validate_jwt_access_token`): the issuing client (``azp``) exists and
is enabled, every audience is still a resource (deleting a resource
deactivates its tokens; disabling only stops new ones), and the session
named by ``sid`` is still alive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from better_auth import clock
from better_auth.keys import InvalidJWT, KeyPair, get_signing_key, verify_jwt
from better_auth.keys.store import CACHE_SECONDS
from better_auth.storage.sessions import session_store

from .. import extensions
from ..conf import hook, issuer, section
from ..errors import ServerError
from ..oauth.resource_indicators import audience_values
from .client_lookup import get_client, profile_of
from .id_tokens import REGISTERED_CLAIMS, public_claims

logger = logging.getLogger(__name__)

__all__ = [
    "ACCESS_TOKEN_TYP",
    "RESERVED_JWT_ACCESS_TOKEN_CLAIMS",
    "JwtAccessToken",
    "access_token_claims",
    "looks_like_jwt",
    "sign_access_token",
    "validate_jwt_access_token",
    "verify_access_jwt",
]

ACCESS_TOKEN_TYP = "at+jwt"
# Claims no hook or resource may set (surface §7 reserved access-token
# claims, RFC 9068 §2.2, RFC 7800 §3.1).
RESERVED_JWT_ACCESS_TOKEN_CLAIMS = REGISTERED_CLAIMS | {
    "client_id",
    "scope",
    "auth_time",
    "acr",
    "amr",
    "cnf",
    "azp",
    "sid",
}


def looks_like_jwt(token: object) -> bool:
    """A compact JWS shape: three dot-separated parts (opaque tokens are
    letters only)."""
    return isinstance(token, str) and token.count(".") == 2


def _hook_claims(
    user: Any, client: Any, scopes: list[str], resources: list[str]
) -> dict[str, Any]:
    context = {"user": user, "scopes": scopes, "client": client, "resources": resources}
    claims = public_claims(
        extensions.claims_for("access_token", context),
        RESERVED_JWT_ACCESS_TOKEN_CLAIMS,
        "an extension",
    )
    custom = hook("CUSTOM_ACCESS_TOKEN_CLAIMS")
    if custom is not None:
        claims.update(
            public_claims(
                custom(context),
                RESERVED_JWT_ACCESS_TOKEN_CLAIMS,
                "CUSTOM_ACCESS_TOKEN_CLAIMS",
            )
        )
    return claims


def access_token_claims(
    *,
    user: Any,
    client: Any,
    scopes: Sequence[str],
    audience: str | list[str] | None,
    resources: list[str],
    resource_claims: Mapping[str, Any] | None,
    session_id: str,
    iss: str,
    iat: int,
    exp: int,
    jti: str,
    jkt: str = "",
) -> dict[str, Any]:
    """The payload, custom claims first so no protocol claim is overridden.

    ``jkt`` binds the token to a DPoP key (RFC 9449 §6.1): ``cnf`` is
    stamped last, so nothing before it can set or replace it."""
    scopes = list(scopes)
    claims = _hook_claims(user, client, scopes, resources)
    claims.update(
        public_claims(
            resource_claims, RESERVED_JWT_ACCESS_TOKEN_CLAIMS, "resource custom_claims"
        )
    )
    claims.update(
        sub=str(user.pk) if user is not None else client.client_id,
        aud=audience,
        client_id=client.client_id,
        azp=client.client_id,
        scope=" ".join(scopes),
    )
    if session_id:
        claims["sid"] = session_id
    claims.update(iss=iss, iat=iat, exp=exp, jti=jti)
    claims.pop("cnf", None)
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return claims


_pinned: dict[str, tuple[KeyPair, float]] = {}
_pinned_lock = threading.Lock()


def _pinned_key(kid: str, alg: str | None) -> KeyPair:
    """A resource's pinned key, cached like the key store caches the
    current one, so a pin costs no query per token."""
    hit = _pinned.get(kid)
    now = clock.now()
    if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
        pair = hit[0]
        if pair.signs_at(now) and (alg is None or pair.alg == alg):
            return pair
    pair = get_signing_key(alg, kid=kid)
    with _pinned_lock:
        _pinned[kid] = (pair, time.monotonic())
    return pair


def sign_access_token(
    claims: Mapping[str, Any], *, alg: str | None = None, kid: str | None = None
) -> str:
    """Sign with the resource's pin, else the newest key of SIGNING_ALGORITHM.

    A configured ``JWT_SIGNER`` signs unpinned tokens (it must honour
    ``typ``, as Better Auth's remote signer must). A pin that cannot be
    honoured is a server error, never a silent fallback to another key.
    """
    signer = hook("JWT_SIGNER")
    if signer is not None and kid is None:
        header = {"alg": alg or section().SIGNING_ALGORITHM, "typ": ACCESS_TOKEN_TYP}
        return str(signer(dict(claims), header))
    try:
        pair = _pinned_key(kid, alg) if kid else get_signing_key(alg)
    except (LookupError, ValueError) as error:
        logger.error("access token signing key unusable: %s", error)
        raise ServerError("the resource's signing key is not usable") from None
    headers = {"typ": ACCESS_TOKEN_TYP, "kid": pair.kid}
    return jwt.encode(
        dict(claims), pair.private_key, algorithm=pair.alg, headers=headers
    )


def verify_access_jwt(token: str, *, iss: str | None = None) -> dict[str, Any]:
    """The claims of a JWT access token signed by this issuer's keys.

    Checks the signature (by ``kid``, the key's own algorithm), ``typ``,
    ``iss`` and ``exp``; raises :class:`~better_auth.keys.InvalidJWT`.
    """
    return verify_jwt(
        token,
        issuer=iss or issuer(),
        typ=ACCESS_TOKEN_TYP,
        require=("exp", "iat", "sub", "client_id"),
    )


@dataclass
class JwtAccessToken:
    """A JWT access token the authorization server still accepts."""

    claims: dict[str, Any]
    application: Any
    audience: list[str]

    @property
    def scopes(self) -> list[str]:
        scope = self.claims.get("scope")
        return scope.split() if isinstance(scope, str) else []

    @property
    def resources(self) -> list[str]:
        """The audiences that are resource servers (not the UserInfo URL)."""
        from .resources import userinfo_resource

        userinfo = userinfo_resource()
        return [a for a in self.audience if a != userinfo]

    @property
    def jkt(self) -> str:
        cnf = self.claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        return jkt if isinstance(jkt, str) else ""


def _session_alive(sid: Any, user_id: Any, now: datetime) -> bool:
    if not isinstance(sid, str) or not sid:
        return False
    sessions = session_store().list_for_user(str(user_id), now)
    return any(str(s.id) == sid for s in sessions)


def validate_jwt_access_token(
    token: str, now: datetime | None = None
) -> JwtAccessToken | None:
    """The token if this server still accepts it (surface §8), else None.

    Never raises for a bad token: forged, foreign, expired or malformed
    tokens are simply not accepted (RFC 7662 §2.2; Better Auth lets some of
    them escape as server errors, surface §14).
    """
    from .resources import existing_identifiers, userinfo_resource

    now = now or clock.now()
    try:
        claims = verify_access_jwt(token)
    except InvalidJWT:
        return None
    audience = audience_values(claims.get("aud"))
    azp = claims.get("azp")
    if audience is None or not isinstance(azp, str) or azp != claims["client_id"]:
        return None
    app = get_client(azp)
    if app is None or profile_of(app).disabled:
        return None
    userinfo = userinfo_resource()
    wanted = {a for a in audience if a != userinfo}
    if wanted and existing_identifiers(wanted) != wanted:
        return None
    sid = claims.get("sid")
    if sid is not None and not _session_alive(sid, claims["sub"], now):
        return None
    return JwtAccessToken(claims=claims, application=app, audience=audience)
