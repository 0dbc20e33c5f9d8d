"""Access and refresh tokens: issuance and the three grants.

Tokens are opaque 32-letter values (Better Auth, surface §1.6, §10) stored
only as SHA-256 digests in django-oauth-toolkit's ``token_checksum``
columns. A token request costs at most four SQL statements in the steady
state on PostgreSQL: the client, the grant (code or refresh token, joined
with its context), one conditional UPDATE that makes the grant single use,
and one statement inserting every new row (data-modifying CTEs). Other
databases insert row by row in the same transaction.

Single use is decided by the conditional UPDATE alone (RFC 6749 §4.1.2,
RFC 9700 §4.14.2): of concurrent redemptions exactly one changes the row.
The winner's tokens are written in the same transaction, so a loser that
then revokes what the code issued sees them committed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import connections, router, transaction
from django.db.models import Model
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.crypto import DecryptionError, decrypt_secret, encrypt_secret

from ..conf import hook, section
from ..errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    UnauthorizedClient,
)
from ..models import AccessTokenContext, GrantContext, RefreshTokenContext
from ..oauth.client_auth import AuthenticatedClient, check_grant
from ..oauth.digests import generate_value, token_digest
from ..oauth.pkce import verify_code_verifier
from .id_tokens import issue_id_token
from .introspection import (
    alive_annotation,
    context_of,
    find_refresh_token,
    session_alive,
)
from .revocation import delete_family, revoke_code_lineage

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_tokens")

__all__ = [
    "IDENTITY_SCOPES",
    "client_credentials_grant",
    "exchange_code",
    "refresh_grant",
]

# Scopes that describe the user; never granted to a client acting for
# itself (surface §1.6 client_credentials).
IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})


# --- persistence -------------------------------------------------------------


@dataclass
class _Row:
    instance: Model
    # attname -> index of an earlier row whose primary key fills it.
    links: dict[str, int] = field(default_factory=dict)


def _persist(rows: Sequence[_Row], updates: Sequence[tuple[Any, Any, dict]]) -> None:
    """Insert ``rows`` in order and apply ``updates`` (model, pk, values).

    On PostgreSQL one statement does it all: each INSERT is a CTE whose
    ``RETURNING`` key feeds the foreign keys of the later ones.
    """
    alias = router.db_for_write(rows[0].instance.__class__)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        _persist_cte(connection, alias, rows, updates)
        return
    for row in rows:
        for attname, index in row.links.items():
            setattr(row.instance, attname, rows[index].instance.pk)
        row.instance.save(force_insert=True, using=alias)
    for model, pk, values in updates:
        model.objects.using(alias).filter(pk=pk).update(**values)


# The statement is built from model metadata only: table and column names
# are quoted identifiers from ``_meta`` and every value is a bound parameter.
def _persist_cte(
    connection: Any, alias: str, rows: Sequence[_Row], updates: Any
) -> None:
    qn = connection.ops.quote_name
    ctes: list[str] = []
    params: list[Any] = []
    for index, row in enumerate(rows):
        meta = row.instance._meta
        columns, values = [], []
        for f in meta.concrete_fields:
            if f is meta.auto_field:
                continue
            columns.append(qn(f.column))
            if f.attname in row.links:
                link = row.links[f.attname]
                source = rows[link].instance._meta.pk.column
                values.append(f"(SELECT {qn(source)} FROM t{link})")  # noqa: S608
                continue
            value = f.pre_save(row.instance, True)
            params.append(f.get_db_prep_save(value, connection))
            values.append("%s")
        target = f"{qn(meta.db_table)} ({', '.join(columns)})"
        row_values = ", ".join(values)
        returning = qn(meta.pk.column)
        insert = f"INSERT INTO {target} VALUES ({row_values})"  # noqa: S608
        insert += f" RETURNING {returning}"
        ctes.append(f"t{index} AS ({insert})")
    for number, (model, pk, changes) in enumerate(updates):
        meta = model._meta
        sets = []
        for name, value in changes.items():
            f = meta.get_field(name)
            sets.append(f"{qn(f.column)} = %s")
            params.append(f.get_db_prep_save(value, connection))
        params.append(meta.pk.get_db_prep_save(pk, connection))
        table, assignments = qn(meta.db_table), ", ".join(sets)
        update = f"UPDATE {table} SET {assignments}"  # noqa: S608
        update += f" WHERE {qn(meta.pk.column)} = %s"
        ctes.append(f"u{number} AS ({update})")
    select = ", ".join(
        f"(SELECT {qn(row.instance._meta.pk.column)} FROM t{i})"  # noqa: S608
        for i, row in enumerate(rows)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} SELECT {select}", params)
        keys = cursor.fetchone()
    for row, key in zip(rows, keys, strict=True):
        for attname, index in row.links.items():
            setattr(row.instance, attname, keys[index])
        row.instance.pk = key
        row.instance._state.adding = False
        row.instance._state.db = alias


# --- issuance ---------------------------------------------------------------


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _lifetime(scopes: Sequence[str], default: int) -> int:
    """The access-token lifetime: the default, capped per scope (surface §1.6)."""
    seconds = int(default)
    for scope, cap in (section().SCOPE_EXPIRATIONS or {}).items():
        if scope in scopes:
            seconds = min(seconds, int(cap))
    return seconds


@dataclass
class _Issue:
    """What one issuance needs; rows are built from it."""

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
    code_digest: str = ""
    family: uuid.UUID | None = None
    refresh: bool = False
    parent: Any = None


def _mint(spec: _Issue) -> tuple[dict[str, Any], list[_Row]]:
    """The token response and the rows to store for it (nothing written)."""
    cfg = section()
    app = spec.client.application
    default = (
        cfg.ACCESS_TOKEN_EXPIRES_IN
        if spec.user is not None
        else cfg.M2M_ACCESS_TOKEN_EXPIRES_IN
    )
    lifetime = _lifetime(spec.scopes, default)
    expires = spec.now + timedelta(seconds=lifetime)
    access = f"{cfg.OPAQUE_ACCESS_TOKEN_PREFIX or ''}{generate_value(32)}"
    token = get_access_token_model()(
        user=spec.user,
        application=app,
        token="",
        token_checksum=token_digest(access),
        expires=expires,
        scope=" ".join(spec.scopes),
        resource=list(spec.resources),
        source_refresh_token=spec.parent,
    )
    rows = [
        _Row(token),
        _Row(
            AccessTokenContext(
                session_id=spec.session_id,
                authorization_code=spec.code_digest,
                requested_userinfo_claims=list(spec.userinfo_claims),
            ),
            {"access_token_id": 0},
        ),
    ]
    body = _standard_body(access, lifetime, expires)

    if spec.refresh:
        refresh = f"{cfg.REFRESH_TOKEN_PREFIX or ''}{generate_value(32)}"
        rows.append(
            _Row(
                get_refresh_token_model()(
                    user=spec.user,
                    application=app,
                    token="",
                    token_checksum=token_digest(refresh),
                    token_family=spec.family or uuid.uuid4(),
                    resource=list(spec.refresh_resources),
                ),
                {"access_token_id": 0},
            )
        )
        rows.append(
            _Row(
                RefreshTokenContext(
                    session_id=spec.session_id,
                    authorization_code=spec.code_digest,
                    auth_time=spec.auth_time,
                    requested_userinfo_claims=list(spec.userinfo_claims),
                    expires_at=spec.now
                    + timedelta(seconds=int(cfg.REFRESH_TOKEN_EXPIRES_IN)),
                ),
                {"refresh_token_id": 2},
            )
        )
        body["refresh_token"] = refresh
    body["scope"] = " ".join(spec.scopes)
    if spec.user is not None and "openid" in spec.scopes:
        body["id_token"] = issue_id_token(
            user=spec.user,
            client=app,
            scopes=spec.scopes,
            auth_time=spec.auth_time,
            session_id=spec.session_id,
            access_token=access,
            now=spec.now,
            nonce=spec.nonce,
        )
    return _with_custom_fields(spec, body), rows


def _standard_body(access: str, lifetime: int, expires: datetime) -> dict[str, Any]:
    return {
        "access_token": access,
        "expires_in": lifetime,
        "expires_at": int(expires.timestamp()),
        "token_type": "Bearer",
    }


def _with_custom_fields(spec: _Issue, body: dict[str, Any]) -> dict[str, Any]:
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


def _store(rows: list[_Row], gate: Callable[[], bool], updates: Sequence = ()) -> bool:
    """Run the single-use ``gate`` and, if it wins, write ``rows`` with it.

    No savepoint: nothing inside raises on the expected paths, and an
    outer transaction (ATOMIC_REQUESTS) would only add round trips.
    """
    alias = router.db_for_write(rows[0].instance.__class__)
    with transaction.atomic(using=alias, savepoint=False):
        won = gate()
        if won:
            _persist(rows, updates)
    return won


# --- resources (RFC 8707) ----------------------------------------------------


def _configured_resources() -> set[str]:
    out = set()
    for entry in section().RESOURCES or []:
        identifier = entry.get("identifier") if isinstance(entry, dict) else entry
        if isinstance(identifier, str):
            out.add(identifier)
    return out


def _check_resources(requested: list[str], granted: Sequence[str]) -> list[str]:
    """RFC 8707 §2.2: token-time resources may only narrow the grant's."""
    for value in requested:
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc or "#" in value:
            raise InvalidTarget(f"requested resource {value} is not a valid URI")
    if not requested:
        return list(granted)
    if granted:
        if any(value not in granted for value in requested):
            raise InvalidTarget("requested resource not authorized")
        return requested
    configured = _configured_resources()
    for value in requested:
        if value not in configured:
            raise InvalidTarget(f"requested resource {value} is not configured")
    return requested


# --- authorization_code (RFC 6749 §4.1.3) ---------------------------------------


def _load_grant(digest: str, now: datetime) -> Any | None:
    qs = get_grant_model().objects.select_related("better_auth_context", "user")
    alive = alive_annotation("better_auth_context__session_id", now)
    if alive is not None:
        qs = qs.annotate(session_alive=alive)
    return qs.filter(code=digest).first()


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


def _burn(grant: Any, now: datetime) -> None:
    """Spend a code whose redemption failed, so it cannot be retried."""
    GrantContext.objects.filter(pk=grant.pk, redeemed_at__isnull=True).update(
        redeemed_at=now
    )


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


def exchange_code(
    client: AuthenticatedClient,
    *,
    code: str,
    redirect_uri: str | None,
    code_verifier: str | None,
    resources: list[str],
) -> dict[str, Any]:
    """Redeem an authorization code for tokens (RFC 6749 §4.1.3, §5.1).

    A code of another client is refused and left usable by its own client
    (a grant is bound to its client, RFC 6749 §4.1.3). A failed binding
    check spends the code. A second redemption revokes every token the
    first one issued.
    """
    now = clock.now()
    digest = token_digest(code)
    grant = _load_grant(digest, now)
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
    try:
        _check_code_binding(client, grant, redirect_uri, code_verifier)
        granted = list(grant.resource or [])
        audience = _check_resources(resources, granted)
    except InvalidGrant:
        _burn(grant, now)
        raise
    user = grant.user
    if not user.is_active:
        raise InvalidGrant("user is not active")
    if ctx.session_id and not session_alive(grant, ctx.session_id, user.pk, now):
        raise InvalidRequest("session no longer exists")

    scopes = _unique(grant.scope.split())
    spec = _Issue(
        client=client,
        user=user,
        scopes=scopes,
        grant_type="authorization_code",
        now=now,
        session_id=ctx.session_id,
        auth_time=ctx.auth_time,
        nonce=grant.nonce or None,
        userinfo_claims=list(ctx.requested_userinfo_claims or []),
        resources=audience,
        refresh_resources=granted or audience,
        code_digest=digest,
        refresh="offline_access" in scopes
        and client.profile.allows_grant("refresh_token"),
    )
    body, rows = _mint(spec)

    def gate() -> bool:
        return (
            GrantContext.objects.filter(pk=grant.pk, redeemed_at__isnull=True).update(
                redeemed_at=now
            )
            == 1
        )

    if not _store(rows, gate):
        # Lost a concurrent redemption: the winner has committed, so what
        # it issued is visible and revoked now (RFC 6749 §4.1.2).
        raise _reject_code(digest, grant, "replayed concurrently")
    logger.info(
        "authorization code %s redeemed by client %s", digest[:8], client.client_id
    )
    return body


# --- refresh_token (RFC 6749 §6) ------------------------------------------------


def _refresh_scopes(row: Any, scope: str | None) -> tuple[list[str], list[str]]:
    """(granted, effective) scopes; narrowing only (RFC 6749 §6)."""
    token = row.access_token
    granted = _unique((token.scope if token is not None else "").split())
    if not scope:
        return granted, granted
    requested = _unique(scope.split())
    for value in requested:
        if value not in granted:
            raise InvalidScope(f"unable to issue scope {value}")
    return granted, requested


def _fingerprint(scopes: Sequence[str], resources: Sequence[str]) -> dict[str, Any]:
    return {"scopes": sorted(set(scopes)), "resources": sorted(set(resources))}


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


def refresh_grant(
    *,
    refresh_token: str,
    scope: str | None,
    resources: list[str],
    authenticate: Callable[[], AuthenticatedClient],
) -> dict[str, Any]:
    """Rotate a refresh token (RFC 6749 §6, OAuth 2.1 §4.3.1).

    The token is looked up before the client authenticates, as Better Auth
    does (so an unknown token is ``invalid_grant`` even with a bad secret);
    only the authenticated owner can make a reused token tear its family
    down. Rotation is a compare-and-set on ``revoked``: one winner.
    """
    now = clock.now()
    row = find_refresh_token(refresh_token, now)
    if row is None:
        raise InvalidGrant("session not found")
    client = authenticate()
    if row.application_id != client.application.pk:
        raise InvalidGrant("invalid refresh token")
    check_grant(client, "refresh_token")
    ctx = context_of(row)
    if ctx is None or row.access_token is None:
        raise InvalidGrant("invalid refresh token")
    if ctx.expires_at is not None and ctx.expires_at <= now:
        raise InvalidGrant("refresh token expired")
    granted, scopes = _refresh_scopes(row, scope)
    fingerprint = _fingerprint(scopes, resources)
    if row.revoked is not None:
        return _refuse_reuse(row, ctx, fingerprint, now)
    full_resources = list(row.resource or [])
    audience = _check_resources(resources, full_resources)

    alive = session_alive(row, ctx.session_id, row.user_id, now)
    spec = _Issue(
        client=client,
        user=row.user,
        scopes=scopes,
        grant_type="refresh_token",
        now=now,
        # A refresh outliving its session is detached from it (Better
        # Auth's session foreign key is set null when the session goes).
        session_id=ctx.session_id if alive else "",
        auth_time=ctx.auth_time,
        userinfo_claims=list(ctx.requested_userinfo_claims or []),
        resources=audience,
        refresh_resources=full_resources,
        code_digest=ctx.authorization_code,
        family=row.token_family,
        refresh="offline_access" in granted,
        parent=row,
    )
    body, rows = _mint(spec)
    window = int(section().REFRESH_TOKEN_RETRY_WINDOW or 0)
    updates = []
    if window > 0:
        record = json.dumps({"request": fingerprint, "response": body})
        updates.append(
            (
                RefreshTokenContext,
                ctx.pk,
                {
                    "replay_response": encrypt_secret(record, auth_settings.SECRET),
                    "replay_expires_at": now + timedelta(seconds=window),
                },
            )
        )
    model = get_refresh_token_model()

    def gate() -> bool:
        changed = model.objects.filter(pk=row.pk, revoked__isnull=True).update(
            revoked=now, updated=now
        )
        return changed == 1

    if _store(rows, gate, updates):
        logger.info("refresh token %s rotated for client %s", row.pk, client.client_id)
        return body
    if window > 0:
        # The concurrent winner may have stored its response by now.
        fresh = RefreshTokenContext.objects.filter(pk=ctx.pk).first()
        replay = _replayed(fresh, fingerprint, now)
        if replay is not None:
            return replay
    raise InvalidGrant("invalid refresh token")


# --- client_credentials (RFC 6749 §4.4) ---------------------------------------


def client_credentials_grant(
    client: AuthenticatedClient, *, scope: str | None, resources: list[str]
) -> dict[str, Any]:
    """An access token for the client itself: no refresh or ID token.

    Scopes come from the client's ``client_credentials_scopes`` ceiling and
    never include the user-identity scopes (surface §1.6).
    """
    if client.is_public:
        raise UnauthorizedClient(
            "public clients cannot use the client_credentials grant"
        )
    check_grant(client, "client_credentials")
    allowed = _unique(client.profile.client_credentials_scopes or [])
    if not allowed:
        raise UnauthorizedClient("client has no authorized client_credentials scopes")
    scopes = _unique(scope.split()) if scope else allowed
    invalid = [s for s in scopes if s not in allowed or s in IDENTITY_SCOPES]
    if invalid:
        raise InvalidScope(
            f"The following client_credentials scopes are invalid: {', '.join(invalid)}"
        )
    audience = _check_resources(resources, [])
    spec = _Issue(
        client=client,
        user=None,
        scopes=scopes,
        grant_type="client_credentials",
        now=clock.now(),
        resources=audience,
    )
    body, rows = _mint(spec)
    _store(rows, lambda: True)
    logger.info("client_credentials token issued to client %s", client.client_id)
    return body
