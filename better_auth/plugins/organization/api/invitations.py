"""Invitation endpoints."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from ..serializers import (
    invitation_json,
    member_json,
)
from ..services import invitations as invites
from ..services.active import set_active
from .common import OPTIONAL, P, active_org, roles_field, session_user

INVITE = s.Schema(
    {
        "email": s.string(),
        "role": s.any_value(),
        "organizationId": OPTIONAL,
        "resend": s.boolean(optional=True),
        "teamId": s.any_value(),
    },
    required=True,
)


@endpoint(f"{P}/invite-member", "POST", body=INVITE, session="session")
def invite_member(ctx: Context) -> dict[str, Any]:
    role = roles_field(ctx)
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    team_id = ctx.body.get("teamId")
    team_ids = [team_id] if isinstance(team_id, str) else list(team_id or [])
    invitation = invites.invite_member(
        session_user(ctx),
        organization_id,
        ctx.body["email"],
        role,
        resend=bool(ctx.body.get("resend")),
        team_ids=[t for t in team_ids if isinstance(t, str) and t],
        request=ctx.request,
    )
    return invitation_json(invitation)


INVITATION_ID = s.Schema({"invitationId": s.string()}, required=True)


@endpoint(f"{P}/accept-invitation", "POST", body=INVITATION_ID, session="session")
def accept_invitation(ctx: Context) -> dict[str, Any]:
    invitation, member, team_id = invites.accept_invitation(
        session_user(ctx), ctx.body["invitationId"]
    )
    if team_id is not None:
        # A single-team invitation also activates that team and, as in
        # Better Auth, re-issues the session cookie.
        set_active(
            ctx,
            organization_id=invitation.organization_id,
            team_id=team_id,
            set_cookie=True,
        )
    else:
        set_active(ctx, organization_id=invitation.organization_id)
    return {"invitation": invitation_json(invitation), "member": member_json(member)}


@endpoint(f"{P}/reject-invitation", "POST", body=INVITATION_ID, session="session")
def reject_invitation(ctx: Context) -> dict[str, Any]:
    invitation = invites.reject_invitation(session_user(ctx), ctx.body["invitationId"])
    return {"invitation": invitation_json(invitation), "member": None}


@endpoint(f"{P}/cancel-invitation", "POST", body=INVITATION_ID, session="session")
def cancel_invitation(ctx: Context) -> dict[str, Any]:
    return invitation_json(
        invites.cancel_invitation(session_user(ctx), ctx.body["invitationId"])
    )


@endpoint(
    f"{P}/get-invitation",
    "GET",
    query=s.Schema({"id": s.string()}, required=True),
    session="session",
)
def get_invitation(ctx: Context) -> dict[str, Any]:
    invitation, org, inviter = invites.get_invitation(
        session_user(ctx), ctx.query["id"]
    )
    return {
        **invitation_json(invitation),
        "organizationName": org.name,
        "organizationSlug": org.slug,
        "inviterEmail": inviter.user.email,
    }


@endpoint(
    f"{P}/list-invitations",
    "GET",
    query=s.Schema({"organizationId": OPTIONAL}),
    session="session",
)
def list_invitations(ctx: Context) -> list[dict[str, Any]]:
    organization_id = active_org(ctx, ctx.query.get("organizationId"))
    if not organization_id:
        raise APIError(400, None, "Organization ID is required")
    rows = invites.list_invitations(session_user(ctx), organization_id)
    return [invitation_json(i) for i in rows]


@endpoint(
    f"{P}/list-user-invitations",
    "GET",
    query=s.Schema({"email": OPTIONAL}),
    session="session",
)
def list_user_invitations(ctx: Context) -> list[dict[str, Any]]:
    if ctx.query.get("email"):
        raise APIError(
            400, None, "User email cannot be passed for client side API calls."
        )
    user = session_user(ctx)
    if not user.email_verified:
        raise APIError(403, "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION")
    return [
        {**invitation_json(inv), "organizationName": name}
        for inv, name in invites.list_user_invitations(user.email)
    ]
