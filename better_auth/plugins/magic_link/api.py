"""Endpoints of the magic-link plugin (core-surface §8.2). Thin: parse, call, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from better_auth.api import schema as s
from better_auth.api.context import Context, Redirect
from better_auth.api.endpoints.email_flows import set_query
from better_auth.api.origin_check import check_redirect_value
from better_auth.api.registry import endpoint
from better_auth.serializers import session_json, user_json
from better_auth.services.sessions import set_session_cookie

from . import services

SIGN_IN = s.Schema(
    {
        "email": s.email(),
        "name": s.string(optional=True),
        "callbackURL": s.string(optional=True),
        "newUserCallbackURL": s.string(optional=True),
        "errorCallbackURL": s.string(optional=True),
        "metadata": s.any_value(optional=True),
    },
    required=True,
)
VERIFY = s.Schema(
    {
        "token": s.string(),
        "callbackURL": s.string(optional=True),
        "newUserCallbackURL": s.string(optional=True),
        "errorCallbackURL": s.string(optional=True),
    }
)
_QUERY_URLS = (
    ("callbackURL", "INVALID_CALLBACK_URL"),
    ("newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
    ("errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
)


@endpoint("/sign-in/magic-link", "POST", body=SIGN_IN, form_csrf=True)
def sign_in_magic_link(ctx: Context) -> dict[str, Any]:
    b = ctx.body
    services.send_link(
        email=b["email"],
        name=b.get("name"),
        auth_url=ctx.info.auth_url,
        callback_url=b.get("callbackURL"),
        new_user_callback_url=b.get("newUserCallbackURL"),
        error_callback_url=b.get("errorCallbackURL"),
        metadata=b.get("metadata"),
        request=ctx.request,
    )
    return {"status": True}


@endpoint("/magic-link/verify", "GET", query=VERIFY)
def magic_link_verify(ctx: Context) -> Any:
    """Redeem a link; failures redirect to ``errorCallbackURL?error=<code>``."""
    q = ctx.query
    # GET skips the global origin check, so the redirect targets are checked
    # here, against the same trusted origins (core-surface §6.1).
    for key, code in _QUERY_URLS:
        check_redirect_value(q.get(key), key, code, ctx.info.trusted_origins)
    base = ctx.info.base_url or ""
    callback = urljoin(base, q.get("callbackURL") or "/")
    error_target = q.get("errorCallbackURL") or callback
    new_user = urljoin(base, q.get("newUserCallbackURL") or callback)
    try:
        redeemed = services.redeem(
            q["token"], ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
        )
    except services.LinkError as error:
        url = set_query(error_target, base, "error", error.code)
        if error.description:
            url = set_query(url, base, "error_description", error.description)
        return Redirect(url)
    set_session_cookie(ctx.jar, redeemed.session, redeemed.user)
    if not q.get("callbackURL"):
        return {
            "token": redeemed.session.token,
            "user": user_json(redeemed.user),
            "session": session_json(redeemed.session),
        }
    return Redirect(new_user if redeemed.is_new_user else callback)
