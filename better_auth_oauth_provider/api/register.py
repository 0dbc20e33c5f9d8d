"""RFC 7591 dynamic client registration at ``/oauth2/register``.

Off unless ``ALLOW_DYNAMIC_CLIENT_REGISTRATION`` (403 ``access_denied``
before anything else is looked at). Three modes, as Better Auth's
(oauth-provider surface §9.1): a signed-in user (owner = the user or the
``CLIENT_REFERENCE`` owner, gated by ``CLIENT_PRIVILEGES``); an initial
access token (RFC 7591 §3, ``Authorization: Bearer``, accepted by the
``VALIDATE_INITIAL_ACCESS_TOKEN`` hook); or open registration with
``ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION``, where the
``client_credentials`` grant is refused. Every answer is ``no-store``.

An initial access token is single use unless the hook says otherwise
(``INITIAL_ACCESS_TOKEN_SINGLE_USE``; a verdict ``{"single_use": False}``
keeps one token reusable): it is recorded with the suite's seen-once store
after the metadata validated and in the transaction that creates the
client, so a refused registration does not spend it and two concurrent
registrations with one token cannot both succeed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction

from better_auth import clock
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.services.sessions import SessionContext, get_session
from better_auth.storage.replay import first_use

from ..conf import hook, section
from ..errors import (
    NO_STORE_HEADERS,
    AccessDenied,
    InvalidClientMetadata,
    InvalidRequest,
    InvalidToken,
    ServerError,
)
from ..services import clients as service
from ._common import client_reference, forbidden

logger = logging.getLogger(__name__)

__all__: list[str] = []

AUTH_REQUIRED = "Authentication required for client registration"
# How long a spent initial access token is remembered when the hook gives
# no expiry of its own.
SPENT_TOKEN_MEMORY = timedelta(days=365)


def _initial_access_token(ctx: Context) -> str | None:
    """The bearer initial access token, or None without an Authorization header."""
    header = ctx.header("Authorization")
    if header is None or not header.strip():
        return None
    parts = header.strip().split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise InvalidRequest(
            "malformed Authorization header",
            status=400,
            headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
        )
    return parts[1]


def _refused_token() -> InvalidToken:
    return InvalidToken(
        "invalid initial access token",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


@dataclass
class _Registrant:
    """Who registers: the owner, the owner reference, and whether the
    request was authenticated at all (open registration is not)."""

    owner: Any = None
    reference: str | None = None
    authenticated: bool = True
    # A single-use initial access token to spend, and until when.
    spend: tuple[str, datetime] | None = None


def _spend_until(verdict: Any) -> datetime:
    """The verdict's ``expires_at`` (epoch seconds or datetime), or a year."""
    expires = verdict.get("expires_at") if isinstance(verdict, dict) else None
    if isinstance(expires, datetime):
        return expires
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        return datetime.fromtimestamp(expires, tz=UTC)
    return clock.now() + SPENT_TOKEN_MEMORY


def _single_use(verdict: Any) -> bool:
    if isinstance(verdict, dict) and "single_use" in verdict:
        return bool(verdict["single_use"])
    return bool(section().INITIAL_ACCESS_TOKEN_SINGLE_USE)


def _session_registrant(ctx: Context, current: SessionContext) -> _Registrant:
    """A signed-in user, allowed to create clients by CLIENT_PRIVILEGES."""
    ctx.session = current
    reference = client_reference(ctx)
    if not service.check_privileges(
        "create",
        user=current.user,
        session=current.session,
        request=ctx.request,
        reference_id=reference,
    ):
        raise forbidden()
    return _Registrant(owner=None if reference else current.user, reference=reference)


def _token_registrant(ctx: Context, token: str) -> _Registrant:
    """RFC 7591 §3: an initial access token the configured hook accepts."""
    validator = hook("VALIDATE_INITIAL_ACCESS_TOKEN")
    if validator is None:
        raise _refused_token()
    try:
        verdict = validator(
            {
                "initial_access_token": token,
                "request": ctx.request,
                "metadata": ctx.raw_body,
            }
        )
    except Exception:
        logger.exception("VALIDATE_INITIAL_ACCESS_TOKEN raised")
        raise ServerError("initial access token validation failed") from None
    if verdict is False or verdict is None:
        raise _refused_token()
    spend = (token, _spend_until(verdict)) if _single_use(verdict) else None
    if isinstance(verdict, dict) and verdict.get("reference_id"):
        return _Registrant(reference=str(verdict["reference_id"]), spend=spend)
    return _Registrant(spend=spend)


def _registrant(ctx: Context) -> _Registrant | None:
    """The registration mode (surface §9.1); None when authentication is due."""
    current = get_session(ctx)
    if current is not None:
        return _session_registrant(ctx, current)
    token = _initial_access_token(ctx)
    if token is not None:
        return _token_registrant(ctx, token)
    if section().ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION:
        return _Registrant(authenticated=False)
    return None


@endpoint("/oauth2/register", "POST")
def register(ctx: Context) -> JSON:
    """Register a client from RFC 7591 §2 metadata; 201 with §3.2.1."""
    if not section().ALLOW_DYNAMIC_CLIENT_REGISTRATION:
        raise AccessDenied("Client registration is disabled")
    registrant = _registrant(ctx)
    if registrant is None:
        return JSON(
            {"error_description": AUTH_REQUIRED},
            401,
            {**NO_STORE_HEADERS, "WWW-Authenticate": "Bearer"},
        )
    metadata = ctx.raw_body if ctx.raw_body is not None else {}
    if not isinstance(metadata, dict):
        kind = "array" if isinstance(metadata, list) else type(metadata).__name__
        raise InvalidClientMetadata(f"Invalid input: expected object, received {kind}")
    metadata = {k: v for k, v in metadata.items() if k != "client_credentials_scopes"}
    if registrant.spend is not None:
        # Refuse bad metadata before the token is spent.
        service.normalize_metadata(
            metadata, dynamic=True, authenticated=registrant.authenticated
        )
    with transaction.atomic():
        if registrant.spend is not None:
            token, until = registrant.spend
            if not first_use("oauth_initial_access_token", token, until):
                logger.warning("initial access token presented again")
                raise _refused_token()
        app, secret = service.create_client(
            metadata,
            owner=registrant.owner,
            reference_id=registrant.reference,
            dynamic=True,
            authenticated=registrant.authenticated,
        )
    return JSON(service.client_json(app, secret=secret), 201, dict(NO_STORE_HEADERS))
