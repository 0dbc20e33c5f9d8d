"""The ``ANONYMOUS`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``anonymous({...})`` options in upper case. Callables
may be given as the callable or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.conf import auth_settings, register_section, section_callable

__all__ = ["DEFAULTS", "SECTION", "callable_setting", "register", "section"]

SECTION = "ANONYMOUS"

DEFAULTS: dict[str, Any] = {
    # Domain of the generated addresses: temp-<id>@<domain>. None gives
    # <id>@anonymous.placeholder.invalid (RFC 6761 §6.4: never deliverable).
    "EMAIL_DOMAIN_NAME": None,
    # callable() -> str: an address of your own for each anonymous user.
    "GENERATE_RANDOM_EMAIL": None,
    # callable(request) -> str: the display name (default "Anonymous").
    "GENERATE_NAME": None,
    # callable(anonymous_user=, new_user=, request=): move the guest's data
    # (carts, drafts) to the real account before the guest is deleted.
    "ON_LINK_ACCOUNT": None,
    # Keep the anonymous user after linking, and refuse delete-anonymous-user.
    "DISABLE_DELETE_ANONYMOUS_USER": False,
}


def register() -> None:
    register_section(SECTION, "better_auth_anonymous", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def callable_setting(name: str) -> Callable[..., Any] | None:
    return section_callable(SECTION, name)
