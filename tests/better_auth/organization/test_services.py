"""The use cases called directly, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth.errors import APIError
from better_auth.plugins.organization.models import Member, Organization, Team
from better_auth.plugins.organization.services import organizations as orgs
from better_auth.plugins.organization.services import teams
from better_auth.plugins.organization.services.permissions import has_permission


@pytest.fixture
def setup(user_factory: Any) -> tuple[Organization, Any]:
    owner = user_factory()
    org, _member, _ = orgs.create_organization(owner, {"name": "S", "slug": "s"})
    return org, owner


def test_creator_takes_the_first_seat(setup: Any) -> None:
    org, owner = setup
    assert Organization.objects.get(pk=org.pk).member_count == 1
    assert Member.objects.get(organization=org).role == "owner"


def test_update_member_role_refuses_before_looking_up_roles(
    setup: Any, user_factory: Any
) -> None:
    """1.7 ordering at the service level: 403 first, then ROLE_NOT_FOUND."""
    org, owner = setup
    bob, carol = user_factory(), user_factory()
    orgs.add_member(org.pk, bob, "member")
    target = orgs.add_member(org.pk, carol, "member")
    with pytest.raises(APIError) as refused:
        orgs.update_member_role(bob, org.pk, target.pk, "ghost")
    assert refused.value.code == "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"
    with pytest.raises(APIError) as unknown:
        orgs.update_member_role(owner, org.pk, target.pk, "ghost")
    assert unknown.value.code == "ROLE_NOT_FOUND"
    assert unknown.value.message == "ROLE_NOT_FOUND: ghost"


def test_leaving_gives_seats_back(
    setup: Any, user_factory: Any, org_settings: Any
) -> None:
    org_settings(TEAMS={"ENABLED": True})
    org, owner = setup
    bob = user_factory()
    orgs.add_member(org.pk, bob, "member")
    team = teams.create_team(org, "Red")
    teams.add_team_member(team, bob.pk, limit=None)
    orgs.leave_organization(bob, org.pk)
    assert Organization.objects.get(pk=org.pk).member_count == 1
    assert Team.objects.get(pk=team.pk).member_count == 0


def test_creator_gets_every_permission_only_when_asked(setup: Any) -> None:
    org, _owner = setup
    assert not has_permission("owner", {"billing": ["x"]}, org.pk)
    assert has_permission("owner", {"billing": ["x"]}, org.pk, allow_creator_all=True)
    assert not has_permission("owner", {}, org.pk)


def test_delete_organization_cascades(setup: Any) -> None:
    org, owner = setup
    orgs.delete_organization(owner, org.pk)
    assert not Member.objects.filter(organization_id=org.pk).exists()
