"""The ``ADMIN`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``admin({...})`` options in upper case; durations are
seconds. ``ROLES`` maps a role name to the actions it grants per resource
(``{"support": {"user": ["list", "get"], "session": ["list"]}}``); when it is
None the built-in ``admin`` and ``user`` roles apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from better_auth.conf import auth_settings, register_section

__all__ = ["DEFAULTS", "SECTION", "banned_message", "register", "section"]

SECTION = "ADMIN"

DEFAULT_BANNED_MESSAGE = (
    "You have been banned from this application. "
    "Please contact support if you believe this is an error."
)

DEFAULTS: dict[str, Any] = {
    # Role given to every new user.
    "DEFAULT_ROLE": "user",
    # Roles that count as administrators (impersonation protection).
    "ADMIN_ROLES": ["admin"],
    # User ids granted every permission whatever their role.
    "ADMIN_USER_IDS": [],
    # Custom roles: {name: {resource: [actions]}}; None = admin and user.
    "ROLES": None,
    # Lifetime of an impersonation session.
    "IMPERSONATION_SESSION_DURATION": 60 * 60,
    # Let any role holding "impersonate" impersonate administrators too.
    "ALLOW_IMPERSONATING_ADMINS": False,
    # Ban reason when ban-user gives none (None = "No reason").
    "DEFAULT_BAN_REASON": None,
    # Ban length in seconds when ban-user gives none (None = permanent).
    "DEFAULT_BAN_EXPIRES_IN": None,
    # Message of the 403 BANNED_USER answer: a string, or callable(user) /
    # its dotted path returning one.
    "BANNED_USER_MESSAGE": DEFAULT_BANNED_MESSAGE,
}


def register() -> None:
    register_section(SECTION, "better_auth_admin", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def banned_message(user: Any) -> str:
    value: Any = section().BANNED_USER_MESSAGE
    if isinstance(value, str) and "." in value and " " not in value:
        try:
            value = import_string(value)
        except ImportError as error:
            raise ImproperlyConfigured(
                f"BETTER_AUTH ADMIN.BANNED_USER_MESSAGE = {value!r} "
                f"cannot be imported: {error}"
            ) from None
    if callable(value):
        fn: Callable[[Any], str] = value
        return str(fn(user))
    return str(value or DEFAULT_BANNED_MESSAGE)
