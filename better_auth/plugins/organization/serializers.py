"""JSON shapes of the plugin's rows, field for field as Better Auth sends them.

Better Auth renders a row as its schema's fields in declaration order with
``id`` last; extra objects (``user``, ``members``) follow. Organization
``metadata`` is stored as JSON text: create and update answer it parsed,
the list and read endpoints answer the stored text, as Better Auth does.
Seat counters and ``membershipKey`` are never rendered.
"""

from __future__ import annotations

import json
from typing import Any

from better_auth.serializers import iso

from . import conf
from .models import Invitation, Member, Organization, OrganizationRole, Team, TeamMember

__all__ = [
    "invitation_json",
    "member_json",
    "organization_json",
    "role_json",
    "session_fields",
    "team_json",
    "team_member_json",
    "user_brief",
]

_OMIT = object()


def parse_metadata(raw: str | None) -> Any:
    if not raw:
        return _OMIT
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def organization_json(org: Organization, *, metadata: str = "stored") -> dict[str, Any]:
    """``metadata="stored"`` renders the text, ``"parsed"`` the parsed value
    (omitted when empty), as create/update answer."""
    data: dict[str, Any] = {
        "name": org.name,
        "slug": org.slug,
        "logo": org.logo,
        "createdAt": iso(org.created_at),
    }
    if metadata == "parsed":
        parsed = parse_metadata(org.metadata)
        if parsed is not _OMIT:
            data["metadata"] = parsed
    else:
        data["metadata"] = org.metadata
    data["id"] = org.id
    return data


def user_brief(user: Any) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email, "image": user.image}


def member_json(member: Member, *, with_user: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organizationId": member.organization_id,
        "userId": member.user_id,
        "role": member.role,
        "createdAt": iso(member.created_at),
        "id": member.id,
    }
    if with_user:
        data["user"] = user_brief(member.user)
    return data


def invitation_json(inv: Invitation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organizationId": inv.organization_id,
        "email": inv.email,
        "role": inv.role,
    }
    if conf.teams_enabled():
        data["teamId"] = inv.team_id
    data.update(
        {
            "status": inv.status,
            "expiresAt": iso(inv.expires_at),
            "createdAt": iso(inv.created_at),
            "inviterId": inv.inviter_id,
            "id": inv.id,
        }
    )
    return data


def team_json(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "organizationId": team.organization_id,
        "createdAt": iso(team.created_at),
        "updatedAt": iso(team.updated_at),
        "id": team.id,
    }


def team_member_json(tm: TeamMember) -> dict[str, Any]:
    return {
        "teamId": tm.team_id,
        "userId": tm.user_id,
        "createdAt": iso(tm.created_at),
        "id": tm.id,
    }


def role_json(role: OrganizationRole) -> dict[str, Any]:
    try:
        permission = json.loads(role.permission)
    except ValueError:
        permission = None
    return {
        "organizationId": role.organization_id,
        "role": role.role,
        "permission": permission,
        "createdAt": iso(role.created_at),
        "updatedAt": iso(role.updated_at),
        "id": role.id,
    }


def session_fields(session: Any) -> dict[str, Any]:
    """The plugin's session fields; ``activeTeamId`` only with teams on."""
    data = {"activeOrganizationId": getattr(session, "active_organization_id", None)}
    if conf.teams_enabled():
        data["activeTeamId"] = getattr(session, "active_team_id", None)
    return data
