"""``SEND_VERIFICATION_ON_SIGN_UP``: mail a verification code after sign-up.

An after-hook on the ``/sign-up`` paths, as Better Auth's. The answer is
never changed, so a duplicate (synthetic) sign-up still looks like a new
one; a code is only mailed to an existing, unverified account.
"""

from __future__ import annotations

from typing import Any

from better_auth.api.context import JSON, Context
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.models.user import normalize_email

from . import codes, services
from .conf import section

__all__ = ["send_on_sign_up"]


def send_on_sign_up(ctx: Context, result: Any) -> None:
    if not ctx.path.startswith("/sign-up") or isinstance(result, APIError):
        return None
    if not section().SEND_VERIFICATION_ON_SIGN_UP:
        return None
    body = result.body if isinstance(result, JSON) else result
    user = body.get("user") if isinstance(body, dict) else None
    email = user.get("email") if isinstance(user, dict) else None
    if not isinstance(email, str):
        return None
    email = normalize_email(email)
    if not User.objects.filter(email=email, email_verified=False).exists():
        return None
    otp = codes.issue("email-verification", email, email)
    services.send_code(email, otp, "email-verification", ctx.request)
    return None
