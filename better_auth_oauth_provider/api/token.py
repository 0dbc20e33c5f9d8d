"""``POST /oauth2/token``: the token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6).

Form-encoded bodies only (RFC 6749 §3.2; a JSON body is 415 as Better Auth
answers it, before anything else). Every answer, errors included, carries
``Cache-Control: no-store`` and ``Pragma: no-cache`` (§5.1). No parameter
may appear twice (§3.2); ``resource`` is the one repeatable parameter
(RFC 8707 §2). Unsupported grant types are refused before any credential
is looked at (surface §1.6).

A ``DPoP`` header is checked by the grant once it knows which key, if any,
the code or refresh token is bound to (RFC 9449 §5); with server nonces
on, every answer carries a fresh ``DPoP-Nonce`` (§8.2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint

from .. import extensions
from ..conf import section
from ..errors import (
    NO_STORE_HEADERS,
    InvalidRequest,
    OAuthError,
    UnsupportedGrantType,
)
from ..oauth.client_auth import (
    AuthenticatedClient,
    authenticate_client,
    check_grant,
    client_failure,
)
from ..oauth.form_params import form_values, single_values
from ..services import client_cache
from ..services.dpop import nonce_headers, token_binder
from ..services.grants import client_credentials_grant, exchange_code, refresh_grant
from ..services.grants.client_credentials import StaleClient
from ._common import form_only

__all__: list[str] = []

Params = dict[str, str | None]

SUPPORTED_GRANTS = ("authorization_code", "client_credentials", "refresh_token")
TOKEN_PARAMS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
)


def _resources(form: Mapping[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(v for v in form.get("resource", []) if v))


def _authenticator(
    ctx: Context, form: Mapping[str, list[str]], grant_type: str | None
) -> Callable[..., AuthenticatedClient]:
    """Client authentication, reusing a client already loaded; with
    ``grant_type``, the client must be allowed that grant (§5.2)."""

    def authenticate(
        known: Any = None, cached: bool = False, fresh: bool = False
    ) -> AuthenticatedClient:
        client = authenticate_client(
            ctx.request, form=form, known=known, cached=cached, fresh=fresh
        )
        if grant_type is not None:
            check_grant(client, grant_type)
        return client

    return authenticate


def _refresh(
    ctx: Context, form: Mapping[str, list[str]], params: Params
) -> dict[str, Any]:
    if not params["refresh_token"]:
        raise InvalidRequest("Missing a required refresh_token for refresh_token grant")
    # The grant checks the grant type itself, after matching the token to
    # the client: a foreign token is invalid_grant first.
    return refresh_grant(
        refresh_token=params["refresh_token"],
        scope=params["scope"],
        resources=_resources(form),
        authenticate=_authenticator(ctx, form, None),
        dpop=token_binder(ctx.request),
    )


def _client_credentials(
    ctx: Context,
    form: Mapping[str, list[str]],
    params: Params,
    authenticate: Callable[..., AuthenticatedClient],
) -> dict[str, Any]:
    """The grant with the client this process remembers, when it has it.

    Whatever a remembered client makes fail (its scopes, its grant types,
    the guard of the insert) is decided again on a fresh read, so a stale
    memory can neither refuse nor allow anything. That second pass checks
    the client's credentials again, so requests whose proofs are single
    use are served uncached: a DPoP proof's ``jti`` (RFC 9449 §11.1) and a
    client assertion's (RFC 7523 §3). A token insert that loses its client
    to a concurrent deletion (the foreign key) is decided on a fresh read
    too: ``invalid_client``, not a server error.
    """

    def run(client: AuthenticatedClient) -> dict[str, Any]:
        return client_credentials_grant(
            client,
            scope=params["scope"],
            resources=_resources(form),
            dpop=token_binder(ctx.request),
        )

    single_use = "HTTP_DPOP" in ctx.request.META or "client_assertion" in form
    client = authenticate(cached=not single_use)
    try:
        return run(client)
    except StaleClient:
        pass
    except OAuthError:
        if client.guard is None:
            raise
    client_cache.forget(client.client_id)
    # Read afresh (and remembered again), whatever another thread has put
    # back meanwhile: no guard this time.
    fresh = authenticate(cached=not single_use, fresh=True)
    try:
        return run(fresh)
    except StaleClient:
        raise client_failure(fresh, "invalid client") from None


def _grant(
    ctx: Context, form: Mapping[str, list[str]], params: Params
) -> dict[str, Any]:
    """Run the requested grant; each authenticates the client in its turn."""
    grant_type = params["grant_type"]
    if grant_type == "refresh_token":
        return _refresh(ctx, form, params)
    authenticate = _authenticator(ctx, form, grant_type)
    handler = extensions.grant_handler(grant_type or "")
    if handler is not None:
        return handler(
            extensions.TokenRequest(
                grant_type=grant_type or "",
                form=form,
                params=params,
                resources=_resources(form),
                authenticate=authenticate,
                request=ctx.request,
            )
        )
    if grant_type == "client_credentials":
        # The grant checks the grant type itself, inside the retry that
        # decides a remembered client's refusals on a fresh read.
        return _client_credentials(ctx, form, params, _authenticator(ctx, form, None))
    return exchange_code(
        code=params["code"],
        redirect_uri=params["redirect_uri"],
        code_verifier=params["code_verifier"],
        resources=_resources(form),
        authenticate=authenticate,
        dpop=token_binder(ctx.request),
    )


form_only("/oauth2/token", no_store=True)


@endpoint("/oauth2/token", "POST", allow_form=True)
def token(ctx: Context) -> JSON:
    """Dispatch the grant; the body is the RFC 6749 §5.1 token response."""
    try:
        body = _dispatch(ctx)
    except OAuthError as error:
        error.headers.update(nonce_headers())
        raise
    return JSON(body, 200, {**NO_STORE_HEADERS, **nonce_headers()})


def _dispatch(ctx: Context) -> dict[str, Any]:
    form = form_values(ctx.request)
    if not form:
        # Better Auth's schema error for a body-less request (transcript
        # A/token-missing-grant).
        raise InvalidRequest("Invalid input: expected object, received undefined")
    params = single_values(form, (*TOKEN_PARAMS, *extensions.grant_params()))
    grant_type = params["grant_type"]
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    builtin = grant_type in SUPPORTED_GRANTS and grant_type in section().GRANT_TYPES
    if not builtin and extensions.grant_handler(grant_type) is None:
        raise UnsupportedGrantType(f"unsupported grant_type {grant_type}")
    return _grant(ctx, form, params)
