"""Token introspection (RFC 7662) of the provider's tokens.

Only the client a token was issued to learns about it, or, for a token
meant for resource servers, a client linked to one of them (the resource
server itself, RFC 7662 §2.1; surface §8); for anyone else, and for every
unknown, expired, revoked, forged or session-less token, the answer is
``{"active": false}`` and nothing more (RFC 7662 §2.2 SHOULD NOT disclose
why). JWT access tokens are verified locally
(:func:`.access_tokens.validate_jwt_access_token`); their answer is their
payload, frozen at issuance, while an opaque token's custom claims are
derived again. ``token_type_hint`` only orders the search: a wrong hint still finds
the token (§2.1; Better Auth answers inactive there, the RFC wins). Member
names and order are Better Auth's (surface §8, transcript
``A/introspect-*``).

The token lookups and the ``active`` rule live here too, since UserInfo,
revocation and the refresh grant ask the same question.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, F, OuterRef, QuerySet
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.models import Session
from better_auth.storage.sessions import session_store

from ..conf import endpoint_url, hook, issuer, section
from ..oauth.client_auth import AuthenticatedClient
from ..oauth.digests import token_digest
from ..storage import PreparedLookup
from .id_tokens import REGISTERED_CLAIMS, public_claims

__all__ = [
    "INACTIVE",
    "RESERVED_ACCESS_TOKEN_CLAIMS",
    "alive_annotation",
    "client_disabled",
    "context_of",
    "find_access_token",
    "find_refresh_token",
    "introspect",
    "session_alive",
    "sessions_are_rows",
    "token_is_active",
]

INACTIVE: dict[str, Any] = {"active": False}

# Claims the access-token hook may not set (surface §7; RFC 7662 §2.2).
RESERVED_ACCESS_TOKEN_CLAIMS = REGISTERED_CLAIMS | {
    "active",
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
_SCHEMES = ("bearer ", "dpop ")
MAX_TOKEN_LENGTH = 4096


# --- lookups ----------------------------------------------------------------


def alive_annotation(path: str, now: datetime) -> Exists | None:
    """``EXISTS`` of the live session a token row names, when sessions are rows.

    Folding the check into the token lookup keeps it one query.
    """
    if not sessions_are_rows():
        return None
    return Exists(Session.objects.filter(pk=OuterRef(path), expires_at__gt=now))


def session_alive(row: Any, session_id: str, user_id: Any, now: datetime) -> bool:
    """Whether the Better Auth session a token was issued in still exists.

    Sessions in the cache store have no rows to join, so they are listed.
    """
    if not session_id:
        return False
    annotated = getattr(row, "session_alive", None)
    if annotated is not None:
        return bool(annotated)
    sessions = session_store().list_for_user(str(user_id), now)
    return any(str(s.id) == session_id for s in sessions)


def _usable(raw: object, prefix: str) -> str | None:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    if prefix and not raw.startswith(prefix):
        return None
    return raw


def sessions_are_rows() -> bool:
    """The variant of the token lookups: whether sessions can be joined."""
    return auth_settings.SESSION.STORAGE != "cache"


def _with_alive(qs: QuerySet, rows: bool, now: datetime) -> QuerySet:
    alive = alive_annotation("better_auth_context__session_id", now) if rows else None
    return qs if alive is None else qs.annotate(session_alive=alive)


def _access_query(rows: bool, checksum: str, now: datetime) -> QuerySet:
    # token_checksum is unique for access tokens: no ordering needed.
    qs = get_access_token_model().objects.select_related(
        "better_auth_context", "application__better_auth_profile", "user"
    )
    return _with_alive(qs, rows, now).filter(token_checksum=checksum)


def _refresh_query(rows: bool, checksum: str, now: datetime) -> QuerySet:
    # Refresh checksums are unique per ``revoked`` only: the live row first.
    qs = get_refresh_token_model().objects.select_related(
        "better_auth_context",
        "access_token",
        "application__better_auth_profile",
        "user",
    )
    qs = _with_alive(qs, rows, now).filter(token_checksum=checksum)
    return qs.order_by(F("revoked").asc(nulls_first=True))


_SESSION_EXPIRES = Session._meta.get_field("expires_at")
_ACCESS_TOKEN = PreparedLookup(
    get_access_token_model(),
    _access_query,
    checksum=get_access_token_model()._meta.get_field("token_checksum"),
    now=_SESSION_EXPIRES,
)
_REFRESH_TOKEN = PreparedLookup(
    get_refresh_token_model(),
    _refresh_query,
    checksum=get_refresh_token_model()._meta.get_field("token_checksum"),
    now=_SESSION_EXPIRES,
)


def find_access_token(raw: object, now: datetime | None = None) -> Any | None:
    """The access token row for ``raw`` with its context, client and user.

    One query, compiled once per connection (:mod:`..storage`)."""
    value = _usable(raw, section().OPAQUE_ACCESS_TOKEN_PREFIX or "")
    if value is None:
        return None
    return _ACCESS_TOKEN.first(
        sessions_are_rows(), checksum=token_digest(value), now=now or clock.now()
    )


def find_refresh_token(raw: object, now: datetime | None = None) -> Any | None:
    """The refresh token row for ``raw``, live rows first, with its context."""
    value = _usable(raw, section().REFRESH_TOKEN_PREFIX or "")
    if value is None:
        return None
    return _REFRESH_TOKEN.first(
        sessions_are_rows(), checksum=token_digest(value), now=now or clock.now()
    )


def context_of(row: Any) -> Any | None:
    """The row's ``better_auth_context``, or None for a bare DOT row."""
    try:
        return row.better_auth_context
    except ObjectDoesNotExist:
        return None


def client_disabled(app: Any) -> bool:
    """Whether the client is disabled; a DOT-only client has no profile yet."""
    try:
        return bool(app.better_auth_profile.disabled)
    except ObjectDoesNotExist:
        return False


def token_is_active(token: Any, now: datetime) -> bool:
    """RFC 7662 §2.2 ``active`` for an access token row (surface §8).

    Unexpired, not revoked, its client enabled, and the session it was
    issued in still alive (the back-stop for sign-out, surface §6.1).
    """
    if token is None or token.expires <= now or token.application is None:
        return False
    if client_disabled(token.application):
        return False
    ctx = context_of(token)
    if ctx is not None and ctx.revoked_at is not None:
        return False
    if ctx is not None and ctx.session_id:
        return session_alive(token, ctx.session_id, token.user_id, now)
    return True


# --- RFC 7662 responses ------------------------------------------------------


def _strip_scheme(token: str) -> str:
    for scheme in _SCHEMES:
        if token[: len(scheme)].lower() == scheme:
            return token[len(scheme) :].strip()
    return token


def _subject(row: Any) -> str:
    return str(row.user_id) if row.user_id is not None else row.application.client_id


def _custom_claims(row: Any, scopes: list[str]) -> dict[str, Any]:
    """Hook claims < the resources' current ``custom_claims`` (surface §8)."""
    from .resources import resource_custom_claims

    resources = list(row.resource or [])
    out: dict[str, Any] = {}
    custom = hook("CUSTOM_ACCESS_TOKEN_CLAIMS")
    if custom is not None:
        extra = custom(
            {
                "user": row.user,
                "scopes": scopes,
                "client": row.application,
                "resources": resources,
            }
        )
        out = public_claims(
            extra, RESERVED_ACCESS_TOKEN_CLAIMS, "CUSTOM_ACCESS_TOKEN_CLAIMS"
        )
    out.update(
        public_claims(
            resource_custom_claims(resources),
            RESERVED_ACCESS_TOKEN_CLAIMS,
            "resource custom_claims",
        )
    )
    return out


def _confirmation(body: dict[str, Any], ctx: Any) -> None:
    """``token_type`` and, for a DPoP-bound row, ``cnf`` (RFC 9449 §6.2)."""
    jkt = getattr(ctx, "dpop_jkt", "") if ctx is not None else ""
    body["token_type"] = "DPoP" if jkt else "Bearer"
    if jkt:
        body["cnf"] = {"jkt": jkt}


def _access_token_body(row: Any, now: datetime) -> dict[str, Any]:
    scopes = row.scope.split()
    body: dict[str, Any] = {**_custom_claims(row, scopes), "active": True}
    body["iss"] = issuer()
    resources = list(row.resource or [])
    if resources:
        if "openid" in scopes:
            resources.append(endpoint_url("/oauth2/userinfo"))
        # A single audience is a plain string, as Better Auth answers (RFC 7662
        # §2.2 allows either; RFC 7519 §4.1.3 the same for JWTs).
        body["aud"] = resources[0] if len(resources) == 1 else resources
    client_id = row.application.client_id
    body.update(client_id=client_id, azp=client_id, sub=_subject(row))
    ctx = context_of(row)
    if ctx is not None and ctx.session_id:
        body["sid"] = ctx.session_id
    body.update(
        exp=int(row.expires.timestamp()),
        iat=int(row.created.timestamp()),
        scope=row.scope,
    )
    _confirmation(body, ctx)
    return body


def _refresh_token_body(row: Any, now: datetime) -> dict[str, Any] | None:
    ctx = context_of(row)
    if ctx is None or row.revoked is not None or row.access_token is None:
        return None
    if ctx.expires_at is not None and ctx.expires_at <= now:
        return None
    if client_disabled(row.application):
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
    # The refresh token's own scope: the grant's, which a narrowing
    # refresh does not shrink (RFC 6749 §6).
    body.update(iat=int(row.created.timestamp()), scope=ctx.scope)
    _confirmation(body, ctx)
    return body


def _may_see(client: AuthenticatedClient, issuer_pk: Any, resources: list) -> bool:
    """The issuing client, or one linked to a resource the token is for."""
    from .resources import linked_to_any

    if issuer_pk == client.application.pk:
        return True
    return linked_to_any(client.application.pk, resources)


def _jwt_body(client: AuthenticatedClient, value: str, now: datetime) -> dict:
    """A JWT access token's answer: its payload, when still accepted."""
    from .access_tokens import validate_jwt_access_token

    found = validate_jwt_access_token(value, now)
    if found is None or not _may_see(client, found.application.pk, found.resources):
        return dict(INACTIVE)
    body = {"active": True, **found.claims}
    body["client_id"] = found.application.client_id
    body["token_type"] = "DPoP" if found.jkt else "Bearer"
    return body


def _opaque_resources_exist(row: Any) -> bool:
    """Deleting a resource deactivates the tokens for it (surface §4)."""
    from .resources import existing_identifiers

    resources = set(row.resource or [])
    return not resources or existing_identifiers(resources) == resources


def introspect(
    client: AuthenticatedClient, token: str, hint: str | None = None
) -> dict[str, Any]:
    """The RFC 7662 §2.2 response for ``token`` as seen by ``client``."""
    from .access_tokens import looks_like_jwt

    now = clock.now()
    value = _strip_scheme(token)
    if looks_like_jwt(value):
        # Opaque values never contain dots: a JWT is answered from its
        # signature alone, whatever the hint (RFC 7662 §2.1).
        return _jwt_body(client, value, now)
    order = ("refresh_token", "access_token")
    if hint != "refresh_token":
        order = order[::-1]
    for kind in order:
        if kind == "access_token":
            row = find_access_token(value, now)
            if row is None:
                continue
            if not _may_see(client, row.application_id, list(row.resource or [])):
                return dict(INACTIVE)
            if not token_is_active(row, now) or not _opaque_resources_exist(row):
                return dict(INACTIVE)
            return _access_token_body(row, now)
        row = find_refresh_token(value, now)
        if row is None:
            continue
        if row.application_id != client.application.pk:
            return dict(INACTIVE)
        return _refresh_token_body(row, now) or dict(INACTIVE)
    return dict(INACTIVE)
