"""The ``MAGIC_LINK`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``magicLink({...})`` options in upper case; durations
are seconds. Callables take the callable itself or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.conf import auth_settings, register_section, section_callable

__all__ = ["DEFAULTS", "SECTION", "callable_setting", "register", "section"]

SECTION = "MAGIC_LINK"

DEFAULTS: dict[str, Any] = {
    # callable(email, url, token, metadata, request) delivering the link. The
    # default sends a plain-text email through Django (or Celery).
    "SEND_MAGIC_LINK": "better_auth.plugins.magic_link.mail.send_magic_link",
    "EXPIRES_IN": 300,
    # Refuse to create users from a link (redirect ?error=new_user_signup_disabled).
    "DISABLE_SIGN_UP": False,
    # callable(email) -> str; None = 32 random letters.
    "GENERATE_TOKEN": None,
    # How the token is kept: "hashed" (SHA-256, the default here), "plain"
    # (Better Auth's default), or a callable(token) -> str (custom hasher).
    "STORE_TOKEN": "hashed",
}


def register() -> None:
    register_section(SECTION, "better_auth_magic_link", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def callable_setting(name: str) -> Callable[..., Any] | None:
    return section_callable(SECTION, name)
