"""RFC 7591 dynamic client registration at ``/oauth2/register``.

Off unless ``ALLOW_DYNAMIC_CLIENT_REGISTRATION`` (403 ``access_denied``
before anything else is looked at). Three modes, as Better Auth's
(oauth-provider surface §9.1): a signed-in user (owner = the user or the
``CLIENT_REFERENCE`` owner, gated by ``CLIENT_PRIVILEGES``); an initial
access token (RFC 7591 §3, ``Authorization: Bearer``, accepted by the
``VALIDATE_INITIAL_ACCESS_TOKEN`` hook); or open registration with
``ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION``, where the
``client_credentials`` grant is refused. Every answer is ``no-store``.
"""

from __future__ import annotations

import logging
from typing import Any

from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.services.sessions import get_session

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

AUTH_REQUIRED = "Authentication required for client registration"


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


@endpoint("/oauth2/register", "POST")
def register(ctx: Context) -> JSON:
    if not section().ALLOW_DYNAMIC_CLIENT_REGISTRATION:
        raise AccessDenied("Client registration is disabled")
    owner: Any = None
    reference: str | None = None
    authenticated = True
    current = get_session(ctx)
    if current is not None:
        ctx.session = current
        if not service.check_privileges(
            "create",
            user=current.user,
            session=current.session,
            request=ctx.request,
            reference_id=client_reference(ctx),
        ):
            raise forbidden()
        reference = client_reference(ctx)
        owner = None if reference else current.user
    else:
        token = _initial_access_token(ctx)
        if token is not None:
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
            if isinstance(verdict, dict) and verdict.get("reference_id"):
                reference = str(verdict["reference_id"])
        elif section().ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION:
            authenticated = False
        else:
            return JSON(
                {"error_description": AUTH_REQUIRED},
                401,
                {**NO_STORE_HEADERS, "WWW-Authenticate": "Bearer"},
            )
    metadata = ctx.raw_body if ctx.raw_body is not None else {}
    if not isinstance(metadata, dict):
        raise InvalidClientMetadata(
            "Invalid input: expected object, received "
            + ("array" if isinstance(metadata, list) else type(metadata).__name__)
        )
    metadata = {k: v for k, v in metadata.items() if k != "client_credentials_scopes"}
    app, secret = service.create_client(
        metadata,
        owner=owner,
        reference_id=reference,
        dynamic=True,
        authenticated=authenticated,
    )
    return JSON(service.client_json(app, secret=secret), 201, dict(NO_STORE_HEADERS))
