"""The ``BEARER`` section of ``settings.BETTER_AUTH``."""

from __future__ import annotations

from typing import Any

from better_auth.conf import auth_settings, register_section

__all__ = ["DEFAULTS", "SECTION", "register", "section"]

SECTION = "BEARER"

DEFAULTS: dict[str, Any] = {
    # Accept only the signed value (``set-auth-token``), never a raw session
    # token (Better Auth's requireSignature).
    "REQUIRE_SIGNATURE": False,
}


def register() -> None:
    register_section(SECTION, "better_auth_bearer", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)
