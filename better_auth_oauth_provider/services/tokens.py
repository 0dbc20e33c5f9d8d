"""Issuing access and refresh tokens: the rows and the token response.

Without a resource, the access token is an opaque 32-letter value (Better
Auth, surface §1.6, §10) stored only as a SHA-256 digest in
django-oauth-toolkit's ``token_checksum`` column. With resources (RFC 8707)
it is a JWT (RFC 9068: header ``typ: at+jwt``) for their audience, signed
from the key store, and verified statelessly wherever it is presented; like
Better Auth's, it has no row of its own (surface §3 "opaque tokens only"),
so it cannot be revoked before it expires. When a refresh token comes with
it, the refresh row still needs the access-token row django-oauth-toolkit's
schema hangs it from (its ``cleartokens`` deletes refresh tokens without
one), so an anchor row is written under the digest of a random value that
is never handed out, so no presented token can match it. Refresh tokens
stay opaque.

One issuance is an access token with its context and, when the grant
allows, a refresh token with its context; the refresh context keeps the
scope of the whole grant, which a narrowing refresh does not shrink
(RFC 6749 §6). The grants themselves are in :mod:`.grants`.

A token request costs at most three SQL statements on PostgreSQL, and no
``BEGIN`` / ``COMMIT``: the grant (code or refresh token, joined with its
client and context; the client itself for client_credentials), the
resource policy when resources are named (rows and client links in one
query), and one statement that makes the grant single use and inserts
every new row (:mod:`._persist`); a JWT without a refresh token inserts
nothing, so its claim is an UPDATE of its own. A request that sends a
DPoP proof costs one statement more, the atomic insert recording the
proof's ``jti`` (RFC 9449 §11.1; a cache operation instead with
``SECONDARY_STORAGE``).

DPoP (RFC 9449 §5): the grant checks the proof and hands its key
thumbprint in as :attr:`Issue.dpop_jkt`; the response is then
``token_type: DPoP``, a JWT access token carries ``cnf.jkt`` and the
opaque access and refresh rows keep the thumbprint, which a refresh of a
bound token must prove again. Single use is decided by the conditional
UPDATE of the claim alone (RFC 6749 §4.1.2, RFC 9700 §4.14.2): of
concurrent redemptions exactly one changes the row, and the winner's
tokens are written in the same statement (or transaction), so a loser
that then revokes what the code issued sees them committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ..conf import hook, issuer, section
from ..errors import InvalidDpopProof, InvalidGrant, OAuthError
from ..models import AccessTokenContext, RefreshTokenContext
from ..oauth.client_auth import AuthenticatedClient, client_failure
from ..oauth.digests import generate_value, token_digest
from ..oauth.resource_indicators import ResourcePolicy
from ._persist import Gate, Row, Update, persist
from .access_tokens import access_token_claims, sign_access_token
from .id_tokens import issue_id_token

__all__ = ["Issue", "mint", "store", "store_issuance"]


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
    # What the resources impose; None or an empty audience: opaque token.
    policy: ResourcePolicy | None = None
    # RFC 7638 thumbprint of the DPoP key the tokens are bound to; "" for
    # bearer tokens.
    dpop_jkt: str = ""

    @property
    def audience(self) -> str | list[str] | None:
        return self.policy.audience if self.policy is not None else None


def _lifetime(spec: Issue) -> int:
    """The access-token lifetime: the default, capped per scope and per
    resource (surface §1.6)."""
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
    if spec.policy is not None and spec.policy.access_token_ttl:
        seconds = min(seconds, int(spec.policy.access_token_ttl))
    return seconds


def _refresh_lifetime(spec: Issue) -> int:
    """The provider default, capped by the resources (surface §4 rule 5)."""
    seconds = int(section().REFRESH_TOKEN_EXPIRES_IN)
    if spec.policy is not None and spec.policy.refresh_token_ttl:
        seconds = min(seconds, int(spec.policy.refresh_token_ttl))
    return seconds


def _access_rows(spec: Issue, raw: str, expires: datetime) -> list[Row]:
    """The access token (rows 0 and 1); for a JWT, ``raw`` is its anchor.

    The context row is left out when it would hold only defaults and no
    refresh token follows (whose rows would point at index 1 and 2).
    """
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
    if not spec.refresh and not (
        spec.session_id or spec.code_digest or spec.userinfo_claims or spec.dpop_jkt
    ):
        # Nothing to carry (a client's own bearer token): no context row, read
        # as the defaults, as for a token django-oauth-toolkit wrote itself.
        return [Row(token)]
    context = AccessTokenContext(
        session_id=spec.session_id,
        authorization_code=spec.code_digest,
        requested_userinfo_claims=list(spec.userinfo_claims),
        dpop_jkt=spec.dpop_jkt,
    )
    return [Row(token), Row(context, {"access_token_id": 0})]


def _refresh_rows(spec: Issue, raw: str) -> list[Row]:
    """The refresh token (rows 2 and 3), linked to the access token (row 0)."""
    lifetime = timedelta(seconds=_refresh_lifetime(spec))
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
        dpop_jkt=spec.dpop_jkt,
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


def _jwt(spec: Issue, expires: datetime) -> str:
    """The signed JWT access token (RFC 9068 §2)."""
    assert spec.policy is not None
    jti = generate_value(32, digits=True)
    claims = access_token_claims(
        user=spec.user,
        client=spec.client.application,
        scopes=spec.scopes,
        audience=spec.policy.audience,
        resources=[r for r in spec.policy.resources],
        resource_claims=spec.policy.custom_claims,
        session_id=spec.session_id,
        iss=issuer(),
        iat=int(spec.now.timestamp()),
        exp=int(expires.timestamp()),
        jti=jti,
        jkt=spec.dpop_jkt,
    )
    return sign_access_token(
        claims,
        alg=spec.policy.signing_algorithm or None,
        kid=spec.policy.signing_key_id or None,
    )


def mint(spec: Issue) -> tuple[dict[str, Any], list[Row]]:
    """The RFC 6749 §5.1 token response and the rows to store (none written)."""
    cfg = section()
    if spec.policy is not None and spec.policy.dpop_required and not spec.dpop_jkt:
        # The grant requires the proof first; this is the last line against
        # a bearer token for a resource that accepts only bound ones.
        raise InvalidDpopProof("DPoP proof header is required")
    lifetime = _lifetime(spec)
    expires = spec.now + timedelta(seconds=lifetime)
    rows: list[Row] = []
    if spec.audience:
        access = _jwt(spec, expires)
        if spec.refresh:
            # The anchor is never disclosed (not even derivable from the JWT,
            # whose jti is public), so it is no second access token.
            rows = _access_rows(spec, generate_value(48, digits=True), expires)
    else:
        access = f"{cfg.OPAQUE_ACCESS_TOKEN_PREFIX or ''}{generate_value(32)}"
        rows = _access_rows(spec, access, expires)
    body: dict[str, Any] = {
        "access_token": access,
        "expires_in": lifetime,
        "expires_at": int(expires.timestamp()),
        "token_type": "DPoP" if spec.dpop_jkt else "Bearer",
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
    rows: Sequence[Row], claim: Gate | None = None, updates: Sequence[Update] = ()
) -> bool:
    """Run the single-use ``claim`` and, if it wins, write ``rows`` with it.

    On PostgreSQL a claim with rows is one statement (:mod:`._persist`),
    atomic on its own, so no transaction is opened around it. Elsewhere the
    claim and the writes share a transaction, without a savepoint: nothing
    inside raises on the expected paths, and an outer transaction
    (ATOMIC_REQUESTS) would only add round trips. A JWT issued without a
    refresh token has no rows; then a claim without updates is one
    statement too.
    """
    model = rows[0].instance.__class__ if rows else get_access_token_model()
    alias = router.db_for_write(model)
    if not rows and not updates:
        return claim is None or claim.run(alias)
    if rows and connections[alias].vendor == "postgresql":
        return persist(rows, updates, claim)
    with transaction.atomic(using=alias, savepoint=False):
        won = claim is None or claim.run(alias)
        if won and rows:
            persist(rows, updates)
        elif won:
            for update_model, pk, values in updates:
                update_model._default_manager.using(alias).filter(pk=pk).update(
                    **values
                )
    return won


def store_issuance(
    rows: Sequence[Row],
    claim: Gate,
    client: AuthenticatedClient,
    updates: Sequence[Update] = (),
) -> bool:
    """:func:`store` for a grant redemption, whose rows point at its client
    and user.

    Those foreign keys are checked when the write commits (they are
    deferred), so a client or user deleted while the rows were being
    written fails the commit and nothing is written. The request then gets
    what the next one would: ``invalid_client`` when the client is gone,
    else ``invalid_grant`` (the user's deletion took the grant with it).
    """
    try:
        return store(rows, claim, updates)
    except IntegrityError:
        raise _vanished(client) from None


def _vanished(client: AuthenticatedClient) -> OAuthError:
    application = client.application
    manager = type(application)._default_manager
    if not manager.filter(pk=application.pk).exists():
        return client_failure(client, "invalid client")
    return InvalidGrant("invalid grant")
