"""Who may do what: the admin plugin's roles and its permission check.

A role grants actions per resource (``user``, ``session``). A request
``{resource: [actions]}`` is granted when the role allows every action on
every resource; a user with several roles (``"support,user"``) is granted
when any one of them grants the whole request, and the ids listed in
``ADMIN_USER_IDS`` are granted everything. These are Better Auth's
semantics, so a role table written for a Better Auth project means the same
here. Note that the built-in ``admin`` role does not include
``impersonate-admins``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conf import section

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_STATEMENTS",
    "USER_ROLE",
    "authorize",
    "has_permission",
    "is_admin_user",
    "parse_roles",
    "roles",
]

DEFAULT_STATEMENTS: dict[str, list[str]] = {
    "user": [
        "create",
        "list",
        "set-role",
        "ban",
        "impersonate",
        "impersonate-admins",
        "delete",
        "set-password",
        "set-email",
        "set-phone",
        "get",
        "update",
    ],
    "session": ["list", "revoke", "delete"],
}

ADMIN_ROLE: dict[str, list[str]] = {
    "user": [a for a in DEFAULT_STATEMENTS["user"] if a != "impersonate-admins"],
    "session": ["list", "revoke", "delete"],
}
USER_ROLE: dict[str, list[str]] = {"user": [], "session": []}


def roles() -> Mapping[str, Mapping[str, list[str]]]:
    configured = section().ROLES
    return configured if configured else {"admin": ADMIN_ROLE, "user": USER_ROLE}


def parse_roles(value: Any) -> list[str]:
    """Role names from a stored ``"admin,user"`` or a submitted list."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part for item in items for part in str(item).split(",") if part]


def authorize(grants: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Whether one role's ``grants`` allow every action of ``request``.

    A resource may also ask ``{"actions": [...], "connector": "OR"}``.
    """
    if not request:
        return False
    for resource, wanted in request.items():
        allowed = grants.get(resource)
        if not allowed:
            return False
        if isinstance(wanted, Mapping):
            actions = wanted.get("actions")
            actions = actions if isinstance(actions, list) else []
            check = any if wanted.get("connector") == "OR" else all
        elif isinstance(wanted, list):
            actions, check = wanted, all
        else:
            return False
        if not actions or not check(
            isinstance(a, str) and a in allowed for a in actions
        ):
            return False
    return True


def has_permission(
    *, user_id: str | None, role: Any, permissions: Mapping[str, Any] | None
) -> bool:
    """Better Auth's ``hasPermission``: listed ids, then any granting role."""
    cfg = section()
    if user_id and user_id in (cfg.ADMIN_USER_IDS or []):
        return True
    if not permissions:
        return False
    table = roles()
    for name in parse_roles(role or cfg.DEFAULT_ROLE or "user"):
        grants = table.get(name)
        if grants is not None and authorize(grants, permissions):
            return True
    return False


def is_admin_user(user: Any) -> bool:
    """An administrator by role (``ADMIN_ROLES``) or by id (``ADMIN_USER_IDS``)."""
    cfg = section()
    admin_roles = [r.strip() for r in parse_roles(cfg.ADMIN_ROLES)]
    held = parse_roles(getattr(user, "role", None) or cfg.DEFAULT_ROLE or "user")
    return any(r in admin_roles for r in held) or user.pk in (cfg.ADMIN_USER_IDS or [])
