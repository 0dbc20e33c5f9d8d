"""Error codes of the email OTP plugin (Better Auth ``EMAIL_OTP_ERROR_CODES``)."""

from __future__ import annotations

from better_auth.errors import register_codes

__all__ = ["CODES", "register"]

CODES: dict[str, str] = {
    "OTP_EXPIRED": "OTP expired",
    "INVALID_OTP": "Invalid OTP",
    "TOO_MANY_ATTEMPTS": "Too many attempts",
}


def register() -> None:
    register_codes(CODES)
