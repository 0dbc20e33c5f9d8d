"""The refresh token grant with rotation (RFC 6749 §6, OAuth 2.1 §4.3.1).

Every refresh rotates: the presented token is revoked and a new one of the
same family is issued (RFC 9700 §4.14.2). The request may narrow the scope
of the new access token but never widen it, and the new refresh token keeps
the scope of the whole grant (RFC 6749 §6: "identical to that of the
refresh token included by the client"). A rotated token that comes back
outside Better Auth's retry window tears its family down; inside it, the
client that lost the response gets the same response again.

A refresh token issued with a DPoP proof is bound to that key for every
client, confidential ones too (Better Auth; RFC 9449 §5 requires it for
public clients only), and across rotation: each refresh, a replay inside
the retry window included, needs a proof by the same key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from oauth2_provider.models import get_refresh_token_model

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.crypto import DecryptionError, decrypt_secret, encrypt_secret

from ...conf import section
from ...errors import InvalidGrant, InvalidScope
from ...models import RefreshTokenContext
from ...oauth.client_auth import AuthenticatedClient, check_grant
from ...oauth.resource_indicators import ResourcePolicy, narrow_resources
from ...oauth.scopes import scope_list
from .._persist import Claim, Update
from ..dpop import ProofBinder, bind_tokens
from ..introspection import context_of, find_refresh_token, session_alive
from ..resources import resolve_resource_policy
from ..revocation import delete_family
from ..tokens import Issue, mint, store_issuance

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_tokens")

__all__ = ["refresh_grant"]


def _scopes(ctx: Any, scope: str | None) -> tuple[list[str], list[str]]:
    """(granted, effective): the grant's scope and the narrowed request."""
    granted = scope_list(ctx.scope.split())
    if not scope:
        return granted, granted
    requested = scope_list(scope.split())
    for value in requested:
        if value not in granted:
            raise InvalidScope(f"unable to issue scope {value}")
    return granted, requested


def _fingerprint(
    scopes: Sequence[str], resources: Sequence[str], jkt: str = ""
) -> dict[str, Any]:
    """What a retried rotation must repeat to get the stored response: its
    scopes, resources and DPoP key (a bearer retry names no key)."""
    out: dict[str, Any] = {
        "scopes": sorted(set(scopes)),
        "resources": sorted(set(resources)),
    }
    if jkt:
        out["jkt"] = jkt
    return out


def _replayed(ctx: Any, fingerprint: dict[str, Any], now: datetime) -> dict | None:
    """The stored response of this token's rotation, inside the retry window.

    Better Auth's ``refreshTokenReuseInterval`` (surface §10): a client that
    lost the response gets the same one again, ``expires_in`` recomputed.
    """
    if ctx is None or not ctx.replay_response or ctx.replay_expires_at is None:
        return None
    if ctx.replay_expires_at < now:
        return None
    try:
        stored = json.loads(
            decrypt_secret(ctx.replay_response, auth_settings.secrets())
        )
    except (DecryptionError, ValueError):
        logger.error("refresh replay record %s is unreadable", ctx.pk)
        return None
    if stored.get("request") != fingerprint:
        return None
    body = dict(stored["response"])
    body["expires_in"] = max(0, int(body["expires_at"] - now.timestamp()))
    return body


def _in_window(ctx: Any, now: datetime) -> bool:
    return bool(ctx and ctx.replay_expires_at and ctx.replay_expires_at >= now)


def _refuse_reuse(row: Any, ctx: Any, fingerprint: dict, now: datetime) -> dict:
    """A rotated or revoked refresh token came back (RFC 9700 §4.14.2)."""
    replay = _replayed(ctx, fingerprint, now)
    if replay is not None:
        logger.info("refresh token %s replayed inside the retry window", row.pk)
        return replay
    if _in_window(ctx, now):
        raise InvalidGrant("invalid refresh token")
    removed = delete_family(row)
    security_log.warning(
        "revoked refresh token %s reused by client %s; family of %s tokens removed",
        row.pk,
        row.application.client_id,
        removed,
    )
    raise InvalidGrant("invalid refresh token")


def _replay_record(
    ctx: Any, fingerprint: dict[str, Any], body: dict[str, Any], now: datetime
) -> list[Update]:
    """The encrypted response to replay inside the retry window, if one is set."""
    window = int(section().REFRESH_TOKEN_RETRY_WINDOW or 0)
    if window <= 0:
        return []
    record = json.dumps({"request": fingerprint, "response": body})
    values = {
        "replay_response": encrypt_secret(record, auth_settings.SECRET),
        "replay_expires_at": now + timedelta(seconds=window),
    }
    return [(RefreshTokenContext, ctx.pk, values)]


def _rotation(row: Any, now: datetime) -> Claim:
    """Revoking the presented token: the one request that does it wins."""
    values = {"revoked": now, "updated": now}
    return Claim(get_refresh_token_model(), row.pk, "revoked", values)


def _live_row(
    refresh_token: str,
    authenticate: Callable[[Any], AuthenticatedClient],
    now: datetime,
) -> tuple[Any, Any, AuthenticatedClient]:
    """The token row, its context and the client that owns it."""
    row = find_refresh_token(refresh_token, now)
    if row is None:
        raise InvalidGrant("session not found")
    client = authenticate(row.application)
    if row.application_id != client.application.pk:
        raise InvalidGrant("invalid refresh token")
    check_grant(client, "refresh_token")
    ctx = context_of(row)
    if ctx is None or row.access_token is None:
        raise InvalidGrant("invalid refresh token")
    if ctx.expires_at is not None and ctx.expires_at <= now:
        raise InvalidGrant("refresh token expired")
    return row, ctx, client


def _issue(
    row: Any,
    ctx: Any,
    client: AuthenticatedClient,
    *,
    scopes: list[str],
    granted: list[str],
    audience: list[str],
    policy: ResourcePolicy,
    now: datetime,
) -> Issue:
    """The rotation: same family, lineage and grant scope; new tokens."""
    alive = session_alive(row, ctx.session_id, row.user_id, now)
    return Issue(
        client=client,
        user=row.user,
        scopes=policy.scopes,
        grant_type="refresh_token",
        now=now,
        # A refresh outliving its session is detached from it (Better
        # Auth's session foreign key is set null when the session goes).
        session_id=ctx.session_id if alive else "",
        auth_time=ctx.auth_time,
        userinfo_claims=list(ctx.requested_userinfo_claims or []),
        resources=audience,
        refresh_resources=list(row.resource or []),
        grant_scopes=granted,
        code_digest=ctx.authorization_code,
        family=row.token_family,
        refresh="offline_access" in granted,
        parent=row,
        policy=policy,
    )


def refresh_grant(
    *,
    refresh_token: str,
    scope: str | None,
    resources: list[str],
    authenticate: Callable[[Any], AuthenticatedClient],
    dpop: ProofBinder | None = None,
) -> dict[str, Any]:
    """Rotate a refresh token (RFC 6749 §6, OAuth 2.1 §4.3.1).

    The token is looked up before the client authenticates, as Better Auth
    does (so an unknown token is ``invalid_grant`` even with a bad secret);
    ``authenticate`` gets the token's client, already loaded, to spare the
    lookup. Only the authenticated owner can make a reused token tear its
    family down. Rotation is a compare-and-set on ``revoked``: one winner.
    """
    now = clock.now()
    row, ctx, client = _live_row(refresh_token, authenticate, now)
    granted, scopes = _scopes(ctx, scope)
    if row.revoked is not None:
        # A retry is served only to the key the token is bound to.
        jkt = bind_tokens(
            dpop,
            profile=client.profile,
            dpop_required=False,
            expected_jkt=ctx.dpop_jkt,
        )
        return _refuse_reuse(row, ctx, _fingerprint(scopes, resources, jkt), now)
    # The refresh row keeps the whole authorized set; this request may
    # narrow it again, never widen it (RFC 8707 §2.2, surface §4).
    audience = narrow_resources(resources, list(row.resource or []))
    policy = resolve_resource_policy(audience, client.application, scopes)
    jkt = bind_tokens(
        dpop,
        profile=client.profile,
        dpop_required=policy.dpop_required,
        expected_jkt=ctx.dpop_jkt,
    )
    fingerprint = _fingerprint(scopes, resources, jkt)
    spec = _issue(
        row,
        ctx,
        client,
        scopes=scopes,
        granted=granted,
        audience=audience,
        policy=policy,
        now=now,
    )
    spec.dpop_jkt = jkt
    body, rows = mint(spec)
    updates = _replay_record(ctx, fingerprint, body, now)
    if store_issuance(rows, _rotation(row, now), client, updates):
        logger.info("refresh token %s rotated for client %s", row.pk, client.client_id)
        return body
    if updates:
        # The concurrent winner may have stored its response by now.
        fresh = RefreshTokenContext.objects.filter(pk=ctx.pk).first()
        replay = _replayed(fresh, fingerprint, now)
        if replay is not None:
            return replay
    raise InvalidGrant("invalid refresh token")
