"""``GET|POST /oauth2/userinfo``: the OpenID Connect UserInfo endpoint.

OIDC Core §5.3 with RFC 6750 token transport: the ``Authorization`` header
(``Bearer``, or a bare value as Better Auth accepts) or, on POST, a
form-encoded ``access_token`` (§2.2); both at once is refused (§2: one
method per request). A missing token is 401 ``invalid_request``; a bad,
expired, revoked or session-less one is 401 ``invalid_token`` with the
``WWW-Authenticate`` challenge (RFC 6750 §3.1). A session cookie is not an
access token (transcript ``A/userinfo-session-cookie-only``). A JWT access
token is accepted when the UserInfo endpoint is one of its audiences
(RFC 9068 §4: a resource server checks ``aud``; surface §4 rule 9).

A DPoP-bound token (``cnf.jkt``, or the thumbprint stored with an opaque
one) is accepted only on the ``DPoP`` scheme with a proof by its key for
this request carrying ``ath`` (RFC 9449 §7.1); a refused proof is 401 with
a ``WWW-Authenticate: DPoP`` challenge (and ``use_dpop_nonce`` plus a
``DPoP-Nonce`` when nonces are on, §9). The ``DPoP`` scheme with a bearer
token is ``invalid_token``, as in Better Auth.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from better_auth import clock
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint

from ..errors import NO_STORE_HEADERS, InvalidRequest, InvalidScope, InvalidToken
from ..oauth.form_params import form_values, single_value
from ..services.access_tokens import looks_like_jwt, validate_jwt_access_token
from ..services.dpop import nonce_headers, verify_resource_proof
from ..services.introspection import (
    context_of,
    find_access_token,
    token_is_active,
)
from ..services.resources import userinfo_resource
from ..services.userinfo import claims_for, userinfo_claims
from ._common import form_only

__all__: list[str] = []

DPOP_REQUIRED = "DPoP-bound access token requires the DPoP authorization scheme"


def _presented(request: HttpRequest) -> tuple[str, str]:
    """(scheme, token) of the request; refuses none and two transports."""
    header = (request.headers.get("Authorization") or "").strip()
    body_token = None
    if request.method == "POST":
        body_token = single_value(form_values(request), "access_token")
    if header and body_token:
        raise InvalidRequest("Multiple access token transport methods are not allowed")
    if body_token:
        return "bearer", body_token
    if not header:
        # RFC 6750 §3.1: a request without credentials still learns the
        # scheme (RFC 9110 §15.5.2); the body is Better Auth's.
        raise InvalidRequest(
            "access token not found",
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, value = header.partition(" ")
    if not value.strip():
        return "", scheme
    return scheme.lower(), value.strip()


def _enforce_binding(
    request: HttpRequest, scheme: str, value: str, jkt: str
) -> dict[str, str]:
    """RFC 9449 §7.1 for one request; the extra headers of the answer."""
    if jkt and scheme != "dpop":
        raise InvalidToken(DPOP_REQUIRED)
    if scheme != "dpop":
        return {}
    if not jkt:
        raise InvalidToken()
    verify_resource_proof(request, access_token=value, jkt=jkt)
    return nonce_headers()


def _jwt_userinfo(request: HttpRequest, scheme: str, value: str) -> JSON:
    """UserInfo for a JWT access token: by its scopes only (surface §7)."""
    found = validate_jwt_access_token(value)
    if found is None or userinfo_resource() not in found.audience:
        raise InvalidToken()
    extra = _enforce_binding(request, scheme, value, found.jkt)
    sub = found.claims["sub"]
    if sub == found.application.client_id:
        raise InvalidToken()  # a client_credentials token has no user
    user = _user(sub)
    if user is None or not user.is_active:
        raise InvalidToken()
    if "openid" not in found.scopes:
        raise InvalidScope("Missing required scope")
    body = claims_for(user, found.application, found.scopes)
    return JSON(body, 200, {**NO_STORE_HEADERS, **extra})


def _user(sub: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    try:
        return get_user_model().objects.filter(pk=sub).first()
    except (ValueError, TypeError, ValidationError):
        return None


form_only("/oauth2/userinfo")


@endpoint("/oauth2/userinfo", ("GET", "POST"), allow_form=True)
def userinfo(ctx: Context) -> JSON:
    """The claims of the token's user (OIDC Core §5.3.2)."""
    scheme, value = _presented(ctx.request)
    if scheme not in ("", "bearer", "dpop"):
        raise InvalidToken()
    now = clock.now()
    if looks_like_jwt(value):
        return _jwt_userinfo(ctx.request, scheme, value)
    token = find_access_token(value, now)
    if token is None or token.user is None or not token_is_active(token, now):
        raise InvalidToken()
    context = context_of(token)
    jkt = context.dpop_jkt if context is not None else ""
    extra = _enforce_binding(ctx.request, scheme, value, jkt)
    if "openid" not in token.scope.split():
        raise InvalidScope("Missing required scope")
    requested = context.requested_userinfo_claims if context is not None else []
    body = userinfo_claims(token, requested or [])
    return JSON(body, 200, {**NO_STORE_HEADERS, **extra})
