"""Error codes of the auth REST API and the one exception that carries them.

Codes and messages are Better Auth 1.7's (``BASE_ERROR_CODES`` plus the inline
codes its core endpoints use), because its JavaScript client and the apps
built on it compare ``error.code`` against these exact strings. Codes are API:
never reword or reuse one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = ["APIError", "BASE_ERROR_CODES", "register_codes", "message_for"]

BASE_ERROR_CODES: dict[str, str] = {
    "USER_NOT_FOUND": "User not found",
    "FAILED_TO_CREATE_USER": "Failed to create user",
    "FAILED_TO_CREATE_SESSION": "Failed to create session",
    "FAILED_TO_UPDATE_USER": "Failed to update user",
    "FAILED_TO_GET_SESSION": "Failed to get session",
    "INVALID_PASSWORD": "Invalid password",
    "INVALID_EMAIL": "Invalid email",
    "INVALID_EMAIL_OR_PASSWORD": "Invalid email or password",
    "INVALID_USER": "Invalid user",
    "SOCIAL_ACCOUNT_ALREADY_LINKED": "Social account already linked",
    "PROVIDER_NOT_FOUND": "Provider not found",
    "INVALID_TOKEN": "Invalid token",
    "TOKEN_EXPIRED": "Token expired",
    "ID_TOKEN_NOT_SUPPORTED": "id_token not supported",
    "FAILED_TO_GET_USER_INFO": "Failed to get user info",
    "USER_EMAIL_NOT_FOUND": "User email not found",
    "EMAIL_NOT_VERIFIED": "Email not verified",
    "PASSWORD_TOO_SHORT": "Password too short",
    "PASSWORD_TOO_LONG": "Password too long",
    "USER_ALREADY_EXISTS": "User already exists.",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "User already exists. Use another email.",
    "EMAIL_CAN_NOT_BE_UPDATED": "Email can not be updated",
    "CHANGE_EMAIL_DISABLED": "Change email is disabled",
    "CREDENTIAL_ACCOUNT_NOT_FOUND": "Credential account not found",
    "SESSION_EXPIRED": "Session expired. Re-authenticate to perform this action.",
    "FAILED_TO_UNLINK_LAST_ACCOUNT": "You can't unlink your last account",
    "ACCOUNT_NOT_FOUND": "Account not found",
    "USER_ALREADY_HAS_PASSWORD": (
        "User already has a password. Provide that to delete the account."
    ),
    "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED": (
        "Cross-site navigation login blocked. This request appears to be a CSRF attack."
    ),
    "VERIFICATION_EMAIL_NOT_ENABLED": "Verification email isn't enabled",
    "EMAIL_ALREADY_VERIFIED": "Email is already verified",
    "EMAIL_MISMATCH": "Email mismatch",
    "SESSION_NOT_FRESH": "Session is not fresh",
    "LINKED_ACCOUNT_ALREADY_EXISTS": "Linked account already exists",
    "INVALID_ORIGIN": "Invalid origin",
    "INVALID_CALLBACK_URL": "Invalid callbackURL",
    "INVALID_REDIRECT_URL": "Invalid redirectURL",
    "INVALID_ERROR_CALLBACK_URL": "Invalid errorCallbackURL",
    "INVALID_NEW_USER_CALLBACK_URL": "Invalid newUserCallbackURL",
    "MISSING_OR_NULL_ORIGIN": "Missing or null Origin",
    "CALLBACK_URL_REQUIRED": "callbackURL is required",
    "FAILED_TO_CREATE_VERIFICATION": "Unable to create verification",
    "FIELD_NOT_ALLOWED": "Field not allowed to be set",
    "VALIDATION_ERROR": "Validation Error",
    "MISSING_FIELD": "Field is required",
    "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED": (
        "POST method requires deferSessionRefresh to be enabled in session config"
    ),
    "BODY_MUST_BE_AN_OBJECT": "Body must be an object",
    "PASSWORD_ALREADY_SET": "User already has a password set",
    # Inline codes of the core endpoints.
    "EMAIL_PASSWORD_SIGN_UP_DISABLED": "Email and password sign up is not enabled",
    "EMAIL_PASSWORD_DISABLED": "Email and password is not enabled",
    "RESET_PASSWORD_DISABLED": "Reset password isn't enabled",
    "UNAUTHORIZED": "Unauthorized",
    "INTERNAL_SERVER_ERROR": "Internal Server Error",
    "NOT_FOUND": "Not found",
    "BAD_REQUEST": "Bad Request",
    "PAYLOAD_TOO_LARGE": "Request body is too large",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
    "validation_failed": "User validation failed",
    "validation_source_missing": "User validation source is required",
    # Captcha.
    "MISSING_RESPONSE": "Missing CAPTCHA response",
    "VERIFICATION_FAILED": "Captcha verification failed",
    "UNKNOWN_ERROR": "Something went wrong",
}

_CODES: dict[str, str] = dict(BASE_ERROR_CODES)


def register_codes(codes: dict[str, str]) -> None:
    """Add a plugin's codes, refusing to redefine an existing code's message."""
    for code, message in codes.items():
        existing = _CODES.get(code)
        if existing is not None and existing != message:
            raise ValueError(f"error code {code} is already defined")
        _CODES[code] = message


def message_for(code: str) -> str:
    return _CODES.get(code, code)


class APIError(Exception):
    """An error answered as Better Auth's ``{"message", "code"}`` envelope.

    ``code=None`` gives a message-only body; ``empty=True`` gives no body at all,
    both of which Better Auth uses for a few endpoints (core-surface §2.2).
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        empty: bool = False,
        headers: dict[str, str] | None = None,
        status_text: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message if message is not None else message_for(code or "")
        self.empty = empty
        self.headers = headers or {}
        self.status_text = status_text or _status_name(status)
        super().__init__(f"{status} {code}: {self.message}")

    def body(self) -> dict[str, Any] | None:
        if self.empty:
            return None
        if self.code is None:
            return {"message": self.message}
        return {"message": self.message, "code": self.code}


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).name
    except ValueError:
        return str(status)
