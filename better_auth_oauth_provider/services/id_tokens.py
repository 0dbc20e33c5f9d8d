"""OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6).

Claims are Better Auth 1.7's (oauth-provider surface §7): ``iss``, ``sub``,
``aud`` (the client id as a string, so no ``azp`` is needed, OIDC Core §2),
``iat``, ``exp``, ``auth_time``, ``acr`` "0", ``at_hash``, ``nonce`` (code
flow only, never on refresh) and ``sid`` for clients that take part in
logout. Profile and email claims are served by UserInfo only. The token is
signed with the newest key of the configured algorithm from the shared key
store, or by the configured ``JWT_SIGNER``, which must sign with that same
algorithm because ``at_hash`` was computed for it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt

from better_auth.keys import get_signing_key, sign_jwt

from .. import extensions
from ..conf import hook, issuer, section
from ..errors import ServerError
from ..oauth.claims import ACR
from .client_lookup import profile_of

logger = logging.getLogger(__name__)

__all__ = [
    "ACR",
    "REGISTERED_CLAIMS",
    "RESERVED_ID_TOKEN_CLAIMS",
    "at_hash",
    "hash_for_alg",
    "issue_id_token",
    "public_claims",
]

# The registered claim names of every JWT (RFC 7519 §4.1).
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
# Protocol claims no hook may set (OIDC Core §2, §3.1.3.6, RFC 7800 §3.1,
# Back-Channel Logout §2.4).
RESERVED_ID_TOKEN_CLAIMS = REGISTERED_CLAIMS | {
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
    "c_hash",
    "s_hash",
    "cnf",
    "events",
    "sub_jwk",
}


def hash_for_alg(alg: str) -> Callable[[bytes], Any]:
    """The hash of a JWS algorithm, as OIDC Core §3.1.3.6 pairs them.

    EdDSA (Ed25519) has no hash in its name; Better Auth and the JOSE
    libraries relying parties use pair it with SHA-512, like ``*512``.
    """
    if alg == "EdDSA" or alg.endswith("512"):
        return hashlib.sha512
    if alg.endswith("384"):
        return hashlib.sha384
    return hashlib.sha256


def at_hash(access_token: str, alg: str) -> str:
    """Left half of the access token's hash, base64url (OIDC Core §3.1.3.6)."""
    digest = hash_for_alg(alg)(access_token.encode("ascii")).digest()
    half = digest[: len(digest) // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


def public_claims(
    extra: Mapping[str, Any] | None, reserved: Iterable[str], source: str
) -> dict[str, Any]:
    """``extra`` without reserved protocol claims, naming what was dropped."""
    if not extra:
        return {}
    reserved = frozenset(reserved)
    dropped = sorted(k for k in extra if k in reserved)
    if dropped:
        logger.warning("%s tried to set reserved claims: %s", source, dropped)
    return {k: v for k, v in extra.items() if k not in reserved}


def _custom_claims(user: Any, client: Any, scopes: list[str]) -> dict[str, Any]:
    """Extension claims, then the project's hook; neither sets a reserved one."""
    context = {"user": user, "scopes": scopes, "client": client}
    claims = public_claims(
        extensions.claims_for("id_token", context),
        RESERVED_ID_TOKEN_CLAIMS,
        "an extension",
    )
    custom = hook("CUSTOM_ID_TOKEN_CLAIMS")
    if custom is not None:
        extra = custom(context)
        claims.update(
            public_claims(extra, RESERVED_ID_TOKEN_CLAIMS, "CUSTOM_ID_TOKEN_CLAIMS")
        )
    return claims


def issue_id_token(
    *,
    user: Any,
    client: Any,
    scopes: list[str],
    auth_time: datetime | None,
    session_id: str,
    access_token: str,
    now: datetime,
    nonce: str | None = None,
) -> str:
    """Build and sign the ID token for ``user`` at ``client``.

    Raises ``ServerError`` when the configured signer uses another algorithm
    than the one ``at_hash`` was computed for (surface §7).
    """
    claims = _custom_claims(user, client, scopes)
    signer = hook("JWT_SIGNER")
    alg = section().SIGNING_ALGORITHM if signer else get_signing_key().alg
    if auth_time is not None:
        claims["auth_time"] = int(auth_time.timestamp())
    claims["acr"] = ACR
    claims["at_hash"] = at_hash(access_token, alg)
    claims.update(iss=issuer(), sub=str(user.pk), aud=client.client_id)
    if nonce:
        claims["nonce"] = nonce
    lifetime = timedelta(seconds=int(section().ID_TOKEN_EXPIRES_IN))
    claims.update(iat=int(now.timestamp()), exp=int((now + lifetime).timestamp()))
    profile = profile_of(client)
    if session_id and (profile.enable_end_session or profile.backchannel_logout_uri):
        # Back-Channel Logout §2.4 / RP-Initiated Logout: only clients that
        # take part in logout learn the session id (surface §6.1).
        claims["sid"] = session_id
    if signer is None:
        return sign_jwt(claims, alg=alg)
    return _external_sign(signer, claims, alg)


def _external_sign(signer: Callable[..., Any], claims: dict[str, Any], alg: str) -> str:
    token = signer(claims, {"alg": alg})
    try:
        produced = jwt.get_unverified_header(token).get("alg")
    except (jwt.PyJWTError, TypeError, ValueError):
        produced = None
    if produced != alg:
        logger.error(
            "JWT_SIGNER signed an ID token with %r, SIGNING_ALGORITHM is %r",
            produced,
            alg,
        )
        raise ServerError(
            f"at_hash was computed for {alg} but the signer used {produced}"
        )
    return str(token)
