"""Linking: an anonymous user who signs in or up for real is folded into it.

An after-hook on every route that can open a session (Better Auth's list:
sign-in and sign-up, OAuth callbacks, magic link, email OTP, one tap,
passkey, phone number, email verification). When the answer sets a new
session cookie and the request still carried an anonymous user's session,
``ON_LINK_ACCOUNT`` runs (the project moves the guest's data) and the
anonymous user is deleted, unless deletion is disabled or the new session
belongs to the same or another anonymous user. A sign-in stopped for a
second factor opens no session, so nothing is linked until it completes.
"""

from __future__ import annotations

import logging
from typing import Any

from better_auth.api.context import Context
from better_auth.cookies import SESSION_TOKEN, cookie, read_signed
from better_auth.errors import APIError
from better_auth.services.sessions import SessionContext
from better_auth.storage.sessions import session_store

from . import services
from .conf import callable_setting, section

logger = logging.getLogger(__name__)

__all__ = ["LINK_PATH_PREFIXES", "link_after_sign_in"]

LINK_PATH_PREFIXES = (
    "/sign-in",
    "/sign-up",
    "/callback",
    "/magic-link/verify",
    "/email-otp/verify-email",
    "/one-tap/callback",
    "/passkey/verify-authentication",
    "/phone-number/verify",
    "/verify-email",
)


def _new_session_token(ctx: Context) -> str | None:
    """The session token this response sets, if it sets one."""
    value = ctx.jar.value_of(SESSION_TOKEN)
    if not value:
        return None
    return read_signed({cookie(SESSION_TOKEN).name: value}, SESSION_TOKEN)


def link_after_sign_in(ctx: Context, result: Any) -> Any:
    if isinstance(result, APIError) or not ctx.path.startswith(LINK_PATH_PREFIXES):
        return None
    new_token = _new_session_token(ctx)
    old_token = read_signed(ctx.cookies, SESSION_TOKEN)
    if not new_token or not old_token or new_token == old_token:
        return None
    store = session_store()
    anonymous = store.find(old_token)
    if anonymous is None or not anonymous.user.is_anonymous:
        return None
    new = store.find(new_token)
    if new is None:
        return None
    on_link = callable_setting("ON_LINK_ACCOUNT")
    if on_link is not None:
        on_link(
            anonymous_user=SessionContext(anonymous, anonymous.user),
            new_user=SessionContext(new, new.user),
            request=ctx.request,
        )
    if (
        section().DISABLE_DELETE_ANONYMOUS_USER
        or new.user_id == anonymous.user_id
        or new.user.is_anonymous
    ):
        return None
    try:
        services.delete_anonymous_user(anonymous.user)
    except Exception:
        logger.exception(
            "could not delete anonymous user %s after linking", anonymous.user_id
        )
    else:
        logger.info(
            "anonymous user %s linked to user %s", anonymous.user_id, new.user_id
        )
    return None
