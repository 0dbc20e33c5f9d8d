"""Username rules: normalization, length and charset, and availability.

Lengths are counted in UTF-16 code units, as JavaScript's ``length`` (and
so Better Auth) counts them. The default charset is ASCII letters, digits,
``_`` and ``.``; anything else (spaces, ``@``, look-alike letters from other
scripts) is ``INVALID_USERNAME``, which keeps two accounts from differing
only by a character that renders the same.
"""

from __future__ import annotations

import re
from typing import Any

from better_auth.models import User
from better_auth.services.passwords import js_length

from .conf import callable_setting, section

__all__ = [
    "is_taken",
    "normalize",
    "normalize_display",
    "username_problem",
]

_DEFAULT = re.compile(r"[a-zA-Z0-9_.]+")


def normalize(username: str) -> str:
    custom = callable_setting("USERNAME_NORMALIZATION")
    if custom is not None:
        return str(custom(username))
    if section().USERNAME_NORMALIZATION is False:
        return username
    return username.lower()


def normalize_display(display_username: str) -> str:
    custom = callable_setting("DISPLAY_USERNAME_NORMALIZATION")
    return str(custom(display_username)) if custom is not None else display_username


def username_problem(username: str) -> str | None:
    """The error code a username breaks, or None when it is acceptable."""
    cfg = section()
    if cfg.VALIDATION_ORDER.USERNAME == "post-normalization":
        username = normalize(username)
    length = js_length(username)
    if length < cfg.MIN_USERNAME_LENGTH:
        return "USERNAME_TOO_SHORT"
    if length > cfg.MAX_USERNAME_LENGTH:
        return "USERNAME_TOO_LONG"
    validator = callable_setting("USERNAME_VALIDATOR")
    ok = validator(username) if validator else _DEFAULT.fullmatch(username)
    return None if ok else "INVALID_USERNAME"


def display_problem(display_username: Any) -> str | None:
    validator = callable_setting("DISPLAY_USERNAME_VALIDATOR")
    if validator is None or not isinstance(display_username, str):
        return None
    if section().VALIDATION_ORDER.DISPLAY_USERNAME == "post-normalization":
        display_username = normalize_display(display_username)
    return None if validator(display_username) else "INVALID_DISPLAY_USERNAME"


def is_taken(normalized: str, *, except_user_id: str | None = None) -> bool:
    qs = User.objects.filter(username=normalized)
    if except_user_id is not None:
        qs = qs.exclude(pk=except_user_id)
    return qs.exists()
