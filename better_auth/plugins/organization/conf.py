"""The ``ORGANIZATION`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``organization({...})`` options in upper case.
Durations are seconds. Keys that may hold a callable (limits, hooks, the
invitation sender) take the callable or its dotted path, resolved on use
with :func:`value`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from better_auth.conf import auth_settings, register_section

__all__ = ["DEFAULTS", "SECTION", "hook", "register", "section", "value"]

SECTION = "ORGANIZATION"
DAY = 24 * 60 * 60

DEFAULTS: dict[str, Any] = {
    # bool, or a callable(user) -> bool.
    "ALLOW_USER_TO_CREATE_ORGANIZATION": True,
    # Organizations a user may belong to; None = unlimited; or callable(user).
    "ORGANIZATION_LIMIT": None,
    # Members per organization (Better Auth's default 100); or
    # callable(user, organization) -> int.
    "MEMBERSHIP_LIMIT": 100,
    # Role given to whoever creates an organization.
    "CREATOR_ROLE": "owner",
    "INVITATION_EXPIRES_IN": 2 * DAY,
    # Pending invitations per organization; or callable(user, organization).
    "INVITATION_LIMIT": 100,
    "CANCEL_PENDING_INVITATIONS_ON_REINVITE": False,
    # None follows Better Auth: not required while invitation ids are random.
    "REQUIRE_EMAIL_VERIFICATION_ON_INVITATION": None,
    # callable(data: dict, request) sending the invitation; data has id,
    # role, email, organization, inviter, invitation. None sends nothing.
    "SEND_INVITATION_EMAIL": None,
    "DISABLE_ORGANIZATION_DELETION": False,
    "TEAMS": {
        "ENABLED": False,
        # Teams per organization; None = unlimited.
        "MAXIMUM_TEAMS": None,
        # Members per team; None = unlimited.
        "MAXIMUM_MEMBERS_PER_TEAM": None,
        "ALLOW_REMOVING_ALL_TEAMS": False,
        # Create a team named after the organization, with its creator in it.
        "DEFAULT_TEAM": True,
    },
    "DYNAMIC_ACCESS_CONTROL": {
        "ENABLED": False,
        # None = unlimited.
        "MAXIMUM_ROLES_PER_ORGANIZATION": None,
    },
    # Dotted path (or object) of an AccessControl (``access.create_access_control``)
    # whose statements define the resources; None = the default statements.
    "AC": None,
    # Dotted path (or dict) of {role name: Role}; None = owner/admin/member.
    "ROLES": None,
    # Better Auth's organizationHooks, keyword-argument callables (or dotted
    # paths): BEFORE_/AFTER_ + CREATE_ORGANIZATION, REMOVE_MEMBER,
    # CREATE_INVITATION, ACCEPT_INVITATION. BEFORE_CREATE_ORGANIZATION and
    # BEFORE_CREATE_INVITATION may return {"data": {...}} to change the row.
    "HOOKS": {
        f"{when}_{what}": None
        for when in ("BEFORE", "AFTER")
        for what in (
            "CREATE_ORGANIZATION",
            "REMOVE_MEMBER",
            "CREATE_INVITATION",
            "ACCEPT_INVITATION",
        )
    },
}


def register() -> None:
    register_section(SECTION, "better_auth_organization", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def _resolve(raw: Any, where: str) -> Any:
    if isinstance(raw, str):
        try:
            return import_string(raw)
        except ImportError as error:
            raise ImproperlyConfigured(
                f"BETTER_AUTH.{SECTION}.{where} = {raw!r} cannot be imported: {error}"
            ) from error
    return raw


def value(name: str) -> Any:
    """A top-level key, importing a dotted path when the key holds one."""
    raw = section()[name]
    if name in {"CREATOR_ROLE"}:
        return raw
    return _resolve(raw, name)


def hook(name: str) -> Callable[..., Any] | None:
    """The organization hook ``name`` (e.g. ``BEFORE_CREATE_ORGANIZATION``)."""
    raw = section()["HOOKS"][name]
    if raw is None:
        return None
    resolved = _resolve(raw, f"HOOKS.{name}")
    if not callable(resolved):
        raise ImproperlyConfigured(
            f"BETTER_AUTH.{SECTION}.HOOKS.{name} is not callable"
        )
    return resolved


def teams_enabled() -> bool:
    return bool(section().TEAMS.ENABLED)


def dynamic_roles_enabled() -> bool:
    return bool(section().DYNAMIC_ACCESS_CONTROL.ENABLED)


def creator_role() -> str:
    return section().CREATOR_ROLE or "owner"
