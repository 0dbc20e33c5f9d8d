"""The ``USERNAME`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``username({...})`` options in upper case. Callables
may be given as the callable or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.conf import auth_settings, register_section, section_callable

__all__ = ["DEFAULTS", "SECTION", "callable_setting", "register", "section"]

SECTION = "USERNAME"

DEFAULTS: dict[str, Any] = {
    "MIN_USERNAME_LENGTH": 3,
    "MAX_USERNAME_LENGTH": 30,
    # callable(username) -> bool; None = letters, digits, "_" and ".".
    "USERNAME_VALIDATOR": None,
    # callable(display_username) -> bool; None accepts any display name.
    "DISPLAY_USERNAME_VALIDATOR": None,
    # True lower-cases usernames; False keeps them as typed; or a callable.
    "USERNAME_NORMALIZATION": True,
    # None keeps display usernames as typed; or a callable.
    "DISPLAY_USERNAME_NORMALIZATION": None,
    # Store and render displayUsername (Better Auth's default).
    "DISPLAY_USERNAME": True,
    # Refuse to change a username once set (USERNAME_IS_IMMUTABLE).
    "IMMUTABLE_USERNAME": False,
    # Validate before ("pre-normalization") or after normalization.
    "VALIDATION_ORDER": {
        "USERNAME": "pre-normalization",
        "DISPLAY_USERNAME": "pre-normalization",
    },
}


def register() -> None:
    register_section(SECTION, "better_auth_username", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def callable_setting(name: str) -> Callable[..., Any] | None:
    # A boolean here means "use the default rule" (Better Auth's options
    # accept true/false where a function is also allowed).
    if isinstance(section()[name], bool):
        return None
    return section_callable(SECTION, name)
