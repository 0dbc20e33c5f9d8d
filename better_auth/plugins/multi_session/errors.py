"""Error codes of the multi-session plugin (``MULTI_SESSION_ERROR_CODES``)."""

from __future__ import annotations

from better_auth.errors import register_codes

__all__ = ["CODES", "INVALID_SESSION_TOKEN", "register"]

INVALID_SESSION_TOKEN = "INVALID_SESSION_TOKEN"

CODES: dict[str, str] = {INVALID_SESSION_TOKEN: "Invalid session token"}


def register() -> None:
    register_codes(CODES)
