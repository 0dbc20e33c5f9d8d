"""Organization endpoints: create, read, update, delete, activate, check."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from ..models import Organization
from ..serializers import (
    invitation_json,
    member_json,
    organization_json,
    team_json,
)
from ..services import invitations as invites
from ..services import organizations as orgs
from ..services.active import set_active
from ..services.permissions import has_permission
from .common import OPTIONAL, P, active_org, session_user

CREATE = s.Schema(
    {
        "name": s.string(min_length=1),
        "slug": s.string(min_length=1),
        "userId": OPTIONAL,
        "logo": s.string(optional=True, nullable=True),
        "metadata": s.Field("object", optional=True),
        "keepCurrentActiveOrganization": s.boolean(optional=True),
    },
    required=True,
)


@endpoint(f"{P}/create", "POST", body=CREATE, session="session")
def create(ctx: Context) -> dict[str, Any]:
    org, member, team_member = orgs.create_organization(session_user(ctx), ctx.body)
    if not ctx.body.get("keepCurrentActiveOrganization"):
        fields: dict[str, Any] = {"organization_id": org.pk}
        if team_member is not None:
            fields["team_id"] = team_member.team_id
        set_active(ctx, **fields)
    return {
        **organization_json(org, metadata="parsed"),
        "members": [member_json(member)],
    }


@endpoint(
    f"{P}/check-slug",
    "POST",
    body=s.Schema({"slug": s.string()}, required=True),
    session="session",
)
def check_slug(ctx: Context) -> dict[str, bool]:
    orgs.check_slug(ctx.body["slug"])
    return {"status": True}


UPDATE = s.Schema(
    {
        "data": s.Field("object"),
        "organizationId": OPTIONAL,
    },
    required=True,
)
UPDATE_DATA = s.Schema(
    {
        "name": s.string(optional=True, min_length=1),
        "slug": s.string(optional=True, min_length=1),
        "logo": s.string(optional=True, nullable=True),
        "metadata": s.Field("object", optional=True),
    }
)


@endpoint(f"{P}/update", "POST", body=UPDATE, session="session")
def update(ctx: Context) -> dict[str, Any]:
    data = UPDATE_DATA.validate(ctx.body["data"], "body.data")
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    org = orgs.update_organization(session_user(ctx), organization_id, data)
    return organization_json(org, metadata="parsed")


@endpoint(
    f"{P}/delete",
    "POST",
    body=s.Schema({"organizationId": s.string()}, required=True),
    session="session",
)
def delete(ctx: Context) -> dict[str, Any]:
    organization_id = ctx.body["organizationId"]
    if not organization_id:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    org = orgs.delete_organization(session_user(ctx), organization_id)
    if organization_id == ctx.session.session.active_organization_id:
        set_active(ctx, organization_id=None)
    return organization_json(org)


ORG_QUERY = s.Schema({"organizationId": OPTIONAL, "organizationSlug": OPTIONAL})


def _member_or_forbid(ctx: Context, org: Organization) -> Any:
    member = orgs.find_member(session_user(ctx).pk, org.pk)
    if member is None:
        set_active(ctx, organization_id=None)
        raise APIError(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    return member


@endpoint(f"{P}/get-organization", "GET", query=ORG_QUERY, session="session")
def get_organization(ctx: Context) -> Any:
    slug = ctx.query.get("organizationSlug")
    key = slug or ctx.query.get("organizationId") or active_org(ctx)
    if not key:
        return JSON(None)
    org = orgs.find_organization(None if slug else key, slug)
    if org is None:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    _member_or_forbid(ctx, org)
    return organization_json(org)


FULL_QUERY = s.Schema(
    {
        "organizationId": OPTIONAL,
        "organizationSlug": OPTIONAL,
        "membersLimit": s.any_value(),
    }
)


@endpoint(f"{P}/get-full-organization", "GET", query=FULL_QUERY, session="session")
def get_full_organization(ctx: Context) -> Any:
    slug = ctx.query.get("organizationSlug")
    key = slug or ctx.query.get("organizationId") or active_org(ctx)
    if not key:
        return JSON(None)
    limit = ctx.query.get("membersLimit")
    try:
        limit = int(limit) if limit not in (None, "") else None
    except (TypeError, ValueError):
        limit = None
    found = orgs.full_organization(key, is_slug=bool(slug), members_limit=limit)
    if found is None:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    org, invitations, members, team_rows = found
    me = _member_or_forbid(ctx, org)
    shown = []
    if invitations and invites.can_view_invitations(me.role, org.pk):
        shown = invites.visible_invitations(invitations, me.role)
    body: dict[str, Any] = {
        **organization_json(org),
        "invitations": [invitation_json(i) for i in shown],
        "members": [member_json(m, with_user=True) for m in members],
    }
    if team_rows is not None:
        body["teams"] = [team_json(t) for t in team_rows]
    return body


@endpoint(
    f"{P}/set-active",
    "POST",
    body=s.Schema(
        {
            "organizationId": s.string(optional=True, nullable=True),
            "organizationSlug": OPTIONAL,
        }
    ),
    session="session",
)
def set_active_organization(ctx: Context) -> Any:
    session = ctx.session.session
    organization_id = ctx.body.get("organizationId", s.UNDEFINED)
    slug = ctx.body.get("organizationSlug")
    if organization_id is None:
        if not session.active_organization_id:
            return JSON(None)
        set_active(ctx, organization_id=None, set_cookie=True)
        return JSON(None)
    if organization_id is s.UNDEFINED or not organization_id:
        organization_id = None
        if not slug:
            if not session.active_organization_id:
                return JSON(None)
            organization_id = session.active_organization_id
    if slug and not organization_id:
        org = orgs.find_organization(slug=slug)
        if org is None:
            raise APIError(400, "ORGANIZATION_NOT_FOUND")
        organization_id = org.pk
    if orgs.find_member(session_user(ctx).pk, organization_id) is None:
        set_active(ctx, organization_id=None)
        raise APIError(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    org = orgs.find_organization(organization_id)
    if org is None:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    set_active(ctx, organization_id=org.pk, set_cookie=True)
    return organization_json(org)


@endpoint(f"{P}/list", "GET", session="session")
def list_organizations(ctx: Context) -> list[dict[str, Any]]:
    return [organization_json(o) for o in orgs.list_organizations(session_user(ctx).pk)]


HAS_PERMISSION = s.Schema(
    {
        "organizationId": OPTIONAL,
        "permission": s.Field("object", optional=True),
        "permissions": s.Field("object", optional=True),
    },
    required=True,
)


def _check_permission_map(value: Any, key: str) -> None:
    """Better Auth's ``z.record(z.string(), z.array(z.string()))``: each
    resource names a list of action strings, so nothing else reaches the
    access check."""
    problems: list[str] = []
    if not isinstance(value, dict):
        problems.append(
            f"[body.{key}] Invalid input: expected record, received "
            f"{s._type_name(value)}"
        )
    else:
        for resource, actions in value.items():
            where = f"body.{key}.{resource}"
            if not isinstance(actions, list):
                problems.append(
                    f"[{where}] Invalid input: expected array, received "
                    f"{s._type_name(actions)}"
                )
                continue
            for index, action in enumerate(actions):
                if not isinstance(action, str):
                    problems.append(
                        f"[{where}.{index}] Invalid input: expected string, "
                        f"received {s._type_name(action)}"
                    )
    if problems:
        raise APIError(400, "VALIDATION_ERROR", "; ".join(problems), status_text="400")


@endpoint(f"{P}/has-permission", "POST", body=HAS_PERMISSION, session="session")
def has_permission_endpoint(ctx: Context) -> dict[str, Any]:
    has_one = ("permission" in ctx.body) != ("permissions" in ctx.body)
    if not has_one:
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body] Invalid input: provide exactly one of permission, permissions",
            status_text="400",
        )
    for key in ("permission", "permissions"):
        if key in ctx.body:
            _check_permission_map(ctx.body[key], key)
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = orgs.find_member(session_user(ctx).pk, organization_id)
    if member is None:
        raise APIError(401, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    # Better Auth checks only ``permissions``; the deprecated ``permission``
    # key alone is never granted.
    wanted = ctx.body.get("permissions")
    granted = has_permission(member.role, wanted, organization_id)
    return {"error": None, "success": granted}
