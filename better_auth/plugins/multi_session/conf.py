"""The ``MULTI_SESSION`` section of ``settings.BETTER_AUTH``."""

from __future__ import annotations

from typing import Any

from better_auth.conf import auth_settings, register_section

__all__ = ["DEFAULTS", "SECTION", "register", "section"]

SECTION = "MULTI_SESSION"

DEFAULTS: dict[str, Any] = {
    # Device sessions one browser keeps; a sign-in beyond it gets no
    # multi-session cookie (Better Auth's maximumSessions).
    "MAXIMUM_SESSIONS": 5,
}


def register() -> None:
    register_section(SECTION, "better_auth_multi_session", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)
