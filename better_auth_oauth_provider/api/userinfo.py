"""``GET|POST /oauth2/userinfo``: the OpenID Connect UserInfo endpoint.

OIDC Core §5.3 with RFC 6750 token transport: the ``Authorization`` header
(``Bearer``, or a bare value as Better Auth accepts) or, on POST, a
form-encoded ``access_token`` (§2.2); both at once is refused (§2: one
method per request). A missing token is 401 ``invalid_request``; a bad,
expired, revoked or session-less one is 401 ``invalid_token`` with the
``WWW-Authenticate`` challenge (RFC 6750 §3.1). A session cookie is not an
access token (transcript ``A/userinfo-session-cookie-only``).
"""

from __future__ import annotations

from django.http import HttpRequest

from better_auth import clock
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint

from ..errors import NO_STORE_HEADERS, InvalidRequest, InvalidScope, InvalidToken
from ..oauth.form_params import form_values, single_value
from ..services.introspection import (
    context_of,
    find_access_token,
    token_is_active,
)
from ..services.userinfo import userinfo_claims
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
        raise InvalidRequest("access token not found", status=401)
    scheme, _, value = header.partition(" ")
    if not value.strip():
        return "", scheme
    return scheme.lower(), value.strip()


form_only("/oauth2/userinfo")


@endpoint("/oauth2/userinfo", ("GET", "POST"), allow_form=True)
def userinfo(ctx: Context) -> JSON:
    """The claims of the token's user (OIDC Core §5.3.2)."""
    scheme, value = _presented(ctx.request)
    if scheme not in ("", "bearer", "dpop"):
        raise InvalidToken()
    now = clock.now()
    token = find_access_token(value, now)
    if token is None or token.user is None or not token_is_active(token, now):
        raise InvalidToken()
    context = context_of(token)
    bound = bool(context is not None and context.dpop_jkt)
    if bound and scheme != "dpop":
        raise InvalidToken(DPOP_REQUIRED)
    if scheme == "dpop":
        # SPEC-GAP(RFC 9449 §7.1): DPoP proofs are not verified here, so a
        # DPoP-scheme request cannot be accepted.
        raise InvalidToken()
    if "openid" not in token.scope.split():
        raise InvalidScope("Missing required scope")
    requested = context.requested_userinfo_claims if context is not None else []
    return JSON(userinfo_claims(token, requested or []), 200, dict(NO_STORE_HEADERS))
