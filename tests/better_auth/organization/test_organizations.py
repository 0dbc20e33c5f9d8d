"""Organization endpoints (Better Auth 1.7 organization plugin, core-surface §8.5)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from better_auth.models import Session
from better_auth.plugins.organization.models import Member as MemberRow
from better_auth.plugins.organization.models import Organization

from .conftest import code, join


def test_create_answers_the_organization_with_its_owner(owner: Any) -> None:
    """Field order and shape as recorded from Better Auth (no metadata key)."""
    response = owner.post("/organization/create", {"name": "Acme", "slug": "acme"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["name", "slug", "logo", "createdAt", "id", "members"]
    assert list(body["members"][0]) == [
        "organizationId",
        "userId",
        "role",
        "createdAt",
        "id",
    ]
    assert body["members"][0]["role"] == "owner"
    assert body["members"][0]["userId"] == owner.user.id
    assert len(body["id"]) == 32 and body["id"].isalnum()


def test_create_parses_metadata_and_list_shows_stored_text(owner: Any) -> None:
    created = owner.post(
        "/organization/create",
        {"name": "M", "slug": "m", "metadata": {"plan": "pro"}, "logo": "l.png"},
    ).json()
    assert created["metadata"] == {"plan": "pro"}
    assert list(created)[:5] == ["name", "slug", "logo", "createdAt", "metadata"]
    listed = owner.get("/organization/list").json()
    assert listed[0]["metadata"] == '{"plan": "pro"}'


def test_create_sets_the_active_organization_on_the_session(
    owner: Any, org: Any
) -> None:
    session = owner.get("/get-session").json()["session"]
    assert session["activeOrganizationId"] == org["id"]
    assert "activeTeamId" not in session


def test_keep_current_active_organization(owner: Any, org: Any) -> None:
    owner.post(
        "/organization/create",
        {"name": "B", "slug": "b", "keepCurrentActiveOrganization": True},
    )
    session = owner.get("/get-session").json()["session"]
    assert session["activeOrganizationId"] == org["id"]


def test_duplicate_slug(owner: Any, org: Any) -> None:
    response = owner.post("/organization/create", {"name": "X", "slug": "acme"})
    assert response.status_code == 400
    assert response.json() == {
        "message": "Organization already exists",
        "code": "ORGANIZATION_ALREADY_EXISTS",
    }


def test_create_validates_like_zod(owner: Any) -> None:
    response = owner.post("/organization/create", {"name": "", "slug": 3})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "[body.name] Too small" in response.json()["message"]
    assert (
        "[body.slug] Invalid input: expected string, received number"
        in (response.json()["message"])
    )


def test_create_needs_a_session(api: Any) -> None:
    assert (
        api.post("/organization/create", {"name": "A", "slug": "a"}).status_code == 401
    )


def test_create_can_be_forbidden(owner: Any, org_settings: Any) -> None:
    org_settings(ALLOW_USER_TO_CREATE_ORGANIZATION=False)
    response = owner.post("/organization/create", {"name": "A", "slug": "a"})
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION")


def test_organization_limit(owner: Any, org: Any, org_settings: Any) -> None:
    org_settings(ORGANIZATION_LIMIT=1)
    response = owner.post("/organization/create", {"name": "A", "slug": "a"})
    assert code(response) == (
        403,
        "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS",
    )


def test_check_slug(owner: Any, org: Any) -> None:
    assert owner.post("/organization/check-slug", {"slug": "free"}).json() == {
        "status": True
    }
    taken = owner.post("/organization/check-slug", {"slug": "acme"})
    assert code(taken) == (400, "ORGANIZATION_SLUG_ALREADY_TAKEN")


def test_update_by_owner_and_refused_for_member(
    owner: Any, org: Any, signed_in: Any
) -> None:
    updated = owner.post(
        "/organization/update", {"data": {"name": "Acme 2", "metadata": {"a": 1}}}
    ).json()
    assert updated["name"] == "Acme 2" and updated["metadata"] == {"a": 1}
    bob = signed_in()
    join(owner, bob, org["id"])
    refused = bob.post(
        "/organization/update", {"data": {"name": "x"}, "organizationId": org["id"]}
    )
    assert code(refused) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION")


def test_update_refuses_a_taken_slug(owner: Any, org: Any) -> None:
    owner.post(
        "/organization/create",
        {"name": "B", "slug": "b", "keepCurrentActiveOrganization": True},
    )
    response = owner.post("/organization/update", {"data": {"slug": "b"}})
    assert code(response) == (400, "ORGANIZATION_SLUG_ALREADY_TAKEN")


def test_update_by_a_stranger(org: Any, signed_in: Any) -> None:
    eve = signed_in()
    response = eve.post(
        "/organization/update", {"data": {"name": "x"}, "organizationId": org["id"]}
    )
    assert code(response) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")


def test_delete_clears_the_active_organization(owner: Any, org: Any) -> None:
    response = owner.post("/organization/delete", {"organizationId": org["id"]})
    assert response.status_code == 200 and response.json()["id"] == org["id"]
    assert not Organization.objects.filter(pk=org["id"]).exists()
    assert not MemberRow.objects.filter(organization_id=org["id"]).exists()
    assert owner.get("/get-session").json()["session"]["activeOrganizationId"] is None


def test_delete_needs_the_delete_permission(
    owner: Any, org: Any, signed_in: Any
) -> None:
    admin = signed_in()
    join(owner, admin, org["id"], role="admin")
    response = admin.post("/organization/delete", {"organizationId": org["id"]})
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION")


def test_delete_can_be_disabled(owner: Any, org: Any, org_settings: Any) -> None:
    org_settings(DISABLE_ORGANIZATION_DELETION=True)
    response = owner.post("/organization/delete", {"organizationId": org["id"]})
    assert code(response) == (404, "ORGANIZATION_DELETION_DISABLED")


def test_get_full_organization(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    join(owner, bob, org["id"])
    owner.post(
        "/organization/invite-member", {"email": "c@example.test", "role": "admin"}
    )
    full = owner.get("/organization/get-full-organization").json()
    assert list(full) == [
        "name",
        "slug",
        "logo",
        "createdAt",
        "metadata",
        "id",
        "invitations",
        "members",
    ]
    assert [m["user"]["email"] for m in full["members"]] == [
        owner.email,
        bob.email,
    ]
    assert list(full["members"][0]["user"]) == ["id", "name", "email", "image"]
    assert {i["email"] for i in full["invitations"]} == {bob.email, "c@example.test"}
    # A plain member cannot see invitation ids (they work as invitation links).
    seen_by_bob = bob.get(
        "/organization/get-full-organization", {"organizationId": org["id"]}
    ).json()
    assert seen_by_bob["invitations"] == []
    limited = owner.get("/organization/get-full-organization", {"membersLimit": "1"})
    assert len(limited.json()["members"]) == 1


def test_get_full_organization_without_active_is_null(signed_in: Any) -> None:
    response = signed_in().get("/organization/get-full-organization")
    assert response.status_code == 200 and response.content == b"null"


def test_get_full_organization_of_a_stranger(org: Any, signed_in: Any) -> None:
    response = signed_in().get(
        "/organization/get-full-organization", {"organizationSlug": "acme"}
    )
    assert code(response) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")


def test_set_active_by_id_slug_and_null(owner: Any, org: Any) -> None:
    other = owner.post(
        "/organization/create",
        {"name": "B", "slug": "b", "keepCurrentActiveOrganization": True},
    ).json()
    by_slug = owner.post("/organization/set-active", {"organizationSlug": "b"})
    assert by_slug.json()["id"] == other["id"]
    assert "better-auth.session_token" in by_slug.cookies
    assert (
        owner.get("/get-session").json()["session"]["activeOrganizationId"]
        == other["id"]
    )
    cleared = owner.post("/organization/set-active", {"organizationId": None})
    assert cleared.status_code == 200 and cleared.content == b"null"
    assert owner.get("/get-session").json()["session"]["activeOrganizationId"] is None
    again = owner.post("/organization/set-active", {"organizationId": org["id"]})
    assert again.json()["id"] == org["id"]


def test_set_active_of_a_stranger(org: Any, signed_in: Any) -> None:
    response = signed_in().post(
        "/organization/set-active", {"organizationId": org["id"]}
    )
    assert code(response) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    missing = signed_in().post("/organization/set-active", {"organizationSlug": "nope"})
    assert code(missing) == (400, "ORGANIZATION_NOT_FOUND")


def test_get_organization(owner: Any, org: Any) -> None:
    body = owner.get("/organization/get-organization").json()
    assert body["id"] == org["id"] and body["metadata"] is None


def test_list_only_shows_own_organizations(
    owner: Any, org: Any, signed_in: Any
) -> None:
    assert [o["id"] for o in owner.get("/organization/list").json()] == [org["id"]]
    assert signed_in().get("/organization/list").json() == []
    bob = signed_in()
    join(owner, bob, org["id"])
    assert [o["id"] for o in owner.get("/organization/list").json()] == [org["id"]]
    assert [o["id"] for o in bob.get("/organization/list").json()] == [org["id"]]


def test_get_session_stays_one_query_with_the_plugin(owner: Any, org: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = owner.get("/get-session", {"disableRefresh": "1"})
    assert response.json()["session"]["activeOrganizationId"] == org["id"]
    assert len(queries) == 1


def test_cookie_cache_carries_the_active_organization(
    owner: Any, org: Any, better_auth_settings: Any
) -> None:
    """The cached copy is re-issued on set-active, so it is never stale."""
    better_auth_settings(SESSION={"COOKIE_CACHE": {"ENABLED": True}})
    owner.post("/organization/set-active", {"organizationId": org["id"]})
    Session.objects.filter(user=owner.user).update(active_organization_id="changed")
    with CaptureQueriesContext(connection) as queries:
        session = owner.get("/get-session").json()["session"]
    assert len(queries) == 0
    assert session["activeOrganizationId"] == org["id"]


def test_session_stored_in_cache_keeps_the_active_organization(
    owner: Any, better_auth_settings: Any, signed_in: Any
) -> None:
    better_auth_settings(SESSION={"STORAGE": "cache"})
    alice = signed_in()
    created = alice.post("/organization/create", {"name": "C", "slug": "c"}).json()
    assert (
        alice.get("/get-session").json()["session"]["activeOrganizationId"]
        == (created["id"])
    )


def test_hooks_can_change_the_new_organization(owner: Any, org_settings: Any) -> None:
    calls: list[str] = []
    org_settings(
        HOOKS={
            "BEFORE_CREATE_ORGANIZATION": lambda organization, user: {
                "data": {"name": organization["name"].upper()}
            },
            "AFTER_CREATE_ORGANIZATION": lambda **kw: calls.append(kw["member"].role),
        }
    )
    body = owner.post("/organization/create", {"name": "low", "slug": "low"}).json()
    assert body["name"] == "LOW" and calls == ["owner"]
