"""Member endpoints: list, roles, removal, leaving."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from ..serializers import (
    member_json,
)
from ..services import organizations as orgs
from ..services.active import set_active
from .common import OPTIONAL, P, active_org, roles_field, session_user


@endpoint(
    f"{P}/remove-member",
    "POST",
    body=s.Schema(
        {"memberIdOrEmail": s.string(), "organizationId": OPTIONAL}, required=True
    ),
    session="session",
)
def remove_member(ctx: Context) -> dict[str, Any]:
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    removed = orgs.remove_member(
        session_user(ctx), organization_id, ctx.body["memberIdOrEmail"]
    )
    session = ctx.session.session
    if (
        removed.user_id == session_user(ctx).pk
        and session.active_organization_id == removed.organization_id
    ):
        set_active(ctx, organization_id=None)
    # Better Auth finds a member by email together with its user, by id without.
    by_email = "@" in ctx.body["memberIdOrEmail"]
    return {"member": member_json(removed, with_user=by_email)}


@endpoint(
    f"{P}/update-member-role",
    "POST",
    body=s.Schema(
        {"role": s.any_value(), "memberId": s.string(), "organizationId": OPTIONAL},
        required=True,
    ),
    session="session",
)
def update_member_role(ctx: Context) -> dict[str, Any]:
    role = roles_field(ctx)
    if not role:
        raise APIError(400, None, "Bad Request")
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = orgs.update_member_role(
        session_user(ctx), organization_id, ctx.body["memberId"], role
    )
    return member_json(member)


@endpoint(f"{P}/get-active-member", "GET", session="session")
def get_active_member(ctx: Context) -> dict[str, Any]:
    organization_id = active_org(ctx)
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = orgs.find_member(session_user(ctx).pk, organization_id)
    if member is None:
        raise APIError(400, "MEMBER_NOT_FOUND")
    return member_json(member, with_user=True)


def _org_from_query(ctx: Context) -> str:
    organization_id = ctx.query.get("organizationId") or active_org(ctx)
    slug = ctx.query.get("organizationSlug")
    if slug:
        org = orgs.find_organization(slug=slug)
        if org is None:
            raise APIError(400, "ORGANIZATION_NOT_FOUND")
        organization_id = org.pk
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    if orgs.find_member(session_user(ctx).pk, organization_id) is None:
        raise APIError(403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    return organization_id


@endpoint(
    f"{P}/get-active-member-role",
    "GET",
    query=s.Schema(
        {"userId": OPTIONAL, "organizationId": OPTIONAL, "organizationSlug": OPTIONAL}
    ),
    session="session",
)
def get_active_member_role(ctx: Context) -> dict[str, Any]:
    organization_id = _org_from_query(ctx)
    user_id = ctx.query.get("userId") or session_user(ctx).pk
    member = orgs.find_member(user_id, organization_id)
    if member is None:
        raise APIError(403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    return {"role": member.role}


@endpoint(
    f"{P}/leave",
    "POST",
    body=s.Schema({"organizationId": s.string()}, required=True),
    session="session",
)
def leave(ctx: Context) -> dict[str, Any]:
    organization_id = ctx.body["organizationId"]
    member = orgs.leave_organization(session_user(ctx), organization_id)
    if ctx.session.session.active_organization_id == organization_id:
        set_active(ctx, organization_id=None)
    return member_json(member, with_user=True)


LIST_MEMBERS = s.Schema(
    {
        "limit": s.any_value(),
        "offset": s.any_value(),
        "sortBy": OPTIONAL,
        "sortDirection": s.Field(
            "string",
            True,
            check=lambda v: (
                None
                if v in ("asc", "desc")
                else 'Invalid option: expected one of "asc"|"desc"'
            ),
        ),
        "filterField": OPTIONAL,
        "filterValue": s.any_value(),
        "filterOperator": OPTIONAL,
        "organizationId": OPTIONAL,
        "organizationSlug": OPTIONAL,
    }
)


# The largest page bound passed to the database: far beyond any organization,
# and with ``offset + limit`` still inside every backend's 64-bit integer.
MAX_PAGE = 2**31 - 1


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise APIError(
            400, "VALIDATION_ERROR", "Invalid number", status_text="400"
        ) from None
    return min(max(number, 0), MAX_PAGE)


@endpoint(f"{P}/list-members", "GET", query=LIST_MEMBERS, session="session")
def list_members(ctx: Context) -> dict[str, Any]:
    organization_id = _org_from_query(ctx)
    q = ctx.query
    members, total = orgs.list_members(
        organization_id,
        limit=_int(q.get("limit")),
        offset=_int(q.get("offset")),
        sort_by=q.get("sortBy"),
        sort_direction=q.get("sortDirection"),
        filter_field=q.get("filterField"),
        filter_operator=q.get("filterOperator"),
        filter_value=q.get("filterValue"),
    )
    return {
        "members": [member_json(m, with_user=True) for m in members],
        "total": total,
    }
