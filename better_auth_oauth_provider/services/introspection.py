"""Token introspection (RFC 7662) of the provider's opaque tokens.

Only the client a token was issued to learns about it; for anyone else, and
for every unknown, expired, revoked or session-less token, the answer is
``{"active": false}`` and nothing more (RFC 7662 §2.2 SHOULD NOT disclose
why). ``token_type_hint`` only orders the search: a wrong hint still finds
the token (§2.1; Better Auth answers inactive there, the RFC wins). Member
names and order are Better Auth's (surface §8, transcript
``A/introspect-*``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from better_auth import clock

from ..conf import endpoint_url, hook, issuer
from ..oauth.client_auth import AuthenticatedClient
from .id_tokens import public_claims
from .tokens import (
    context_of,
    find_access_token,
    find_refresh_token,
    session_alive,
    token_is_active,
)

__all__ = ["INACTIVE", "RESERVED_ACCESS_TOKEN_CLAIMS", "introspect"]

INACTIVE: dict[str, Any] = {"active": False}

# Claims the access-token hook may not set (surface §7; RFC 7662 §2.2).
RESERVED_ACCESS_TOKEN_CLAIMS = frozenset(
    {
        "active",
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "client_id",
        "azp",
        "sid",
        "scope",
        "auth_time",
        "acr",
        "amr",
        "cnf",
        "token_type",
        "username",
    }
)
_SCHEMES = ("bearer ", "dpop ")


def _strip_scheme(token: str) -> str:
    for scheme in _SCHEMES:
        if token[: len(scheme)].lower() == scheme:
            return token[len(scheme) :].strip()
    return token


def _subject(row: Any) -> str:
    return str(row.user_id) if row.user_id is not None else row.application.client_id


def _custom_claims(row: Any, scopes: list[str]) -> dict[str, Any]:
    custom = hook("CUSTOM_ACCESS_TOKEN_CLAIMS")
    if custom is None:
        return {}
    extra = custom(
        {
            "user": row.user,
            "scopes": scopes,
            "client": row.application,
            "resources": list(row.resource or []),
        }
    )
    return public_claims(
        extra, RESERVED_ACCESS_TOKEN_CLAIMS, "CUSTOM_ACCESS_TOKEN_CLAIMS"
    )


def _access_token_body(row: Any, now: datetime) -> dict[str, Any]:
    scopes = row.scope.split()
    body: dict[str, Any] = {**_custom_claims(row, scopes), "active": True}
    body["iss"] = issuer()
    resources = list(row.resource or [])
    if resources:
        if "openid" in scopes:
            resources.append(endpoint_url("/oauth2/userinfo"))
        body["aud"] = resources
    client_id = row.application.client_id
    body.update(client_id=client_id, azp=client_id, sub=_subject(row))
    ctx = context_of(row)
    if ctx is not None and ctx.session_id:
        body["sid"] = ctx.session_id
    body.update(
        exp=int(row.expires.timestamp()),
        iat=int(row.created.timestamp()),
        scope=row.scope,
        token_type="Bearer",
    )
    return body


def _refresh_token_body(row: Any, now: datetime) -> dict[str, Any] | None:
    ctx = context_of(row)
    if ctx is None or row.revoked is not None or row.access_token is None:
        return None
    if ctx.expires_at is not None and ctx.expires_at <= now:
        return None
    if row.application.better_auth_profile.disabled:
        return None
    body: dict[str, Any] = {
        "active": True,
        "client_id": row.application.client_id,
        "iss": issuer(),
        "sub": str(row.user_id),
    }
    if session_alive(row, ctx.session_id, row.user_id, now):
        body["sid"] = ctx.session_id
    if ctx.expires_at is not None:
        body["exp"] = int(ctx.expires_at.timestamp())
    body.update(
        iat=int(row.created.timestamp()),
        scope=row.access_token.scope,
        token_type="Bearer",
    )
    return body


def introspect(
    client: AuthenticatedClient, token: str, hint: str | None = None
) -> dict[str, Any]:
    """The RFC 7662 §2.2 response for ``token`` as seen by ``client``."""
    now = clock.now()
    value = _strip_scheme(token)
    order = ("refresh_token", "access_token")
    if hint != "refresh_token":
        order = order[::-1]
    for kind in order:
        if kind == "access_token":
            row = find_access_token(value, now)
            if row is None:
                continue
            if row.application_id != client.application.pk:
                return dict(INACTIVE)
            if not token_is_active(row, now):
                return dict(INACTIVE)
            return _access_token_body(row, now)
        row = find_refresh_token(value, now)
        if row is None:
            continue
        if row.application_id != client.application.pk:
            return dict(INACTIVE)
        return _refresh_token_body(row, now) or dict(INACTIVE)
    return dict(INACTIVE)
