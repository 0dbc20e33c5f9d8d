"""Error codes of the two-factor plugin (Better Auth ``TWO_FACTOR_ERROR_CODES``).

Codes and messages are API: the JavaScript client compares ``error.code``.
"""

from __future__ import annotations

from better_auth.errors import register_codes

__all__ = ["CODES", "register"]

CODES: dict[str, str] = {
    "OTP_NOT_ENABLED": "OTP not enabled",
    "OTP_NOT_CONFIGURED": "OTP is not available",
    "OTP_HAS_EXPIRED": "OTP has expired",
    "TOTP_NOT_ENABLED": "TOTP not enabled",
    "TOTP_ALREADY_ENABLED": "TOTP is already enabled",
    "TOTP_NOT_CONFIGURED": "TOTP is not available",
    "TWO_FACTOR_NOT_ENABLED": "Two factor isn't enabled",
    "BACKUP_CODES_NOT_ENABLED": "Backup codes aren't enabled",
    "INVALID_BACKUP_CODE": "Invalid backup code",
    "INVALID_CODE": "Invalid code",
    "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE": (
        "Too many attempts. Please request a new code."
    ),
    "ACCOUNT_TEMPORARILY_LOCKED": (
        "Too many failed verification attempts. Your account is temporarily "
        "locked. Please try again later."
    ),
    "INVALID_TWO_FACTOR_COOKIE": "Invalid two factor cookie",
    "FAILED_TO_INVALIDATE_TWO_FACTOR_CHALLENGE": (
        "Failed to invalidate two-factor challenge"
    ),
}


def register() -> None:
    register_codes(CODES)
