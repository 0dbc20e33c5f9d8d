"""Client authentication at the token, introspection and revocation endpoints.

RFC 6749 §2.3.1: ``client_secret_basic`` (HTTP Basic with the client id
and secret each ``application/x-www-form-urlencoded``-encoded before
base64), ``client_secret_post`` (both in the form body), and ``none``
(public clients send only ``client_id``), and ``private_key_jwt`` (RFC 7523
§2.2, a JWT the client signs with its own key, :mod:`.client_assertion`).
A request may use one method only (§2.3; two is ``invalid_request``, §5.2)
and no parameter more than once (§3.2).

Error semantics are Better Auth's ``extractClientCredentials`` /
``validateClientCredentials`` (oauth-provider surface §1.6): an attempt
through the Authorization header fails with 401 and ``WWW-Authenticate:
Basic`` (RFC 6749 §5.2), other attempts with 400; no credentials at all is
401 ``invalid_client`` "missing required credentials". Better Auth sends
that 401 without a challenge; here it carries ``WWW-Authenticate: Basic``,
since every 401 must name a scheme the client can answer (RFC 9110 §15.5.2).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest

from better_auth import clock
from better_auth.conf import auth_settings

from .. import extensions
from ..conf import issuer, section
from ..errors import InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient
from ..models import ClientProfile
from ..services import client_cache
from ..services._persist import Guard
from ..services.client_jwks import client_key_set
from ..services.client_lookup import MAX_CLIENT_ID, get_client, profile_of
from ..services.client_secrets import verify_client_secret
from .client_assertion import (
    JWT_BEARER,
    assertion_client_id,
    consume_assertion,
    verify_assertion,
)
from .form_params import form_values, single_value

logger = logging.getLogger(__name__)

__all__ = [
    "AuthenticatedClient",
    "CREDENTIAL_FIELDS",
    "authenticate_client",
    "check_grant",
    "check_scopes",
    "form_values",
]

CREDENTIAL_FIELDS = (
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
)
MISSING_CREDENTIALS = "missing required credentials"


def _missing_credentials() -> InvalidClient:
    return InvalidClient(
        MISSING_CREDENTIALS, status=401, headers={"WWW-Authenticate": "Basic"}
    )


@dataclass
class AuthenticatedClient:
    """The authenticated client and how it authenticated."""

    application: Any
    profile: ClientProfile
    # "client_secret_basic", "client_secret_post", "private_key_jwt" or "none".
    method: str
    # Set when the client came from this process's memory: the write that
    # uses it must pass the guard (services.client_cache).
    guard: Guard | None = None

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def is_public(self) -> bool:
        return self.profile.token_endpoint_auth_method == "none"


@dataclass
class _Presented:
    """The credentials a request carries, before any lookup."""

    client_id: str
    secret: str | None
    method: str
    assertion: str | None = None


def _basic_failure(description: str) -> InvalidClient:
    return InvalidClient(description, status=401, headers={"WWW-Authenticate": "Basic"})


def _decode_basic(value: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1 / RFC 7617: base64, then form-decode id and secret."""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _basic_failure("invalid authorization header format") from None
    raw_id, sep, raw_secret = decoded.partition(":")
    if not sep:
        raise _basic_failure("invalid authorization header format")
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if not client_id:
        raise _basic_failure("invalid authorization header format")
    return client_id, secret


def _failure(method: str, description: str) -> InvalidClient:
    if method == "client_secret_basic":
        return _basic_failure(description)
    return InvalidClient(description)


def client_failure(client: AuthenticatedClient, description: str) -> InvalidClient:
    """``invalid_client`` for a client that authenticated but is refused
    afterwards, in the form its authentication method gets (RFC 6749 §5.2)."""
    return _failure(client.method, description)


def _from_header(header: str, body_id: str | None) -> _Presented:
    """``client_secret_basic``: only the Basic scheme authenticates a client."""
    scheme, _, credentials = header.strip().partition(" ")
    if not scheme or not credentials.strip():
        if scheme.lower() == "basic":
            raise _basic_failure("invalid authorization header format")
        raise InvalidRequest("malformed Authorization header")
    if scheme.lower() != "basic":
        raise InvalidClient(
            "unsupported authorization scheme",
            status=401,
            headers={"WWW-Authenticate": scheme},
        )
    client_id, secret = _decode_basic(credentials)
    if body_id is not None and body_id != client_id:
        raise InvalidRequest("client_id does not match the Authorization header")
    return _Presented(client_id, secret, "client_secret_basic")


def _from_assertion(
    assertion: str | None, assertion_type: str | None, body_id: str | None
) -> _Presented:
    """RFC 7521 §4.2: both parameters, the JWT bearer type, one client."""
    if not (assertion and assertion_type):
        raise InvalidClient(
            "client_assertion and client_assertion_type are both required"
        )
    if assertion_type != JWT_BEARER:
        raise InvalidClient("unsupported client_assertion_type")
    client_id = assertion_client_id(assertion)
    if body_id is not None and body_id != client_id:
        raise InvalidClient("client_id does not match the client assertion")
    return _Presented(client_id, None, "private_key_jwt", assertion)


def _presented(request: HttpRequest, values: Mapping[str, list[str]]) -> _Presented:
    """Which method the request uses, refusing mixed or unsupported ones (§2.3)."""
    body_id = single_value(values, "client_id")
    body_secret = single_value(values, "client_secret")
    assertion = single_value(values, "client_assertion")
    assertion_type = single_value(values, "client_assertion_type")
    # META, not request.headers: that builds every header's entry first.
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is not None and not header.strip():
        header = None
    if (header and (body_secret or assertion)) or (body_secret and assertion):
        raise InvalidRequest("A request must use only one client authentication method")
    if assertion or assertion_type:
        return _from_assertion(assertion, assertion_type, body_id)
    if header:
        return _from_header(header, body_id)
    if body_secret is not None:
        if body_id is None:
            raise _missing_credentials()
        return _Presented(body_id, body_secret, "client_secret_post")
    if body_id is not None:
        return _Presented(body_id, None, "none")
    raise _missing_credentials()


def _audiences(request: HttpRequest) -> list[str]:
    """RFC 7523 §3 item 3: the issuer, or the URL of the endpoint called."""
    iss = issuer(request)
    base = auth_settings.BASE_PATH.rstrip("/")
    path = request.path
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    return [iss, iss + path.rstrip("/")]


def _verify_assertion(
    profile: ClientProfile, presented: _Presented, request: HttpRequest
) -> None:
    cfg = section()
    claims = verify_assertion(
        presented.assertion or "",
        client_id=presented.client_id,
        keys=lambda refresh: client_key_set(profile, refresh=refresh),
        audiences=_audiences(request),
        leeway=int(cfg.CLIENT_ASSERTION_LEEWAY),
    )
    consume_assertion(
        claims,
        namespace=f"private_key_jwt:{presented.client_id}",
        max_lifetime=int(cfg.CLIENT_ASSERTION_MAX_LIFETIME),
        leeway=int(cfg.CLIENT_ASSERTION_LEEWAY),
    )


def _verify(
    application: Any, presented: _Presented, request: HttpRequest
) -> AuthenticatedClient:
    """The registered method must be the one used, and its proof must hold."""
    method = presented.method
    profile = profile_of(application)
    if profile.disabled:
        raise _failure(method, "client is disabled")
    registered = profile.token_endpoint_auth_method or "client_secret_basic"
    if registered != method:
        raise _failure(
            method, f"client registered for {registered} cannot use {method}"
        )
    if method == "private_key_jwt":
        _verify_assertion(profile, presented, request)
    elif method != "none":
        if not verify_client_secret(application, presented.secret):
            logger.info("client %s presented an invalid secret", presented.client_id)
            raise _failure(method, "invalid client_secret")
        expires_at = profile.client_secret_expires_at
        if expires_at and expires_at <= clock.now().timestamp():
            raise _failure(method, "client_secret has expired")
    return AuthenticatedClient(application, profile, method)


def _extension_client(
    request: HttpRequest, values: Mapping[str, list[str]]
) -> AuthenticatedClient | None:
    """A client authenticated by a method an extension registered (mTLS, ...).

    Each method says whether the request uses it (None: not this one); the
    client must be registered for the method that recognised it.
    """
    for name in extensions.auth_methods():
        handler = extensions.auth_method(name)
        if handler is None:
            continue
        application = handler(
            extensions.ClientAuthRequest(
                form=values, headers=dict(request.headers), request=request
            )
        )
        if application is None:
            continue
        profile = profile_of(application)
        if profile.disabled:
            raise InvalidClient("client is disabled")
        registered = profile.token_endpoint_auth_method or "client_secret_basic"
        if registered != name:
            raise InvalidClient(f"client registered for {registered} cannot use {name}")
        return AuthenticatedClient(application, profile, name)
    return None


def authenticate_client(
    request: HttpRequest,
    *,
    form: Mapping[str, list[str]] | None = None,
    require_credentials: bool = False,
    known: Any | None = None,
    cached: bool = False,
    fresh: bool = False,
) -> AuthenticatedClient:
    """Identify and authenticate the calling client, or raise ``InvalidClient``.

    ``require_credentials`` refuses public clients (``none``) up front, as
    introspection does (RFC 7662 §2.1: the endpoint requires
    authentication). ``form`` is :func:`form_values` of the request, passed
    when the caller already has it. ``known`` is an application the caller
    already loaded with its profile (the refresh token's): it stands in for
    the lookup when its ``client_id`` is the one presented. ``cached``
    allows a client this process remembers (:mod:`..services.client_cache`);
    the caller must then write through the returned client's ``guard``. A
    remembered client that fails here is read afresh before the request is
    refused. ``fresh`` (with ``cached``) reads the client and remembers it,
    whatever this process held: the result has no guard.
    """
    values = form_values(request) if form is None else form
    extended = _extension_client(request, values)
    if extended is not None:
        if require_credentials and extended.method == "none":
            raise _missing_credentials()
        return extended
    presented = _presented(request, values)
    if require_credentials and presented.method == "none":
        raise _missing_credentials()
    if known is not None and known.client_id == presented.client_id:
        application = known
    elif (
        cached
        and len(presented.client_id) <= MAX_CLIENT_ID
        and (found := client_cache.cached_client(presented.client_id, fresh=fresh))
    ):
        application, guard = found
        if guard is not None:
            try:
                client = _verify(application, presented, request)
            except InvalidClient:
                # Perhaps only stale: decide on the current row.
                client_cache.forget(presented.client_id)
                application = get_client(presented.client_id)
            else:
                client.guard = guard
                return client
    else:
        application = get_client(presented.client_id)
    if application is None:
        raise _failure(presented.method, "invalid client")
    return _verify(application, presented, request)


def check_grant(client: AuthenticatedClient, grant_type: str) -> None:
    """RFC 6749 §5.2 ``unauthorized_client`` for a grant the client lacks."""
    if not client.profile.allows_grant(grant_type):
        raise UnauthorizedClient(f"client is not allowed to use the {grant_type} grant")


def check_scopes(allowed: Iterable[str], requested: Iterable[str]) -> None:
    """RFC 6749 §5.2 ``invalid_scope`` naming every scope outside ``allowed``."""
    allowed_set = set(allowed)
    invalid = [s for s in requested if s not in allowed_set]
    if invalid:
        raise InvalidScope(f"The following scopes are invalid: {', '.join(invalid)}")
