"""The sign-in interception: an after-hook on the password sign-in paths.

When the signed-in user has two-factor on and the device is not trusted,
the session the sign-in just made is deleted, its cookies expired (the
``dont_remember`` choice kept for the final session) and the answer
replaced by ``{"twoFactorRedirect": true, "twoFactorMethods": [...]}`` with
a signed ``two_factor`` challenge cookie (core-surface §8.4). A trusted
device passes, and its cookie is rotated.
"""

from __future__ import annotations

import logging
from typing import Any

from better_auth.api.context import JSON, Context
from better_auth.cookies import SESSION_DATA, SESSION_TOKEN
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.storage import verifications
from better_auth.storage.sessions import session_store

from .challenge import (
    TRUST_DEVICE,
    device_is_trusted,
    issue_trust_device,
    open_challenge,
    read_trust_device,
)
from .conf import section, send_otp
from .models import TwoFactor

logger = logging.getLogger(__name__)

__all__ = ["SIGN_IN_PATHS", "intercept_sign_in"]

SIGN_IN_PATHS = frozenset(
    {"/sign-in/email", "/sign-in/username", "/sign-in/phone-number"}
)


def _signed_in(result: Any) -> tuple[str, str] | None:
    """``(session token, user id)`` of a successful sign-in answer."""
    body = result.body if isinstance(result, JSON) else result
    if isinstance(result, JSON) and result.status != 200:
        return None
    if not isinstance(body, dict):
        return None
    token, user = body.get("token"), body.get("user")
    if not isinstance(token, str) or not isinstance(user, dict):
        return None
    user_id = user.get("id")
    return (token, user_id) if isinstance(user_id, str) else None


def intercept_sign_in(ctx: Context, result: Any) -> Any:
    if ctx.path not in SIGN_IN_PATHS or isinstance(result, APIError):
        return None
    found = _signed_in(result)
    if found is None:
        return None
    token, user_id = found
    user = User.objects.filter(pk=user_id, two_factor_enabled=True).first()
    if user is None:
        return None
    trusted = read_trust_device(ctx)
    if trusted is not None and device_is_trusted(ctx, user):
        verifications.delete(trusted[1])
        issue_trust_device(ctx, user)
        return None
    if trusted is not None:
        ctx.jar.expire(TRUST_DEVICE)
    session_store().delete(token)
    ctx.jar.expire(SESSION_TOKEN)
    ctx.jar.expire(SESSION_DATA)
    open_challenge(ctx, user)
    methods = []
    if (
        not section().TOTP_OPTIONS.DISABLE
        and TwoFactor.objects.filter(user=user, verified=True).exists()
    ):
        methods.append("totp")
    if send_otp() is not None:
        methods.append("otp")
    logger.info("sign-in of user %s awaits a second factor", user.pk)
    return {"twoFactorRedirect": True, "twoFactorMethods": methods}
