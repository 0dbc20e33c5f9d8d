"""The authorization code grant at the token endpoint (RFC 6749 §4.1.3).

The code must be this client's, unexpired and unused; the ``redirect_uri``
must be the one sent to the authorization endpoint (§4.1.3) and the PKCE
verifier must match the challenge (RFC 7636 §4.6). A code of another
client is refused and stays usable by its own client (the grant is bound
to its client). A failed binding check spends the code. A second
redemption revokes every token the first one issued (§4.1.2, §10.5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import router
from django.db.models import QuerySet
from oauth2_provider.models import get_grant_model

from better_auth import clock
from better_auth.models import Session

from ...errors import InvalidGrant, InvalidRequest
from ...models import GrantContext
from ...oauth.client_auth import AuthenticatedClient
from ...oauth.digests import token_digest
from ...oauth.pkce import verify_code_verifier
from ...oauth.resource_indicators import ResourcePolicy, narrow_resources
from ...oauth.scopes import scope_list
from ...storage import PreparedLookup
from .._persist import Claim
from ..dpop import ProofBinder, bind_tokens
from ..introspection import (
    alive_annotation,
    context_of,
    session_alive,
    sessions_are_rows,
)
from ..resources import resolve_resource_policy
from ..revocation import revoke_code_lineage
from ..tokens import Issue, mint, store_issuance

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_tokens")

__all__ = ["exchange_code"]


def _grant_query(rows: bool, code: str, now: datetime) -> QuerySet:
    qs = get_grant_model().objects.select_related(
        "better_auth_context", "application__better_auth_profile", "user"
    )
    alive = alive_annotation("better_auth_context__session_id", now) if rows else None
    if alive is not None:
        qs = qs.annotate(session_alive=alive)
    return qs.filter(code=code)


# ``code`` is unique: no ordering needed.
_GRANT = PreparedLookup(
    get_grant_model(),
    _grant_query,
    code=get_grant_model()._meta.get_field("code"),
    now=Session._meta.get_field("expires_at"),
)


def _load_grant(digest: str, now: datetime) -> Any | None:
    """The code row with its context, client, user and session liveness, in
    one query compiled once per connection (:mod:`...storage`)."""
    return _GRANT.first(sessions_are_rows(), code=digest, now=now)


def _reject_code(digest: str, grant: Any | None, reason: str) -> InvalidGrant:
    """A spent, unknown or expired code: revoke what it issued (RFC 6749 §10.5)."""
    revoked = revoke_code_lineage(digest)
    if revoked or grant is not None:
        security_log.warning(
            "authorization code %s rejected (%s); %s tokens from it revoked",
            digest[:8],
            reason,
            revoked,
        )
    return InvalidGrant("invalid code")


def _redemption(grant: Any, now: datetime) -> Claim:
    """Marking the code used: the one request that does it wins."""
    return Claim(GrantContext, grant.pk, "redeemed_at", {"redeemed_at": now})


def _redeem(grant: Any, now: datetime) -> bool:
    """Mark the code used now; True for the one request that does it."""
    return _redemption(grant, now).run(router.db_for_write(GrantContext))


def _check_code_binding(
    client: AuthenticatedClient,
    grant: Any,
    redirect_uri: str | None,
    verifier: str | None,
) -> None:
    """RFC 6749 §4.1.3 redirect URI and RFC 7636 §4.6 verifier checks."""
    if grant.redirect_uri and not redirect_uri:
        raise InvalidGrant("redirect_uri is required")
    if (redirect_uri or "") != (grant.redirect_uri or ""):
        raise InvalidGrant("redirect_uri mismatch")
    if grant.code_challenge:
        if not verifier:
            raise InvalidGrant(
                "code_verifier required because PKCE was used in authorization"
            )
        if not verify_code_verifier(
            verifier, grant.code_challenge, grant.code_challenge_method
        ):
            raise InvalidGrant("code verification failed")
    elif verifier:
        # A verifier for a code issued without a challenge is a downgrade
        # attempt (RFC 9700 §4.8.2).
        raise InvalidGrant(
            "code_verifier provided but PKCE was not used in authorization"
        )
    elif client.is_public:
        raise InvalidGrant("PKCE is required for this client")


def _usable_grant(
    client: AuthenticatedClient, grant: Any | None, digest: str, now: datetime
) -> Any:
    """The client's live, unused code row, or ``invalid_grant``."""
    if grant is not None and grant.application_id != client.application.pk:
        security_log.warning(
            "client %s presented a code issued to another client", client.client_id
        )
        raise InvalidGrant("invalid code")
    ctx = context_of(grant) if grant is not None else None
    if grant is None or ctx is None:
        raise _reject_code(digest, grant, "unknown")
    if ctx.redeemed_at is not None:
        raise _reject_code(digest, grant, "replayed")
    if grant.expires <= now:
        raise _reject_code(digest, grant, "expired")
    return grant


def _issue(
    client: AuthenticatedClient,
    grant: Any,
    *,
    digest: str,
    audience: list[str],
    policy: ResourcePolicy,
    now: datetime,
) -> Issue:
    ctx = context_of(grant)
    scopes = scope_list(grant.scope.split())
    refresh = "offline_access" in scopes and client.profile.allows_grant(
        "refresh_token"
    )
    return Issue(
        client=client,
        user=grant.user,
        # The resources may narrow the access token's scope (surface §4
        # rule 4); the refresh token keeps the grant's.
        scopes=policy.scopes,
        grant_type="authorization_code",
        now=now,
        session_id=ctx.session_id,
        auth_time=ctx.auth_time,
        nonce=grant.nonce or None,
        userinfo_claims=list(ctx.requested_userinfo_claims or []),
        resources=audience,
        refresh_resources=list(grant.resource or []) or audience,
        grant_scopes=scopes,
        code_digest=digest,
        refresh=refresh,
        policy=policy,
    )


def exchange_code(
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
    resources: list[str],
    authenticate: Callable[[Any], AuthenticatedClient],
    dpop: ProofBinder | None = None,
) -> dict[str, Any]:
    """Redeem an authorization code for tokens (RFC 6749 §4.1.3, §5.1).

    The code row is read first, so ``authenticate`` gets the client already
    loaded with it and spares the lookup; every client authentication error
    is still raised before any error about the code (RFC 6749 §5.2).

    The DPoP proof (RFC 9449 §5, §10: a code issued for ``dpop_jkt`` needs
    a proof by that key) is checked before the code is spent, so a client
    told to retry with a server nonce (§8) can still redeem it.
    """
    now = clock.now()
    digest = token_digest(code) if code else ""
    loaded = _load_grant(digest, now) if code else None
    client = authenticate(loaded.application if loaded is not None else None)
    if not code:
        raise InvalidRequest("code is required")
    grant = _usable_grant(client, loaded, digest, now)
    try:
        _check_code_binding(client, grant, redirect_uri, code_verifier)
        audience = narrow_resources(resources, list(grant.resource or []))
    except InvalidGrant:
        _redeem(grant, now)
        raise
    if not grant.user.is_active:
        raise InvalidGrant("user is not active")
    ctx = context_of(grant)
    if ctx.session_id and not session_alive(grant, ctx.session_id, grant.user.pk, now):
        raise InvalidRequest("session no longer exists")
    # A resource disabled, unlinked or narrowed since the authorization
    # is refused now (surface §4); the code stays usable.
    policy = resolve_resource_policy(
        audience, client.application, scope_list(grant.scope.split())
    )
    spec = _issue(
        client, grant, digest=digest, audience=audience, policy=policy, now=now
    )
    spec.dpop_jkt = bind_tokens(
        dpop,
        profile=client.profile,
        dpop_required=policy.dpop_required,
        expected_jkt=ctx.dpop_jkt,
    )
    body, rows = mint(spec)
    if not store_issuance(rows, _redemption(grant, now), client):
        # Lost a concurrent redemption: the winner has committed, so what
        # it issued is visible and revoked now (RFC 6749 §4.1.2).
        raise _reject_code(digest, grant, "replayed concurrently")
    logger.info(
        "authorization code %s redeemed by client %s", digest[:8], client.client_id
    )
    return body
