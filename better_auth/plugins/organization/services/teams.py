"""Teams and team members; team seats and team counts are atomic."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction

from better_auth import clock
from better_auth.errors import APIError

from .. import conf
from ..models import Invitation, Organization, Team, TeamMember
from . import seats

__all__ = [
    "add_team_member",
    "create_team",
    "membership_key",
    "remove_team",
    "remove_team_member",
]


def membership_key(team_id: str, user_id: str) -> str:
    """base64url-nopad(SHA-256(JSON.stringify([teamId, userId]))).

    ``ensure_ascii=False`` and no spaces give JavaScript's JSON text; the
    same key for the same pair on both implementations lets the unique
    index stop a duplicate however it is inserted.
    """
    text = json.dumps([team_id, user_id], ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _max_teams(org: Organization, session: Any = None) -> int | None:
    limit = conf.section().TEAMS.MAXIMUM_TEAMS
    if callable(limit):
        limit = limit(organization_id=org.pk, session=session)
    return int(limit) if limit else None


def create_team(
    org: Organization,
    name: str,
    *,
    user: Any = None,
    check_limit: bool = True,
    session: Any = None,
) -> Team:
    """Create a team, taking one of the organization's team slots atomically."""
    limit = _max_teams(org, session) if check_limit else None
    now = clock.now()
    with transaction.atomic():
        if not seats.reserve(Organization, org.pk, "team_count", limit):
            raise APIError(400, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS")
        team = Team.objects.create(
            name=name, organization=org, created_at=now, updated_at=now
        )
    return team


def add_team_member(team: Team, user_id: str, *, limit: int | None) -> TeamMember:
    """Add a user to a team once; a full team answers TEAM_MEMBER_LIMIT_REACHED.

    The seat is taken by one conditional UPDATE of ``member_count`` and the
    row is written in the same transaction; a concurrent add of the same
    pair hits the unique ``membership_key`` and gives its seat back.
    """
    key = membership_key(team.pk, user_id)
    with transaction.atomic():
        existing = TeamMember.objects.filter(membership_key=key).first()
        if existing is not None:
            return existing
        if not seats.reserve(Team, team.pk, "member_count", limit):
            raise APIError(403, "TEAM_MEMBER_LIMIT_REACHED")
        try:
            with transaction.atomic():
                return TeamMember.objects.create(
                    team=team,
                    user_id=user_id,
                    membership_key=key,
                    created_at=clock.now(),
                )
        except IntegrityError:
            seats.release(Team, team.pk, "member_count")
            found = TeamMember.objects.filter(membership_key=key).first()
            if found is None:
                raise
            return found


def remove_team_member(team: Team, user_id: str) -> int:
    with transaction.atomic():
        # The delete receiver gives the seat back.
        return TeamMember.objects.filter(team=team, user_id=user_id).delete()[0]


def remove_team(team: Team) -> None:
    """Delete a team and drop it from pending invitations that name it."""
    with transaction.atomic():
        Team.objects.filter(pk=team.pk).delete()
        pending = Invitation.objects.filter(
            organization_id=team.organization_id,
            status=Invitation.PENDING,
            expires_at__gt=clock.now(),
            team_id__isnull=False,
        )
        for invitation in pending:
            ids = invitation.team_id.split(",")
            if team.pk not in ids:
                continue
            rest = [i for i in ids if i != team.pk]
            Invitation.objects.filter(pk=invitation.pk).update(
                team_id=",".join(rest) if rest else None
            )


def update_team(team: Team, data: dict[str, Any]) -> Team:
    """Apply ``data``; ``id``, ``createdAt``, ``updatedAt`` are never taken (1.7)."""
    if "name" in data and data["name"] is not None:
        team.name = data["name"]
    team.updated_at = clock.now()
    Team.objects.filter(pk=team.pk).update(name=team.name, updated_at=team.updated_at)
    return team
