"""Issuing an authorization code (RFC 6749 §4.1.2).

The code is 32 random ``[A-Za-z0-9]`` characters (Better Auth, surface
§1.4), stored only as its SHA-256 digest in django-oauth-toolkit's
``Grant.code``, and valid ``CODE_EXPIRES_IN`` seconds: short lived and
single use (§4.1.2). The row binds what the token endpoint checks when the
code is redeemed: the client, the exact ``redirect_uri`` sent (§4.1.3), the
PKCE challenge (RFC 7636 §4.4), ``nonce``, the ``claims`` request, the
resources (RFC 8707), the session and its ``auth_time``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from oauth2_provider.models import get_grant_model

from better_auth import clock
from better_auth.services.sessions import SessionContext

from ..conf import issuer, section
from ..models import GrantContext
from ..oauth.authorization_request import text_param
from ..oauth.authorization_response import add_query
from ..oauth.claims import canonical_claims
from ..oauth.digests import generate_value, token_digest

logger = logging.getLogger(__name__)

__all__ = ["issue_code"]


def _store(
    application: Any,
    raw_code: str,
    query: Mapping[str, Any],
    session: SessionContext,
    *,
    scopes: list[str],
    userinfo_claims: list[str],
    resources: list[str],
    consent: Any,
) -> None:
    """The code row and its context, in one transaction."""
    expires_in = timedelta(seconds=int(section().CODE_EXPIRES_IN))
    with transaction.atomic():
        grant = get_grant_model().objects.create(
            application=application,
            user_id=session.user.pk,
            code=token_digest(raw_code),
            expires=clock.now() + expires_in,
            redirect_uri=query["redirect_uri"],
            scope=" ".join(dict.fromkeys(scopes)),
            nonce=text_param(query, "nonce") or "",
            claims=canonical_claims(query.get("claims")),
            code_challenge=text_param(query, "code_challenge") or "",
            code_challenge_method=text_param(query, "code_challenge_method") or "",
            resource=list(dict.fromkeys(resources)),
        )
        GrantContext.objects.create(
            grant=grant,
            session_id=str(session.session.id),
            auth_time=session.session.created_at,
            requested_userinfo_claims=list(userinfo_claims),
            consent=consent,
            dpop_jkt=text_param(query, "dpop_jkt") or "",
        )


def issue_code(
    application: Any,
    *,
    query: Mapping[str, Any],
    session: SessionContext,
    scopes: list[str],
    userinfo_claims: list[str],
    resources: list[str],
    consent: Any = None,
    iss: str | None = None,
) -> str:
    """Store an authorization code; the client's redirect URI carrying it,
    ``state`` and ``iss`` (RFC 9207 §2), in Better Auth's order."""
    raw_code = generate_value(32, digits=True)
    _store(
        application,
        raw_code,
        query,
        session,
        scopes=scopes,
        userinfo_claims=userinfo_claims,
        resources=resources,
        consent=consent,
    )
    logger.info(
        "authorization code issued to client %s for user %s",
        application.client_id,
        session.user.pk,
    )
    pairs = [("code", raw_code)]
    state = text_param(query, "state")
    if state:
        pairs.append(("state", state))
    pairs.append(("iss", iss or issuer()))
    return add_query(query["redirect_uri"], pairs)
