"""Token revocation (RFC 7009) and the revocations the token endpoint needs.

- :func:`revoke` serves ``/oauth2/revoke``. RFC 7009 §2.2: an unknown,
  already revoked or foreign token is answered 200 like a revoked one, so
  the endpoint is no oracle of which tokens exist (Better Auth answers 400
  for unknown tokens; here the RFC wins). ``token_type_hint`` only orders
  the search (§2.1). Revoking a refresh token invalidates every token of
  its grant (§2.1 SHOULD); revoking an access token leaves the refresh
  token usable, as Better Auth does. A JWT access token has no row to
  revoke: it stays valid until it expires, and the answer is still 200
  (RFC 7009 §2.2 lets a server not revoke a token type; Better Auth answers
  400 ``unsupported_token_type`` there). Revoking the refresh token it came
  with still ends the grant, and ending the session (``sid``) deactivates it
  at introspection and UserInfo.
- :func:`revoke_code_lineage` removes what a replayed authorization code
  issued (RFC 6749 §4.1.2, §10.5).
- :func:`delete_family` removes a refresh-token lineage whose rotated token
  was reused (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models import Q
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from better_auth import clock

from ..models import AccessTokenContext
from ..oauth.client_auth import AuthenticatedClient
from .introspection import find_access_token, find_refresh_token

logger = logging.getLogger(__name__)

__all__ = [
    "delete_family",
    "revoke",
    "revoke_access_token",
    "revoke_code_lineage",
    "revoke_grant",
]

TOKEN_TYPES = ("access_token", "refresh_token")


def _deleted(result: tuple[int, dict[str, int]], model: Any) -> int:
    return result[1].get(model._meta.label, 0)


def revoke_code_lineage(code_digest: str) -> int:
    """Delete every access and refresh token descending from a code.

    Rotated tokens keep the code's digest, so the whole lineage goes.
    Returns how many tokens were deleted.
    """
    if not code_digest:
        return 0
    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    with transaction.atomic(using=router.db_for_write(access_model)):
        access = access_model.objects.filter(
            better_auth_context__authorization_code=code_digest
        ).delete()
        refresh = refresh_model.objects.filter(
            better_auth_context__authorization_code=code_digest
        ).delete()
    return _deleted(access, access_model) + _deleted(refresh, refresh_model)


def _family(row: Any) -> Any:
    model = get_refresh_token_model()
    if row.token_family:
        return model.objects.filter(token_family=row.token_family)
    return model.objects.filter(pk=row.pk)


def _family_access_tokens(family: Any) -> Q:
    return Q(pk__in=family.values("access_token_id")) | Q(
        source_refresh_token__in=family.values("pk")
    )


def delete_family(row: Any) -> int:
    """Delete ``row``'s refresh-token family and the access tokens it issued.

    The family is one authorization's lineage (``token_family``), not every
    token of the (client, user) pair Better Auth clears, so a user's other
    sign-ins to the client survive (surface §14).
    """
    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    family = _family(row)
    with transaction.atomic(using=router.db_for_write(refresh_model)):
        access = access_model.objects.filter(_family_access_tokens(family)).delete()
        refresh = _family(row).delete()
    return _deleted(access, access_model) + _deleted(refresh, refresh_model)


def revoke_grant(row: Any, now: datetime) -> None:
    """Revoke a refresh token, its family and their access tokens (RFC 7009 §2.1).

    Rows are marked, not deleted: django-oauth-toolkit treats a live
    refresh token without its access token as stale.
    """
    access_model = get_access_token_model()
    family = _family(row)
    with transaction.atomic(using=router.db_for_write(access_model)):
        family.filter(revoked__isnull=True).update(revoked=now, updated=now)
        tokens = access_model.objects.filter(_family_access_tokens(family))
        AccessTokenContext.objects.filter(
            access_token__in=tokens.values("pk"), revoked_at__isnull=True
        ).update(revoked_at=now)


def revoke_access_token(token: Any, now: datetime) -> None:
    """Mark an access token revoked; a row without context is deleted."""
    marked = AccessTokenContext.objects.filter(pk=token.pk).update(revoked_at=now)
    if not marked:
        token.delete()


def revoke(client: AuthenticatedClient, token: str, hint: str | None) -> None:
    """Revoke ``token`` if the calling client owns it; otherwise do nothing.

    RFC 7009 §2.1: the hint says where to look first and the search then
    extends to the other type; an unknown hint is ignored.
    """
    from .access_tokens import looks_like_jwt

    now = clock.now()
    if looks_like_jwt(token):
        logger.info(
            "client %s asked to revoke a JWT access token; it lives until it expires",
            client.client_id,
        )
        return
    order = TOKEN_TYPES[::-1] if hint == "refresh_token" else TOKEN_TYPES
    for kind in order:
        if kind == "access_token":
            row = find_access_token(token, now)
        else:
            row = find_refresh_token(token, now)
        if row is None:
            continue
        if row.application_id != client.application.pk:
            logger.info(
                "client %s asked to revoke a token of another client", client.client_id
            )
            return
        if kind == "access_token":
            revoke_access_token(row, now)
        else:
            revoke_grant(row, now)
        logger.info("%s %s revoked by client %s", kind, row.pk, client.client_id)
        return
