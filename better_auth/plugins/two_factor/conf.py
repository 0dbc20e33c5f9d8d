"""The ``TWO_FACTOR`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``twoFactor({...})`` options in upper case; durations
are seconds unless the key says otherwise. Callables (``OTP_OPTIONS.SEND_OTP``)
take the callable itself or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from better_auth.conf import auth_settings, register_section

__all__ = ["DEFAULTS", "SECTION", "register", "section", "send_otp"]

SECTION = "TWO_FACTOR"
DAY = 24 * 60 * 60

DEFAULTS: dict[str, Any] = {
    # Issuer shown by authenticator apps; None = APP_NAME.
    "ISSUER": None,
    # Let users without a password (passwordless or social sign-in) enable,
    # disable and manage two-factor without one.
    "ALLOW_PASSWORDLESS": False,
    # Turn TOTP on at enable time instead of after the first verify-totp.
    "SKIP_VERIFICATION_ON_ENABLE": False,
    # Lifetime of the sign-in challenge (the signed two_factor cookie).
    "TWO_FACTOR_COOKIE_MAX_AGE": 600,
    # Lifetime of a trusted device (the signed trust_device cookie).
    "TRUST_DEVICE_MAX_AGE": 30 * DAY,
    # Verification attempts per sign-in challenge.
    "ALLOWED_ATTEMPTS_PER_CHALLENGE": 5,
    "TOTP_OPTIONS": {
        "DISABLE": False,
        "DIGITS": 6,
        "PERIOD": 30,
    },
    "OTP_OPTIONS": {
        # callable(user, otp, request) delivering the code (email, SMS);
        # None disables the OTP method.
        "SEND_OTP": None,
        # Code lifetime in minutes, as Better Auth's ``period``.
        "PERIOD": 3,
        "DIGITS": 6,
        "ALLOWED_ATTEMPTS": 5,
        # "hashed" (SHA-256, the default here) or "plain" (Better Auth's
        # default). A hashed code is useless to whoever reads the database.
        "STORE_OTP": "hashed",
    },
    "BACKUP_CODE_OPTIONS": {
        "AMOUNT": 10,
        "LENGTH": 10,
    },
    # Consecutive failed verifications across challenges and factors before
    # the account is locked (NIST SP 800-63B §5.2.2 throttling).
    "ACCOUNT_LOCKOUT": {
        "ENABLED": True,
        "MAX_FAILED_ATTEMPTS": 10,
        "DURATION_SECONDS": 900,
    },
}


def register() -> None:
    register_section(SECTION, "better_auth_two_factor", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def send_otp() -> Callable[..., Any] | None:
    """The configured OTP sender, resolved from a dotted path if needed."""
    value = section().OTP_OPTIONS.SEND_OTP
    if value is None or callable(value):
        return value
    try:
        return import_string(value)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"BETTER_AUTH TWO_FACTOR.OTP_OPTIONS.SEND_OTP = {value!r} "
            f"cannot be imported: {error}"
        ) from None
