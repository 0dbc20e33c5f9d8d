"""Organization and team limits under real concurrency on PostgreSQL.

Each add runs in its own thread with its own connection, all released by
one barrier. A limit holds because taking a seat is one conditional UPDATE
(``… SET n = n + 1 WHERE n < limit``): PostgreSQL makes a second UPDATE of
the same row wait for the first to commit and then re-check its condition.
Skipped unless the database is PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from better_auth.errors import APIError
from better_auth.plugins.organization.models import (
    Member,
    Organization,
    Team,
    TeamMember,
)
from better_auth.plugins.organization.services import organizations as orgs
from better_auth.plugins.organization.services import teams
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def organization(user_factory: Any, org_settings: Any) -> Organization:
    org_settings(TEAMS={"ENABLED": True, "DEFAULT_TEAM": False})
    org, _member, _ = orgs.create_organization(
        user_factory(), {"name": "A", "slug": "a"}
    )
    return org


def _attempt(work: Any) -> str:
    try:
        work()
    except APIError as error:
        return error.code or "error"
    return "ok"


def test_ten_concurrent_joins_respect_the_membership_limit(
    organization: Organization, user_factory: Any, org_settings: Any
) -> None:
    """Limit 5 with the creator in: exactly 4 of 10 joins win, count is 5."""
    org_settings(MEMBERSHIP_LIMIT=5, TEAMS={"ENABLED": True, "DEFAULT_TEAM": False})
    users = iter([user_factory() for _ in range(RACERS)])
    outcomes = race(
        RACERS,
        lambda: _attempt(
            lambda: orgs.add_member(organization.pk, next(users), "member")
        ),
    )
    assert outcomes.count("ok") == 4
    assert outcomes.count("ORGANIZATION_MEMBERSHIP_LIMIT_REACHED") == 6
    assert Member.objects.filter(organization=organization).count() == 5
    assert Organization.objects.get(pk=organization.pk).member_count == 5


@pytest.mark.parametrize("racers", [RACERS, 20])
def test_concurrent_team_adds_respect_the_team_limit(
    organization: Organization, user_factory: Any, racers: int
) -> None:
    """10 (and 20) joins to a team limited to 5: 5 members, member_count 5."""
    team = teams.create_team(organization, "Red", check_limit=False)
    users = iter([user_factory().pk for _ in range(racers)])
    outcomes = race(
        racers,
        lambda: _attempt(lambda: teams.add_team_member(team, next(users), limit=5)),
    )
    assert outcomes.count("ok") == 5
    assert outcomes.count("TEAM_MEMBER_LIMIT_REACHED") == racers - 5
    assert TeamMember.objects.filter(team=team).count() == 5
    assert Team.objects.get(pk=team.pk).member_count == 5


def test_ten_concurrent_adds_of_one_user_make_one_row(
    organization: Organization, user_factory: Any
) -> None:
    """The unique membership key turns duplicates into the existing row."""
    team = teams.create_team(organization, "Red", check_limit=False)
    user_id = user_factory().pk
    rows = race(RACERS, lambda: teams.add_team_member(team, user_id, limit=None).pk)
    assert len(set(rows)) == 1
    assert Team.objects.get(pk=team.pk).member_count == 1


def test_concurrent_adds_and_removes_keep_the_count_exact(
    organization: Organization, user_factory: Any
) -> None:
    team = teams.create_team(organization, "Red", check_limit=False)
    leaving = [user_factory().pk for _ in range(RACERS // 2)]
    for user_id in leaving:
        teams.add_team_member(team, user_id, limit=None)
    joining = [user_factory().pk for _ in range(RACERS // 2)]
    jobs = iter(
        [lambda u=u: teams.remove_team_member(team, u) for u in leaving]
        + [lambda u=u: teams.add_team_member(team, u, limit=None) for u in joining]
    )
    race(RACERS, lambda: next(jobs)())
    assert TeamMember.objects.filter(team=team).count() == len(joining)
    assert Team.objects.get(pk=team.pk).member_count == len(joining)


def test_ten_concurrent_team_creations_respect_the_maximum(
    organization: Organization, org_settings: Any
) -> None:
    org_settings(TEAMS={"ENABLED": True, "DEFAULT_TEAM": False, "MAXIMUM_TEAMS": 3})
    names = iter(str(n) for n in range(RACERS))
    outcomes = race(
        RACERS, lambda: _attempt(lambda: teams.create_team(organization, next(names)))
    )
    assert outcomes.count("ok") == 3
    assert Team.objects.filter(organization=organization).count() == 3
    assert Organization.objects.get(pk=organization.pk).team_count == 3


def test_ten_concurrent_accepts_of_one_invitation_make_one_member(
    organization: Organization, user_factory: Any
) -> None:
    from datetime import timedelta

    from better_auth import clock
    from better_auth.plugins.organization.models import Invitation
    from better_auth.plugins.organization.services import invitations

    invitee = user_factory("invitee@example.test")
    invitation = Invitation.objects.create(
        organization=organization,
        email=invitee.email,
        role="member",
        expires_at=clock.now() + timedelta(hours=1),
        inviter_id=Member.objects.get(organization=organization).user_id,
    )
    outcomes = race(
        RACERS,
        lambda: _attempt(lambda: invitations.accept_invitation(invitee, invitation.pk)),
    )
    assert outcomes.count("ok") == 1
    assert Member.objects.filter(organization=organization, user=invitee).count() == 1
    assert Organization.objects.get(pk=organization.pk).member_count == 2
