"""The client credentials grant (RFC 6749 §4.4).

A confidential client gets an access token for itself: no refresh token
(§4.4.3) and no ID token. Its scopes come from the client's
``client_credentials_scopes`` ceiling and never include the scopes that
describe a user (Better Auth, surface §1.6).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError

from better_auth import clock

from ...errors import InvalidScope, UnauthorizedClient
from ...oauth.client_auth import AuthenticatedClient, check_grant
from ...oauth.resource_indicators import validate_resources
from ...oauth.scopes import scope_list
from ..dpop import ProofBinder, bind_tokens
from ..resources import resolve_resource_policy
from ..tokens import Issue, mint, store

logger = logging.getLogger(__name__)

__all__ = ["IDENTITY_SCOPES", "StaleClient", "client_credentials_grant"]

# Scopes that describe the user; never granted to a client acting for
# itself (surface §1.6 client_credentials).
IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


class StaleClient(Exception):
    """The remembered client changed before its token was written; nothing
    was written (services.client_cache)."""


def _store(rows: list[Any], client: AuthenticatedClient) -> bool:
    """Write the token through the client's guard; False when the guard
    fails or the client row went away before the insert committed.

    The foreign keys are checked when the statement's own transaction
    commits (they are deferred), so in autocommit a concurrent deletion of
    the client is an ``IntegrityError`` here and nothing was written.
    Inside a transaction the check waits for its commit, outside this code.
    """
    try:
        return store(rows, claim=client.guard)
    except IntegrityError:
        return False


def _scopes(client: AuthenticatedClient, scope: str | None) -> list[str]:
    allowed = scope_list(client.profile.client_credentials_scopes or [])
    if not allowed:
        raise UnauthorizedClient("client has no authorized client_credentials scopes")
    scopes = scope_list(scope.split()) if scope else allowed
    invalid = [s for s in scopes if s not in allowed or s in IDENTITY_SCOPES]
    if invalid:
        raise InvalidScope(
            f"The following client_credentials scopes are invalid: {', '.join(invalid)}"
        )
    return scopes


def client_credentials_grant(
    client: AuthenticatedClient,
    *,
    scope: str | None,
    resources: list[str],
    dpop: ProofBinder | None = None,
) -> dict[str, Any]:
    """An access token for the client itself (RFC 6749 §4.4.3), bound to a
    DPoP key when the request proves one (RFC 9449 §5).

    A client with a ``guard`` is written through it; ``StaleClient`` when
    the guard fails.
    """
    if client.is_public:
        raise UnauthorizedClient(
            "public clients cannot use the client_credentials grant"
        )
    check_grant(client, "client_credentials")
    scopes = _scopes(client, scope)
    # No user consented to anything, so the resources are only
    # policy-checked (RFC 8707 §2; surface §4): the token is a JWT for them
    # with ``sub`` = the client (surface §13 scenario 33).
    audience = validate_resources(resources)
    policy = resolve_resource_policy(audience, client.application, scopes)
    spec = Issue(
        client=client,
        user=None,
        scopes=policy.scopes,
        grant_type="client_credentials",
        now=clock.now(),
        resources=audience,
        policy=policy,
        dpop_jkt=bind_tokens(
            dpop,
            profile=client.profile,
            dpop_required=policy.dpop_required,
            expected_jkt="",
        ),
    )
    body, rows = mint(spec)
    if not _store(rows, client):
        raise StaleClient(client.client_id)
    logger.info("client_credentials token issued to client %s", client.client_id)
    return body
