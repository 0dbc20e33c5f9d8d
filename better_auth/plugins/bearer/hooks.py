"""The bearer plugin's before- and after-hook.

Before: a verified ``Authorization: Bearer`` credential replaces the session
cookie of the request, so every endpoint and the session requirement read
it as if a browser had sent the cookie. The origin check has already run
by then and only looked at real ``Cookie`` headers, as in Better Auth.

After: an answer that sets a non-empty session cookie repeats its value in
``set-auth-token`` (the percent-encoded signed value, as in ``Set-Cookie``).
"""

from __future__ import annotations

from typing import Any

from better_auth.api.context import Context
from better_auth.conf import auth_settings
from better_auth.cookies import SESSION_TOKEN, cookie
from better_auth.crypto import encode_cookie_value, sign_cookie_value
from better_auth.hooks import expose_header
from better_auth.services.bearer import bearer_credential, token_from_bearer

from .conf import section

__all__ = ["AUTH_TOKEN_HEADER", "expose_session_token", "session_from_authorization"]

AUTH_TOKEN_HEADER = "set-auth-token"


def session_from_authorization(ctx: Context) -> None:
    credential = bearer_credential(ctx.request.headers.get("authorization"))
    if credential is None:
        return None
    token = token_from_bearer(credential, require_signature=section().REQUIRE_SIGNATURE)
    if not token:
        return None
    signed = sign_cookie_value(token, auth_settings.SECRET)
    ctx.request.COOKIES[cookie(SESSION_TOKEN).name] = encode_cookie_value(signed)
    return None


def expose_session_token(ctx: Context, result: Any) -> None:
    value = ctx.jar.value_of(SESSION_TOKEN)
    if not value:
        return None
    ctx.headers[AUTH_TOKEN_HEADER] = value
    expose_header(ctx, AUTH_TOKEN_HEADER)
    return None
