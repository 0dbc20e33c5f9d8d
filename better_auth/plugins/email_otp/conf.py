"""The ``EMAIL_OTP`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``emailOTP({...})`` options in upper case; durations
are seconds. Callables take the callable itself or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.conf import auth_settings, register_section, section_callable

__all__ = ["DEFAULTS", "SECTION", "callable_setting", "register", "section"]

SECTION = "EMAIL_OTP"

DEFAULTS: dict[str, Any] = {
    # callable(email, otp, type, request) mailing the code; type is
    # "sign-in", "email-verification", "forget-password" or "change-email".
    # The default sends a plain-text email through Django (or Celery).
    "SEND_VERIFICATION_OTP": "better_auth.plugins.email_otp.mail.send_otp",
    # callable(email, type) -> str | None; None falls back to random digits.
    "GENERATE_OTP": None,
    "OTP_LENGTH": 6,
    "EXPIRES_IN": 300,
    # Wrong guesses allowed per code; the next one gets 403 TOO_MANY_ATTEMPTS.
    "ALLOWED_ATTEMPTS": 3,
    # "hashed" (SHA-256, the default here) or "plain" (Better Auth's default).
    "STORE_OTP": "hashed",
    # Refuse to create users on /sign-in/email-otp (400 INVALID_OTP).
    "DISABLE_SIGN_UP": False,
    # Mail an email-verification code after every sign-up.
    "SEND_VERIFICATION_ON_SIGN_UP": False,
    "CHANGE_EMAIL": {
        "ENABLED": False,
        # Also require a code sent to the current address.
        "VERIFY_CURRENT_EMAIL": False,
    },
}


def register() -> None:
    register_section(SECTION, "better_auth_email_otp", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def callable_setting(name: str) -> Callable[..., Any] | None:
    return section_callable(SECTION, name)
