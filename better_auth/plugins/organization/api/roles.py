"""Dynamic role endpoints (only with ``DYNAMIC_ACCESS_CONTROL.ENABLED``)."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from .. import conf
from ..models import OrganizationRole
from ..serializers import (
    role_json,
)
from ..services import roles as dyn
from .common import OPTIONAL, P, active_org, not_found, session_user


def _roles_off() -> bool:
    return not conf.dynamic_roles_enabled()


PERMISSION_MAP = s.Field(
    "object",
    check=lambda v: (
        None
        if all(
            isinstance(a, list) and all(isinstance(x, str) for x in a)
            for a in v.values()
        )
        else "Invalid input: expected array of strings"
    ),
)


@endpoint(
    f"{P}/create-role",
    "POST",
    body=s.Schema(
        {"organizationId": OPTIONAL, "role": s.string(), "permission": PERMISSION_MAP},
        required=True,
    ),
    session="session",
)
def create_role(ctx: Context) -> Any:
    if _roles_off():
        return not_found()
    organization_id = ctx.body.get("organizationId") or active_org(ctx)
    if not organization_id:
        raise APIError(400, "YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE")
    role = dyn.create_role(
        session_user(ctx), organization_id, ctx.body["role"], ctx.body["permission"]
    )
    return {
        "success": True,
        "roleData": role_json(role),
        "statements": ctx.body["permission"],
    }


ROLE_REF = {"organizationId": OPTIONAL, "roleName": OPTIONAL, "roleId": OPTIONAL}


def _role_ref(data: dict[str, Any]) -> tuple[str | None, str | None]:
    name, rid = data.get("roleName"), data.get("roleId")
    if not name and not rid:
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[roleName] Invalid input: expected string, received undefined",
            status_text="400",
        )
    return name, rid


def _role_org(ctx: Context, given: str | None) -> str:
    organization_id = given or active_org(ctx)
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    return organization_id


@endpoint(
    f"{P}/delete-role",
    "POST",
    body=s.Schema(ROLE_REF, required=True),
    session="session",
)
def delete_role(ctx: Context) -> Any:
    if _roles_off():
        return not_found()
    name, rid = _role_ref(ctx.body)
    organization_id = _role_org(ctx, ctx.body.get("organizationId"))
    dyn.delete_role(session_user(ctx), organization_id, name, rid)
    return {"success": True}


@endpoint(
    f"{P}/update-role",
    "POST",
    body=s.Schema({**ROLE_REF, "data": s.Field("object")}, required=True),
    session="session",
)
def update_role(ctx: Context) -> Any:
    if _roles_off():
        return not_found()
    name, rid = _role_ref(ctx.body)
    data = s.Schema(
        {"permission": s.Field("object", optional=True), "roleName": OPTIONAL}
    ).validate(ctx.body["data"], "body.data")
    organization_id = _role_org(ctx, ctx.body.get("organizationId"))
    role = dyn.update_role(session_user(ctx), organization_id, name, rid, data)
    return {"success": True, "roleData": role_json(role)}


@endpoint(
    f"{P}/list-roles",
    "GET",
    query=s.Schema({"organizationId": OPTIONAL}),
    session="session",
)
def list_roles(ctx: Context) -> Any:
    if _roles_off():
        return not_found()
    organization_id = _role_org(ctx, ctx.query.get("organizationId"))
    dyn.require_member(session_user(ctx).pk, organization_id, "read")
    rows = OrganizationRole.objects.filter(organization_id=organization_id)
    return [role_json(r) for r in rows.order_by("created_at", "id")]


@endpoint(f"{P}/get-role", "GET", query=s.Schema(ROLE_REF), session="session")
def get_role(ctx: Context) -> Any:
    if _roles_off():
        return not_found()
    name, rid = _role_ref(ctx.query)
    organization_id = _role_org(ctx, ctx.query.get("organizationId"))
    dyn.require_member(session_user(ctx).pk, organization_id, "read", code="read")
    return role_json(dyn.find_role(organization_id, name, rid))
