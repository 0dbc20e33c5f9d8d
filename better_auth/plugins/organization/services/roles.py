"""Dynamic roles: per-organization roles stored in ``OrganizationRole``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from better_auth import clock
from better_auth.errors import APIError

from .. import conf
from ..access import parse_role_list
from ..models import Member, OrganizationRole
from .permissions import access_control, has_permission

__all__ = ["create_role", "delete_role", "find_role", "update_role"]

_FORBIDDEN = {
    "create": "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE",
    "update": "YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE",
    "delete": "YOU_ARE_NOT_ALLOWED_TO_DELETE_A_ROLE",
    "read": "YOU_ARE_NOT_ALLOWED_TO_READ_A_ROLE",
    "list": "YOU_ARE_NOT_ALLOWED_TO_LIST_A_ROLE",
    "get": "YOU_ARE_NOT_ALLOWED_TO_GET_A_ROLE",
}


def _predefined() -> list[str]:
    roles = conf.value("ROLES")
    return list(roles) if isinstance(roles, Mapping) else ["owner", "admin", "member"]


def require_member(
    user_id: str, organization_id: str, action: str, *, code: str | None = None
) -> Member:
    member = Member.objects.filter(
        user_id=user_id, organization_id=organization_id
    ).first()
    if member is None:
        raise APIError(403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    if not has_permission(member.role, {"ac": [action]}, organization_id):
        raise APIError(403, _FORBIDDEN[code or {"read": "list"}.get(action, action)])
    return member


def _check_resources(permission: Mapping[str, list[str]]) -> None:
    valid = set(access_control().statements)
    if any(resource not in valid for resource in permission):
        raise APIError(400, "INVALID_RESOURCE")


def _check_grantable(
    member: Member,
    organization_id: str,
    permission: Mapping[str, list[str]],
    action: str,
) -> None:
    """A member can only hand out permissions they hold themselves."""
    missing = [
        f"{resource}:{perm}"
        for resource, perms in permission.items()
        for perm in perms
        if not has_permission(member.role, {resource: [perm]}, organization_id)
    ]
    if missing:
        error = APIError(403, _FORBIDDEN[action])
        error.extra = {"missingPermissions": missing}
        raise error


def _check_name(organization_id: str, role: str) -> None:
    if (
        role in _predefined()
        or OrganizationRole.objects.filter(
            organization_id=organization_id, role=role
        ).exists()
    ):
        raise APIError(400, "ROLE_NAME_IS_ALREADY_TAKEN")


def create_role(
    user: Any, organization_id: str, role: str, permission: Mapping[str, list[str]]
) -> OrganizationRole:
    role = role.lower()
    _check_name_predefined(role)
    member = require_member(user.pk, organization_id, "create")
    maximum = conf.section().DYNAMIC_ACCESS_CONTROL.MAXIMUM_ROLES_PER_ORGANIZATION
    if callable(maximum):
        maximum = maximum(organization_id)
    # TODO(scope): the roles-per-organization cap is check-then-write.
    if maximum is not None and (
        OrganizationRole.objects.filter(organization_id=organization_id).count()
        >= maximum
    ):
        raise APIError(400, "TOO_MANY_ROLES")
    _check_resources(permission)
    _check_grantable(member, organization_id, permission, "create")
    _check_name(organization_id, role)
    try:
        with transaction.atomic():
            return OrganizationRole.objects.create(
                organization_id=organization_id,
                role=role,
                permission=json.dumps(permission, separators=(",", ":")),
                created_at=clock.now(),
            )
    except IntegrityError:
        raise APIError(400, "ROLE_NAME_IS_ALREADY_TAKEN") from None


def _check_name_predefined(role: str) -> None:
    if role in _predefined():
        raise APIError(400, "ROLE_NAME_IS_ALREADY_TAKEN")


def find_role(
    organization_id: str, role_name: str | None, role_id: str | None
) -> OrganizationRole:
    qs = OrganizationRole.objects.filter(organization_id=organization_id)
    if role_name:
        found = qs.filter(role=role_name).first()
    elif role_id:
        found = qs.filter(pk=role_id).first()
    else:
        found = None
    if found is None:
        raise APIError(400, "ROLE_NOT_FOUND")
    return found


def delete_role(
    user: Any, organization_id: str, role_name: str | None, role_id: str | None
) -> None:
    require_member(user.pk, organization_id, "delete")
    if role_name and role_name in _predefined():
        raise APIError(400, "CANNOT_DELETE_A_PRE_DEFINED_ROLE")
    role = find_role(organization_id, role_name, role_id)
    assigned = Member.objects.filter(
        organization_id=organization_id, role__contains=role.role
    ).values_list("role", flat=True)
    if any(role.role in parse_role_list(r) for r in assigned):
        raise APIError(400, "ROLE_IS_ASSIGNED_TO_MEMBERS")
    role.delete()


def update_role(
    user: Any,
    organization_id: str,
    role_name: str | None,
    role_id: str | None,
    data: Mapping[str, Any],
) -> OrganizationRole:
    member = require_member(user.pk, organization_id, "update")
    role = find_role(organization_id, role_name, role_id)
    if data.get("permission"):
        _check_resources(data["permission"])
        _check_grantable(member, organization_id, data["permission"], "update")
        role.permission = json.dumps(data["permission"], separators=(",", ":"))
    if data.get("roleName"):
        new_name = data["roleName"].lower()
        _check_name(organization_id, new_name)
        role.role = new_name
    role.updated_at = clock.now()
    role.save()
    return role
