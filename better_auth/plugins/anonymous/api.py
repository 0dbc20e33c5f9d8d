"""Endpoints of the anonymous plugin (core-surface §8.11)."""

from __future__ import annotations

from typing import Any

from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.cookies import SESSION_TOKEN, read_signed
from better_auth.errors import APIError
from better_auth.serializers import user_json
from better_auth.services.sessions import clear_session_cookies, set_session_cookie
from better_auth.storage.sessions import session_store

from . import services
from .conf import section


@endpoint("/sign-in/anonymous", "POST")
def sign_in_anonymous(ctx: Context) -> dict[str, Any]:
    token = read_signed(ctx.cookies, SESSION_TOKEN)
    if token:
        existing = session_store().find(token)
        if existing is not None and existing.user.is_anonymous:
            raise APIError(400, "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY")
    user, session = services.sign_in_anonymous(
        ctx.request, ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
    )
    set_session_cookie(ctx.jar, session, user)
    return {"token": session.token, "user": user_json(user)}


@endpoint("/delete-anonymous-user", "POST", session="sensitive")
def delete_anonymous_user(ctx: Context) -> dict[str, bool]:
    if section().DISABLE_DELETE_ANONYMOUS_USER:
        raise APIError(400, "DELETE_ANONYMOUS_USER_DISABLED")
    user = ctx.session.user
    if not user.is_anonymous:
        raise APIError(403, "USER_IS_NOT_ANONYMOUS")
    services.delete_anonymous_user(user)
    clear_session_cookies(ctx.jar)
    return {"success": True}
