"""Which roles exist and what they may do (Better Auth ``hasPermission``).

Roles come from ``ORGANIZATION["ROLES"]`` (else owner/admin/member). With
dynamic access control on, an organization's ``OrganizationRole`` rows add
roles, or widen a configured role of the same name, for that organization.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from better_auth.errors import APIError

from .. import conf
from ..access import AccessControl, Role, default_ac, default_roles, parse_role_list
from ..models import OrganizationRole

logger = logging.getLogger(__name__)

__all__ = [
    "access_control",
    "configured_roles",
    "has_permission",
    "is_known_role",
    "unknown_roles",
]


def access_control() -> AccessControl:
    ac = conf.value("AC")
    if ac is None:
        return default_ac
    if not isinstance(ac, AccessControl):
        raise ImproperlyConfigured(
            "BETTER_AUTH.ORGANIZATION.AC must be an AccessControl"
        )
    return ac


def configured_roles() -> dict[str, Role]:
    roles = conf.value("ROLES")
    if roles is None:
        return default_roles()
    if not isinstance(roles, Mapping):
        raise ImproperlyConfigured("BETTER_AUTH.ORGANIZATION.ROLES must be a dict")
    return dict(roles)


def static_role_names() -> set[str]:
    """Names valid everywhere: the defaults plus the configured ones."""
    names = set(default_roles())
    roles = conf.value("ROLES")
    if isinstance(roles, Mapping):
        names |= set(roles)
    return names


def unknown_roles(organization_id: str, roles: Iterable[str]) -> list[str]:
    """Requested role names that neither settings nor the table define."""
    static = static_role_names()
    unknown = [r for r in roles if r not in static]
    if unknown and conf.dynamic_roles_enabled():
        found = set(
            OrganizationRole.objects.filter(
                organization_id=organization_id, role__in=unknown
            ).values_list("role", flat=True)
        )
        unknown = [r for r in unknown if r not in found]
    return unknown


def is_known_role(organization_id: str, role: str) -> bool:
    return not unknown_roles(organization_id, [role])


def _roles_for(organization_id: str | None) -> dict[str, Role]:
    roles = configured_roles()
    if not organization_id or not conf.dynamic_roles_enabled():
        return roles
    ac = access_control()
    for row in OrganizationRole.objects.filter(organization_id=organization_id):
        try:
            granted = json.loads(row.permission)
            if not isinstance(granted, dict) or not all(
                isinstance(v, list) and all(isinstance(a, str) for a in v)
                for v in granted.values()
            ):
                raise ValueError
        except ValueError:
            logger.error("invalid permissions stored for role %s", row.role)
            raise APIError(
                500, "INTERNAL_SERVER_ERROR", f"Invalid permissions for role {row.role}"
            ) from None
        merged = {
            k: list(v) for k, v in (roles.get(row.role) or Role({})).statements.items()
        }
        for resource, actions in granted.items():
            merged[resource] = list(
                dict.fromkeys([*merged.get(resource, []), *actions])
            )
        roles[row.role] = ac.new_role(merged)
    return roles


def has_permission(
    role: str | None,
    permissions: Mapping[str, Any] | None,
    organization_id: str | None,
    *,
    allow_creator_all: bool = False,
) -> bool:
    """Whether a member with ``role`` (comma-joined) is granted ``permissions``."""
    if not permissions:
        return False
    names = parse_role_list(role)
    if allow_creator_all and conf.creator_role() in names:
        return True
    roles = _roles_for(organization_id)
    for name in names:
        found = roles.get(name)
        if found is not None and found.authorize(permissions)[0]:
            return True
    return False
