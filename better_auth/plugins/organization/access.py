"""Access control: statements, roles and the permission check.

A statement maps resources to the actions that exist on them; a role maps
resources to the actions it grants. A request ``{resource: [actions]}`` is
granted when, for every resource, the role allows every action (``AND``);
a request may also ask for ``{"actions": [...], "connector": "OR"}`` on one
resource. A member holding several roles is granted when any one role
grants the whole request. These are Better Auth's semantics
(``createAccessControl`` / ``role().authorize``), so a permission table
written for a Better Auth project means the same here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AccessControl",
    "DEFAULT_STATEMENTS",
    "Role",
    "create_access_control",
    "default_ac",
    "default_roles",
    "parse_role_list",
    "parse_roles",
]


def parse_role_list(roles: str | Iterable[str] | None) -> list[str]:
    """Role names from a stored ``"admin,owner"`` or a submitted list, trimmed.

    Every comparison and every write goes through here, so a padded name
    (``" owner"``) can never be stored in a form one check matches and
    another does not.
    """
    if roles is None:
        return []
    items = [roles] if isinstance(roles, str) else list(roles)
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(","))
    return [r for r in out if r]


def parse_roles(roles: str | Iterable[str] | None) -> str:
    return ",".join(parse_role_list(roles))


@dataclass(frozen=True)
class Role:
    statements: Mapping[str, list[str]]

    def authorize(
        self, request: Mapping[str, Any], connector: str = "AND"
    ) -> tuple[bool, str | None]:
        """Whether the role grants ``request``, and why not when it does not."""
        any_granted = False
        for resource, wanted in request.items():
            allowed = self.statements.get(resource)
            if not allowed:
                if connector == "AND":
                    return False, f"You are not allowed to access resource: {resource}"
                continue
            if isinstance(wanted, Mapping):
                actions = wanted.get("actions")
                actions = actions if isinstance(actions, list) else []
                inner = "OR" if wanted.get("connector") == "OR" else "AND"
            elif isinstance(wanted, list):
                actions, inner = wanted, "AND"
            else:
                raise ValueError("Invalid access control request")
            check = any if inner == "OR" else all
            granted = bool(actions) and check(
                isinstance(a, str) and a in allowed for a in actions
            )
            if granted:
                any_granted = True
                if connector == "OR":
                    return True, None
            elif connector == "AND":
                return False, f'unauthorized to access resource "{resource}"'
        return (True, None) if any_granted else (False, "Not authorized")


@dataclass(frozen=True)
class AccessControl:
    statements: Mapping[str, list[str]] = field(default_factory=dict)

    def new_role(self, statements: Mapping[str, list[str]]) -> Role:
        return Role({k: list(v) for k, v in statements.items()})


def create_access_control(statements: Mapping[str, list[str]]) -> AccessControl:
    return AccessControl({k: list(v) for k, v in statements.items()})


DEFAULT_STATEMENTS: dict[str, list[str]] = {
    "organization": ["update", "delete"],
    "member": ["create", "update", "delete"],
    "invitation": ["create", "cancel"],
    "team": ["create", "update", "delete"],
    "ac": ["create", "read", "update", "delete"],
}

default_ac = create_access_control(DEFAULT_STATEMENTS)

_MANAGE = {
    "member": ["create", "update", "delete"],
    "invitation": ["create", "cancel"],
    "team": ["create", "update", "delete"],
    "ac": ["create", "read", "update", "delete"],
}
owner = default_ac.new_role({"organization": ["update", "delete"], **_MANAGE})
admin = default_ac.new_role({"organization": ["update"], **_MANAGE})
member = default_ac.new_role(
    {"organization": [], "member": [], "invitation": [], "team": [], "ac": ["read"]}
)


def default_roles() -> dict[str, Role]:
    return {"admin": admin, "owner": owner, "member": member}
