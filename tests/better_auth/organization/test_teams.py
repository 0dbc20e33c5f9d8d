"""Teams (§8.5): endpoints, 1.7 update-team rule, seat counters, membership keys."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from better_auth.plugins.organization.models import (
    Invitation,
    Organization,
    Team,
    TeamMember,
)
from better_auth.plugins.organization.services.teams import membership_key

from .conftest import code, join


@pytest.fixture
def teams_on(org_settings: Any) -> None:
    org_settings(TEAMS={"ENABLED": True})


@pytest.fixture
def team_org(teams_on: None, owner: Any) -> dict[str, Any]:
    return owner.post("/organization/create", {"name": "T", "slug": "t"}).json()


def test_team_endpoints_do_not_exist_without_teams(owner: Any, org: Any) -> None:
    response = owner.post("/organization/create-team", {"name": "x"})
    assert response.status_code == 404 and response.content == b""


def test_membership_key_is_better_auths() -> None:
    """base64url-nopad(SHA-256(JSON.stringify([teamId, userId])))."""
    raw = hashlib.sha256(b'["team-1","user-\\"2\\u00e9"]').digest()
    expected = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    text_key = membership_key("team-1", 'user-"2\u00e9')
    # JSON.stringify writes é raw, not escaped.
    raw_js = hashlib.sha256('["team-1","user-\\"2é"]'.encode()).digest()
    assert text_key == base64.urlsafe_b64encode(raw_js).rstrip(b"=").decode()
    assert text_key != expected
    assert "=" not in text_key and len(text_key) == 43


def test_create_makes_a_default_team_and_activates_it(
    owner: Any, team_org: Any
) -> None:
    session = owner.get("/get-session").json()["session"]
    teams = owner.get("/organization/list-teams").json()
    assert [t["name"] for t in teams] == ["T"]
    assert list(teams[0]) == ["name", "organizationId", "createdAt", "updatedAt", "id"]
    assert session["activeTeamId"] == teams[0]["id"]
    assert Team.objects.get(pk=teams[0]["id"]).member_count == 1


def test_create_update_remove_team(owner: Any, team_org: Any) -> None:
    team = owner.post("/organization/create-team", {"name": "Red"}).json()
    assert team["organizationId"] == team_org["id"] and "memberCount" not in team
    updated = owner.post(
        "/organization/update-team",
        {
            "teamId": team["id"],
            "data": {
                "name": "Blue",
                "id": "hijack",
                "createdAt": "2000-01-01T00:00:00.000Z",
                "updatedAt": "2000-01-01T00:00:00.000Z",
            },
        },
    )
    body = updated.json()
    assert updated.status_code == 200
    # 1.7: id, createdAt and updatedAt are dropped from the data, never applied.
    assert body["id"] == team["id"] and body["name"] == "Blue"
    assert body["createdAt"] == team["createdAt"]
    assert not body["updatedAt"].startswith("2000")
    assert Team.objects.filter(pk="hijack").count() == 0
    removed = owner.post("/organization/remove-team", {"teamId": team["id"]})
    assert removed.json() == {"message": "Team removed successfully."}
    assert Organization.objects.get(pk=team_org["id"]).team_count == 1


def test_last_team_and_active_team_are_protected(
    owner: Any, team_org: Any, org_settings: Any
) -> None:
    only = owner.get("/organization/list-teams").json()[0]
    active = owner.post("/organization/remove-team", {"teamId": only["id"]})
    assert code(active) == (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM")
    owner.post("/organization/set-active-team", {"teamId": None})
    last = owner.post("/organization/remove-team", {"teamId": only["id"]})
    assert code(last) == (400, "UNABLE_TO_REMOVE_LAST_TEAM")
    org_settings(TEAMS={"ENABLED": True, "ALLOW_REMOVING_ALL_TEAMS": True})
    assert (
        owner.post("/organization/remove-team", {"teamId": only["id"]}).status_code
        == 200
    )


def test_maximum_teams(owner: Any, teams_on: None, org_settings: Any) -> None:
    org_settings(TEAMS={"ENABLED": True, "MAXIMUM_TEAMS": 2})
    owner.post("/organization/create", {"name": "T", "slug": "t"})
    assert owner.post("/organization/create-team", {"name": "2"}).status_code == 200
    full = owner.post("/organization/create-team", {"name": "3"})
    assert code(full) == (400, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS")


def test_members_cannot_manage_teams(owner: Any, team_org: Any, signed_in: Any) -> None:
    bob = signed_in()
    join(owner, bob, team_org["id"])
    refused = bob.post("/organization/create-team", {"name": "x"})
    assert code(refused) == (
        403,
        "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION",
    )


def test_add_list_remove_team_members_keep_the_count(
    owner: Any, team_org: Any, signed_in: Any
) -> None:
    bob = signed_in()
    join(owner, bob, team_org["id"])
    team = owner.post("/organization/create-team", {"name": "Red"}).json()
    added = owner.post(
        "/organization/add-team-member", {"teamId": team["id"], "userId": bob.user.id}
    ).json()
    assert list(added) == ["teamId", "userId", "createdAt", "id"]
    again = owner.post(
        "/organization/add-team-member", {"teamId": team["id"], "userId": bob.user.id}
    ).json()
    assert again["id"] == added["id"]
    assert Team.objects.get(pk=team["id"]).member_count == 1
    assert TeamMember.objects.get(pk=added["id"]).membership_key == membership_key(
        team["id"], bob.user.id
    )
    owner.post(
        "/organization/add-team-member", {"teamId": team["id"], "userId": owner.user.id}
    )
    members = owner.get(
        "/organization/list-team-members", {"teamId": team["id"]}
    ).json()
    assert {m["userId"] for m in members} == {bob.user.id, owner.user.id}
    assert all("membershipKey" not in m for m in members)
    removed = owner.post(
        "/organization/remove-team-member",
        {"teamId": team["id"], "userId": bob.user.id},
    )
    assert removed.json() == {"message": "Team member removed successfully."}
    assert Team.objects.get(pk=team["id"]).member_count == 1
    gone = owner.post(
        "/organization/remove-team-member",
        {"teamId": team["id"], "userId": bob.user.id},
    )
    assert code(gone) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")


def test_team_member_limit(
    owner: Any, teams_on: None, org_settings: Any, signed_in: Any
) -> None:
    org_settings(TEAMS={"ENABLED": True, "MAXIMUM_MEMBERS_PER_TEAM": 1})
    created = owner.post("/organization/create", {"name": "T", "slug": "t"}).json()
    bob = signed_in()
    join(owner, bob, created["id"])
    team_id = owner.get("/organization/list-teams").json()[0]["id"]
    full = owner.post(
        "/organization/add-team-member", {"teamId": team_id, "userId": bob.user.id}
    )
    assert code(full) == (403, "TEAM_MEMBER_LIMIT_REACHED")
    assert Team.objects.get(pk=team_id).member_count == 1


def test_removing_a_member_leaves_their_teams(
    owner: Any, team_org: Any, signed_in: Any
) -> None:
    bob = signed_in()
    member = join(owner, bob, team_org["id"])
    team_id = owner.get("/organization/list-teams").json()[0]["id"]
    owner.post(
        "/organization/add-team-member", {"teamId": team_id, "userId": bob.user.id}
    )
    assert Team.objects.get(pk=team_id).member_count == 2
    owner.post("/organization/remove-member", {"memberIdOrEmail": member["id"]})
    assert Team.objects.get(pk=team_id).member_count == 1
    assert not TeamMember.objects.filter(user=bob.user).exists()


def test_invitation_with_a_team(owner: Any, team_org: Any, signed_in: Any) -> None:
    bob = signed_in()
    team = owner.post("/organization/create-team", {"name": "Red"}).json()
    invitation = owner.post(
        "/organization/invite-member",
        {"email": bob.email, "role": "member", "teamId": team["id"]},
    ).json()
    assert invitation["teamId"] == team["id"]
    assert list(invitation)[3] == "teamId"
    bob.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    session = bob.get("/get-session").json()["session"]
    assert session["activeTeamId"] == team["id"]
    assert session["activeOrganizationId"] == team_org["id"]
    assert [t["id"] for t in bob.get("/organization/list-user-teams").json()] == [
        team["id"]
    ]


def test_invalid_team_ids_on_invite(owner: Any, team_org: Any) -> None:
    comma = owner.post(
        "/organization/invite-member",
        {"email": "a@example.test", "role": "member", "teamId": "a,b"},
    )
    assert code(comma) == (400, "INVALID_TEAM_ID")
    unknown = owner.post(
        "/organization/invite-member",
        {"email": "a@example.test", "role": "member", "teamId": ["nope"]},
    )
    assert code(unknown) == (400, "TEAM_NOT_FOUND")


def test_removing_a_team_drops_it_from_pending_invitations(
    owner: Any, team_org: Any
) -> None:
    red = owner.post("/organization/create-team", {"name": "Red"}).json()
    blue = owner.post("/organization/create-team", {"name": "Blue"}).json()
    invitation = owner.post(
        "/organization/invite-member",
        {
            "email": "a@example.test",
            "role": "member",
            "teamId": [red["id"], blue["id"]],
        },
    ).json()
    assert invitation["teamId"] == f"{red['id']},{blue['id']}"
    owner.post("/organization/remove-team", {"teamId": red["id"]})
    assert Invitation.objects.get(pk=invitation["id"]).team_id == blue["id"]


def test_set_active_team(owner: Any, team_org: Any, signed_in: Any) -> None:
    red = owner.post("/organization/create-team", {"name": "Red"}).json()
    not_in = owner.post("/organization/set-active-team", {"teamId": red["id"]})
    assert code(not_in) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    owner.post(
        "/organization/add-team-member", {"teamId": red["id"], "userId": owner.user.id}
    )
    active = owner.post("/organization/set-active-team", {"teamId": red["id"]})
    assert active.json()["id"] == red["id"]
    assert owner.get("/get-session").json()["session"]["activeTeamId"] == red["id"]
    cleared = owner.post("/organization/set-active-team", {"teamId": None})
    assert cleared.content == b"null"
    missing = owner.get("/organization/list-team-members")
    assert code(missing) == (400, "YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM")


def test_list_user_teams_of_someone_else_needs_member_update(
    owner: Any, team_org: Any, signed_in: Any
) -> None:
    bob = signed_in()
    join(owner, bob, team_org["id"])
    assert (
        owner.get("/organization/list-user-teams", {"userId": bob.user.id}).json() == []
    )
    refused = bob.get("/organization/list-user-teams", {"userId": owner.user.id})
    assert code(refused) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")


def test_deleting_a_user_gives_their_seats_back(
    owner: Any, team_org: Any, signed_in: Any
) -> None:
    """Cascades and admin deletes move the counters too, not only the API."""
    bob = signed_in()
    join(owner, bob, team_org["id"])
    team_id = owner.get("/organization/list-teams").json()[0]["id"]
    owner.post(
        "/organization/add-team-member", {"teamId": team_id, "userId": bob.user.id}
    )
    assert Organization.objects.get(pk=team_org["id"]).member_count == 2
    bob.user.delete()
    assert Organization.objects.get(pk=team_org["id"]).member_count == 1
    assert Team.objects.get(pk=team_id).member_count == 1
