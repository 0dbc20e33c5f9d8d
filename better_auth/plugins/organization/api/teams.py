"""Team endpoints (only with ``TEAMS.ENABLED``)."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from .. import conf
from ..models import Team, TeamMember
from ..serializers import (
    team_json,
    team_member_json,
)
from ..services import organizations as orgs
from ..services import teams
from ..services.active import set_active
from ..services.permissions import has_permission
from .common import OPTIONAL, P, active_org, not_found, session_user


def _teams_off() -> bool:
    return not conf.teams_enabled()


def _team_member_of(ctx: Context, organization_id: str, code: str, status: int = 403):
    member = orgs.find_member(session_user(ctx).pk, organization_id)
    if member is None:
        raise APIError(status, code)
    return member


@endpoint(
    f"{P}/create-team",
    "POST",
    body=s.Schema({"name": s.string(), "organizationId": OPTIONAL}, required=True),
    session="session",
)
def create_team(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = _team_member_of(
        ctx, organization_id, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION"
    )
    if not has_permission(member.role, {"team": ["create"]}, organization_id):
        raise APIError(403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION")
    org = orgs.find_organization(organization_id)
    if org is None:
        raise APIError(400, "ORGANIZATION_NOT_FOUND")
    team = teams.create_team(
        org, ctx.body["name"], user=session_user(ctx), session=ctx.session
    )
    return team_json(team)


@endpoint(
    f"{P}/remove-team",
    "POST",
    body=s.Schema({"teamId": s.string(), "organizationId": OPTIONAL}, required=True),
    session="session",
)
def remove_team(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = orgs.find_member(session_user(ctx).pk, organization_id)
    if member is None or ctx.session.session.active_team_id == ctx.body["teamId"]:
        raise APIError(403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM")
    if not has_permission(member.role, {"team": ["delete"]}, organization_id):
        raise APIError(403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION")
    team = Team.objects.filter(
        pk=ctx.body["teamId"], organization_id=organization_id
    ).first()
    if team is None:
        raise APIError(400, "TEAM_NOT_FOUND")
    if not conf.section().TEAMS.ALLOW_REMOVING_ALL_TEAMS and (
        Team.objects.filter(organization_id=organization_id).count() <= 1
    ):
        raise APIError(400, "UNABLE_TO_REMOVE_LAST_TEAM")
    teams.remove_team(team)
    return {"message": "Team removed successfully."}


# 1.7: the data schema is the team's without id, createdAt and updatedAt, so
# those keys are dropped, never applied.
UPDATE_TEAM = s.Schema({"teamId": s.string(), "data": s.Field("object")}, required=True)
UPDATE_TEAM_DATA = s.Schema(
    {"name": s.string(optional=True, min_length=1), "organizationId": OPTIONAL}
)


@endpoint(f"{P}/update-team", "POST", body=UPDATE_TEAM, session="session")
def update_team(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    data = UPDATE_TEAM_DATA.validate(ctx.body["data"], "body.data")
    organization_id = active_org(ctx, data.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    member = _team_member_of(
        ctx, organization_id, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM"
    )
    if not has_permission(member.role, {"team": ["update"]}, organization_id):
        raise APIError(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM")
    team = Team.objects.filter(
        pk=ctx.body["teamId"], organization_id=organization_id
    ).first()
    if team is None:
        raise APIError(400, "TEAM_NOT_FOUND")
    return team_json(teams.update_team(team, {"name": data.get("name")}))


@endpoint(
    f"{P}/list-teams",
    "GET",
    query=s.Schema({"organizationId": OPTIONAL}),
    session="session",
)
def list_teams(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    organization_id = active_org(ctx, ctx.query.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    _team_member_of(
        ctx, organization_id, "YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION"
    )
    rows = Team.objects.filter(organization_id=organization_id).order_by(
        "created_at", "id"
    )
    return [team_json(t) for t in rows]


@endpoint(
    f"{P}/set-active-team",
    "POST",
    body=s.Schema({"teamId": s.string(optional=True, nullable=True)}),
    session="session",
)
def set_active_team(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    session = ctx.session.session
    team_id = ctx.body.get("teamId", s.UNDEFINED)
    if team_id is None:
        if not session.active_team_id:
            return JSON(None)
        set_active(ctx, team_id=None, set_cookie=True)
        return JSON(None)
    if team_id is s.UNDEFINED or not team_id:
        if not session.active_team_id:
            return JSON(None)
        team_id = session.active_team_id
    if not session.active_organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    team = Team.objects.filter(
        pk=team_id, organization_id=session.active_organization_id
    ).first()
    if team is None:
        raise APIError(400, "TEAM_NOT_FOUND")
    if not TeamMember.objects.filter(team=team, user_id=session_user(ctx).pk).exists():
        raise APIError(403, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    set_active(ctx, team_id=team.pk, set_cookie=True)
    return team_json(team)


@endpoint(
    f"{P}/list-user-teams",
    "GET",
    query=s.Schema({"userId": OPTIONAL, "organizationId": OPTIONAL}),
    session="session",
)
def list_user_teams(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    me = session_user(ctx)
    target = ctx.query.get("userId") or me.pk
    organization_id = ctx.query.get("organizationId") or active_org(ctx)
    rows = Team.objects.filter(members__user_id=target).order_by("members__created_at")
    if target != me.pk:
        if not organization_id:
            raise APIError(400, "NO_ACTIVE_ORGANIZATION")
        requester = _team_member_of(
            ctx, organization_id, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION"
        )
        if not has_permission(requester.role, {"member": ["update"]}, organization_id):
            raise APIError(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
        if orgs.find_member(target, organization_id) is None:
            raise APIError(400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        return [team_json(t) for t in rows.filter(organization_id=organization_id)]
    if ctx.query.get("organizationId"):
        _team_member_of(
            ctx, organization_id, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION"
        )
        return [team_json(t) for t in rows.filter(organization_id=organization_id)]
    return [team_json(t) for t in rows.filter(organization__members__user_id=me.pk)]


@endpoint(
    f"{P}/list-team-members",
    "GET",
    query=s.Schema({"teamId": OPTIONAL}),
    session="session",
)
def list_team_members(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    team_id = ctx.query.get("teamId") or ctx.session.session.active_team_id
    if not team_id:
        raise APIError(400, "YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM")
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise APIError(400, "TEAM_NOT_FOUND")
    me = session_user(ctx)
    if orgs.find_member(me.pk, team.organization_id) is None or not (
        TeamMember.objects.filter(team=team, user_id=me.pk).exists()
    ):
        raise APIError(400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    rows = TeamMember.objects.filter(team=team).order_by("created_at", "id")
    return [team_member_json(tm) for tm in rows]


TEAM_MEMBER = s.Schema(
    {"teamId": s.string(), "userId": s.string(), "organizationId": OPTIONAL},
    required=True,
)


def _team_member_target(ctx: Context, permission: str, code: str) -> tuple[Team, str]:
    organization_id = active_org(ctx, ctx.body.get("organizationId"))
    if not organization_id:
        raise APIError(400, "NO_ACTIVE_ORGANIZATION")
    me = _team_member_of(
        ctx, organization_id, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", 400
    )
    if not has_permission(me.role, {"member": [permission]}, organization_id):
        raise APIError(403, code)
    user_id = ctx.body["userId"]
    if orgs.find_member(user_id, organization_id) is None:
        raise APIError(400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    team = Team.objects.filter(
        pk=ctx.body["teamId"], organization_id=organization_id
    ).first()
    if team is None:
        raise APIError(400, "TEAM_NOT_FOUND")
    return team, user_id


@endpoint(f"{P}/add-team-member", "POST", body=TEAM_MEMBER, session="session")
def add_team_member(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    team, user_id = _team_member_target(
        ctx, "update", "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER"
    )
    tm = teams.add_team_member(team, user_id, limit=orgs._team_limit(team))
    return team_member_json(tm)


@endpoint(f"{P}/remove-team-member", "POST", body=TEAM_MEMBER, session="session")
def remove_team_member(ctx: Context) -> Any:
    if _teams_off():
        return not_found()
    team, user_id = _team_member_target(
        ctx, "delete", "YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER"
    )
    if not TeamMember.objects.filter(team=team, user_id=user_id).exists():
        raise APIError(400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    teams.remove_team_member(team, user_id)
    return {"message": "Team member removed successfully."}
