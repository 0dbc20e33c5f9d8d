"""Issuing access and refresh tokens: the rows and the token response.

Tokens are opaque 32-letter values (Better Auth, surface §1.6, §10) stored
only as SHA-256 digests in django-oauth-toolkit's ``token_checksum``
columns. One issuance is an access token with its context and, when the
grant allows, a refresh token with its context; the refresh context keeps
the scope of the whole grant, which a narrowing refresh does not shrink
(RFC 6749 §6). The grants themselves are in :mod:`.grants`.

A token request costs at most four SQL statements on PostgreSQL: the
client, the grant (code or refresh token, joined with its context), one
conditional UPDATE that makes the grant single use, and one statement
inserting every new row (:mod:`._persist`). Single use is decided by that
UPDATE alone (RFC 6749 §4.1.2, RFC 9700 §4.14.2): of concurrent
redemptions exactly one changes the row, and the winner's tokens are
written in the same transaction, so a loser that then revokes what the
code issued sees them committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import router, transaction
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ..conf import hook, section
from ..models import AccessTokenContext, RefreshTokenContext
from ..oauth.client_auth import AuthenticatedClient
from ..oauth.digests import generate_value, token_digest
from ._persist import Row, Update, persist
from .id_tokens import issue_id_token

__all__ = ["Issue", "mint", "store"]


@dataclass
class Issue:
    """What one issuance needs; the rows and the response are built from it.

    ``scopes`` are the access token's; ``grant_scopes`` the refresh
    token's (the grant's full scope, RFC 6749 §6), ``scopes`` when empty.
    """

    client: AuthenticatedClient
    user: Any
    scopes: list[str]
    grant_type: str
    now: datetime
    session_id: str = ""
    auth_time: datetime | None = None
    nonce: str | None = None
    userinfo_claims: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    refresh_resources: list[str] = field(default_factory=list)
    grant_scopes: list[str] = field(default_factory=list)
    code_digest: str = ""
    family: uuid.UUID | None = None
    refresh: bool = False
    parent: Any = None


def _lifetime(spec: Issue) -> int:
    """The access-token lifetime: the default, capped per scope (surface §1.6)."""
    cfg = section()
    default = (
        cfg.ACCESS_TOKEN_EXPIRES_IN
        if spec.user is not None
        else cfg.M2M_ACCESS_TOKEN_EXPIRES_IN
    )
    seconds = int(default)
    for scope, cap in (cfg.SCOPE_EXPIRATIONS or {}).items():
        if scope in spec.scopes:
            seconds = min(seconds, int(cap))
    return seconds


def _access_rows(spec: Issue, raw: str, expires: datetime) -> list[Row]:
    token = get_access_token_model()(
        user=spec.user,
        application=spec.client.application,
        token="",
        token_checksum=token_digest(raw),
        expires=expires,
        scope=" ".join(spec.scopes),
        resource=list(spec.resources),
        source_refresh_token=spec.parent,
    )
    context = AccessTokenContext(
        session_id=spec.session_id,
        authorization_code=spec.code_digest,
        requested_userinfo_claims=list(spec.userinfo_claims),
    )
    return [Row(token), Row(context, {"access_token_id": 0})]


def _refresh_rows(spec: Issue, raw: str) -> list[Row]:
    """The refresh token (rows 2 and 3), linked to the access token (row 0)."""
    lifetime = timedelta(seconds=int(section().REFRESH_TOKEN_EXPIRES_IN))
    token = get_refresh_token_model()(
        user=spec.user,
        application=spec.client.application,
        token="",
        token_checksum=token_digest(raw),
        token_family=spec.family or uuid.uuid4(),
        resource=list(spec.refresh_resources),
    )
    context = RefreshTokenContext(
        session_id=spec.session_id,
        authorization_code=spec.code_digest,
        scope=" ".join(spec.grant_scopes or spec.scopes),
        auth_time=spec.auth_time,
        requested_userinfo_claims=list(spec.userinfo_claims),
        expires_at=spec.now + lifetime,
    )
    return [Row(token, {"access_token_id": 0}), Row(context, {"refresh_token_id": 2})]


def _with_custom_fields(spec: Issue, body: dict[str, Any]) -> dict[str, Any]:
    """``CUSTOM_TOKEN_RESPONSE_FIELDS`` first, so none overrides a standard one."""
    extra = hook("CUSTOM_TOKEN_RESPONSE_FIELDS")
    if extra is None:
        return body
    fields = extra(
        {
            "grant_type": spec.grant_type,
            "user": spec.user,
            "scopes": list(spec.scopes),
            "client": spec.client.application,
        }
    )
    return {**(fields or {}), **body}


def mint(spec: Issue) -> tuple[dict[str, Any], list[Row]]:
    """The RFC 6749 §5.1 token response and the rows to store (none written)."""
    cfg = section()
    lifetime = _lifetime(spec)
    expires = spec.now + timedelta(seconds=lifetime)
    access = f"{cfg.OPAQUE_ACCESS_TOKEN_PREFIX or ''}{generate_value(32)}"
    rows = _access_rows(spec, access, expires)
    body: dict[str, Any] = {
        "access_token": access,
        "expires_in": lifetime,
        "expires_at": int(expires.timestamp()),
        "token_type": "Bearer",
    }
    if spec.refresh:
        refresh = f"{cfg.REFRESH_TOKEN_PREFIX or ''}{generate_value(32)}"
        rows.extend(_refresh_rows(spec, refresh))
        body["refresh_token"] = refresh
    body["scope"] = " ".join(spec.scopes)
    if spec.user is not None and "openid" in spec.scopes:
        body["id_token"] = issue_id_token(
            user=spec.user,
            client=spec.client.application,
            scopes=spec.scopes,
            auth_time=spec.auth_time,
            session_id=spec.session_id,
            access_token=access,
            now=spec.now,
            nonce=spec.nonce,
        )
    return _with_custom_fields(spec, body), rows


def store(
    rows: Sequence[Row], gate: Callable[[], bool], updates: Sequence[Update] = ()
) -> bool:
    """Run the single-use ``gate`` and, if it wins, write ``rows`` with it.

    No savepoint: nothing inside raises on the expected paths, and an
    outer transaction (ATOMIC_REQUESTS) would only add round trips.
    """
    alias = router.db_for_write(rows[0].instance.__class__)
    with transaction.atomic(using=alias, savepoint=False):
        won = gate()
        if won:
            persist(rows, updates)
    return won
