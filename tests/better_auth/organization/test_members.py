"""Members: listing, roles, removal, leaving and has-permission (§8.5)."""

from __future__ import annotations

from typing import Any

from better_auth.plugins.organization.models import Organization

from .conftest import code, join


def test_list_members_pages_sorts_and_filters(
    owner: Any, org: Any, signed_in: Any
) -> None:
    people = [signed_in() for _ in range(3)]
    for person in people:
        join(
            owner, person, org["id"], role="admin" if person is people[0] else "member"
        )
    body = owner.get("/organization/list-members").json()
    assert body["total"] == 4 and len(body["members"]) == 4
    page = owner.get("/organization/list-members", {"limit": "2", "offset": "1"}).json()
    assert page["total"] == 4
    assert [m["userId"] for m in page["members"]] == [
        m["userId"] for m in body["members"][1:3]
    ]
    admins = owner.get(
        "/organization/list-members",
        {"filterField": "role", "filterOperator": "eq", "filterValue": "admin"},
    ).json()
    assert admins["total"] == 1 and admins["members"][0]["userId"] == people[0].user.id
    not_members = owner.get(
        "/organization/list-members",
        {"filterField": "role", "filterOperator": "ne", "filterValue": "member"},
    ).json()
    assert {m["role"] for m in not_members["members"]} == {"owner", "admin"}
    by_role = owner.get(
        "/organization/list-members", {"sortBy": "role", "sortDirection": "desc"}
    ).json()
    assert [m["role"] for m in by_role["members"]][0] == "owner"


def test_list_members_refuses_unknown_columns(owner: Any, org: Any) -> None:
    """Only member columns can be named, never the user's password or a token."""
    response = owner.get(
        "/organization/list-members",
        {"filterField": "user__password", "filterValue": "x"},
    )
    assert response.status_code == 400


def test_list_members_of_a_stranger(org: Any, signed_in: Any) -> None:
    response = signed_in().get(
        "/organization/list-members", {"organizationId": org["id"]}
    )
    assert code(response) == (403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")


def test_get_active_member_and_role(owner: Any, org: Any, signed_in: Any) -> None:
    member = owner.get("/organization/get-active-member").json()
    assert member["role"] == "owner" and member["user"]["email"] == owner.email
    assert owner.get("/organization/get-active-member-role").json() == {"role": "owner"}
    bob = signed_in()
    join(owner, bob, org["id"])
    role = owner.get("/organization/get-active-member-role", {"userId": bob.user.id})
    assert role.json() == {"role": "member"}


def test_get_active_member_without_active(signed_in: Any) -> None:
    response = signed_in().get("/organization/get-active-member")
    assert code(response) == (400, "NO_ACTIVE_ORGANIZATION")


def test_update_member_role_supports_several_roles(
    owner: Any, org: Any, signed_in: Any
) -> None:
    bob = signed_in()
    member = join(owner, bob, org["id"])
    response = owner.post(
        "/organization/update-member-role",
        {"memberId": member["id"], "role": ["admin", " member"]},
    )
    assert response.status_code == 200 and response.json()["role"] == "admin,member"


def test_update_member_role_checks_permission_before_role_existence(
    owner: Any, org: Any, signed_in: Any
) -> None:
    """1.7: an unauthorized caller learns nothing about which roles exist."""
    bob, carol = signed_in(), signed_in()
    join(owner, bob, org["id"])
    carol_member = join(owner, carol, org["id"])
    response = bob.post(
        "/organization/update-member-role",
        {"memberId": carol_member["id"], "role": "no-such-role"},
    )
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    by_owner = owner.post(
        "/organization/update-member-role",
        {"memberId": carol_member["id"], "role": ["no-such-role", "x"]},
    )
    assert by_owner.status_code == 400
    assert by_owner.json() == {
        "message": "ROLE_NOT_FOUND: no-such-role, x",
        "code": "ROLE_NOT_FOUND",
    }


def test_only_the_creator_role_grants_the_creator_role(
    owner: Any, org: Any, signed_in: Any
) -> None:
    admin, bob = signed_in(), signed_in()
    join(owner, admin, org["id"], role="admin")
    bob_member = join(owner, bob, org["id"])
    response = admin.post(
        "/organization/update-member-role",
        {"memberId": bob_member["id"], "role": "owner", "organizationId": org["id"]},
    )
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")


def test_last_owner_cannot_demote_themselves(owner: Any, org: Any) -> None:
    me = owner.get("/organization/get-active-member").json()
    response = owner.post(
        "/organization/update-member-role", {"memberId": me["id"], "role": "admin"}
    )
    assert code(response) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER")


def test_remove_member_by_id_and_email(owner: Any, org: Any, signed_in: Any) -> None:
    bob, carol = signed_in(), signed_in()
    bob_member = join(owner, bob, org["id"])
    join(owner, carol, org["id"])
    removed = owner.post(
        "/organization/remove-member", {"memberIdOrEmail": bob_member["id"]}
    )
    assert removed.json() == {"member": bob_member}
    by_email = owner.post(
        "/organization/remove-member", {"memberIdOrEmail": carol.email.upper()}
    )
    assert by_email.status_code == 200
    assert Organization.objects.get(pk=org["id"]).member_count == 1


def test_remove_member_needs_permission_and_protects_the_owner(
    owner: Any, org: Any, signed_in: Any
) -> None:
    bob, admin = signed_in(), signed_in()
    bob_member = join(owner, bob, org["id"])
    join(owner, admin, org["id"], role="admin")
    me = owner.get("/organization/get-active-member").json()
    refused = bob.post(
        "/organization/remove-member",
        {"memberIdOrEmail": bob_member["id"], "organizationId": org["id"]},
    )
    assert code(refused) == (401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER")
    protected = admin.post(
        "/organization/remove-member",
        {"memberIdOrEmail": me["id"], "organizationId": org["id"]},
    )
    assert code(protected) == (
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
    )
    missing = owner.post("/organization/remove-member", {"memberIdOrEmail": "nobody"})
    assert code(missing) == (400, "MEMBER_NOT_FOUND")


def test_leave(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    join(owner, bob, org["id"])
    assert (
        bob.get("/get-session").json()["session"]["activeOrganizationId"] == org["id"]
    )
    left = bob.post("/organization/leave", {"organizationId": org["id"]})
    assert left.status_code == 200 and left.json()["user"]["email"] == bob.email
    assert bob.get("/get-session").json()["session"]["activeOrganizationId"] is None
    only_owner = owner.post("/organization/leave", {"organizationId": org["id"]})
    assert code(only_owner) == (
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
    )


def test_has_permission(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    join(owner, bob, org["id"])
    yes = owner.post(
        "/organization/has-permission", {"permissions": {"organization": ["delete"]}}
    )
    assert yes.json() == {"error": None, "success": True}
    no = bob.post(
        "/organization/has-permission", {"permissions": {"member": ["delete"]}}
    )
    assert no.json() == {"error": None, "success": False}
    stranger = signed_in().post(
        "/organization/has-permission",
        {"permissions": {"member": ["delete"]}, "organizationId": org["id"]},
    )
    assert code(stranger) == (401, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    neither = owner.post("/organization/has-permission", {})
    assert code(neither) == (400, "VALIDATION_ERROR")


def test_custom_roles_from_settings(
    owner: Any, org: Any, signed_in: Any, org_settings: Any
) -> None:
    org_settings(
        ROLES="tests.better_auth.organization.roles.ROLES",
        AC="tests.better_auth.organization.roles.ac",
    )
    bob = signed_in()
    join(owner, bob, org["id"], role="auditor")
    granted = bob.post(
        "/organization/has-permission", {"permissions": {"project": ["read"]}}
    )
    assert granted.json()["success"] is True
    # Configured roles replace the defaults in the permission check.
    owner_check = owner.post(
        "/organization/has-permission", {"permissions": {"organization": ["delete"]}}
    )
    assert owner_check.json()["success"] is True


def test_membership_limit(
    owner: Any, org: Any, signed_in: Any, org_settings: Any
) -> None:
    org_settings(MEMBERSHIP_LIMIT=2)
    join(owner, signed_in(), org["id"])
    late = signed_in()
    invitation = owner.post(
        "/organization/invite-member", {"email": late.email, "role": "member"}
    ).json()
    response = late.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    assert code(response) == (403, "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED")
    assert Organization.objects.get(pk=org["id"]).member_count == 2


def test_add_member_service_respects_the_limit(
    owner: Any, org: Any, user_factory: Any, org_settings: Any
) -> None:
    import pytest

    from better_auth.errors import APIError
    from better_auth.plugins.organization.services.organizations import add_member

    org_settings(MEMBERSHIP_LIMIT=2)
    member = add_member(org["id"], user_factory(), ["admin"])
    assert member.role == "admin"
    with pytest.raises(APIError) as raised:
        add_member(org["id"], user_factory(), "member")
    assert raised.value.code == "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED"
    with pytest.raises(APIError) as again:
        add_member(org["id"], member.user, "member")
    assert again.value.code == "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION"


def test_list_members_refuses_filter_values_its_column_cannot_hold(
    owner: Any, org: Any
) -> None:
    """A filter value that is not of the column's type (a date that is not a
    date, NUL in text) is a 400 VALIDATION_ERROR in Better Auth's shape, on
    every database, instead of failing inside the query."""
    for field, value in [
        ("createdAt", "garbage"),
        ("createdAt", ""),
        ("role", "ad\x00min"),
        ("userId", "\x00"),
    ]:
        response = owner.get(
            "/organization/list-members",
            {"filterField": field, "filterValue": value},
        )
        assert code(response) == (400, "VALIDATION_ERROR"), (field, value)
        assert response.json()["message"].startswith("[query.filterValue]")
    dated = owner.get(
        "/organization/list-members",
        {
            "filterField": "createdAt",
            "filterOperator": "lt",
            "filterValue": "2999-01-01",
        },
    )
    assert dated.status_code == 200 and dated.json()["total"] == 1


def test_list_members_clamps_huge_pages(owner: Any, org: Any) -> None:
    """``limit``/``offset`` beyond any 64-bit integer page within a sane range
    instead of overflowing the database's integer."""
    for params in [
        {"limit": "99999999999999999999999"},
        {"offset": "99999999999999999999999"},
        {"limit": "9223372036854775807", "offset": "9223372036854775807"},
        {"limit": "-5", "offset": "-99999999999999999999999"},
    ]:
        response = owner.get("/organization/list-members", params)
        assert response.status_code == 200, (params, response.content)
        assert response.json()["total"] == 1
    assert owner.get("/organization/list-members", {"limit": "1e3"}).status_code in (
        200,
        400,
    )


def test_has_permission_refuses_actions_that_are_not_a_list(owner: Any) -> None:
    """Better Auth's body is ``z.record(z.string(), z.array(z.string()))``: a
    string, number or object where the list of actions goes is a 400
    VALIDATION_ERROR naming the key, in zod's words."""
    for permissions, received in [
        ({"member": "create"}, "string"),
        ({"member": [1]}, "number"),
        ({"member": {"actions": "create"}}, "object"),
        ([["member", "create"]], "array"),
    ]:
        response = owner.post(
            "/organization/has-permission", {"permissions": permissions}
        )
        assert code(response) == (400, "VALIDATION_ERROR"), permissions
        assert f"received {received}" in response.json()["message"]


def test_role_type_errors_use_javascript_type_names(owner: Any, org: Any) -> None:
    """Clients match zod's messages, which name JavaScript types: an object is
    "object", a number "number", never Python's "dict" or "int"."""
    for role, received in [({"a": 1}, "object"), (5, "number"), (None, "null")]:
        response = owner.post(
            "/organization/invite-member",
            {"email": "someone@example.com", "role": role},
        )
        assert code(response) == (400, "VALIDATION_ERROR")
        assert response.json()["message"].endswith(f"received {received}")
