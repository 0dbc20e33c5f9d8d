"""Dynamic access control: per-organization roles in the table (§8.5)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import code, join


@pytest.fixture
def dynamic(org_settings: Any) -> None:
    org_settings(DYNAMIC_ACCESS_CONTROL={"ENABLED": True})


def test_role_endpoints_do_not_exist_when_off(owner: Any, org: Any) -> None:
    response = owner.get("/organization/list-roles")
    assert response.status_code == 404 and response.content == b""


def test_create_use_update_delete_a_role(
    owner: Any, org: Any, dynamic: None, signed_in: Any
) -> None:
    created = owner.post(
        "/organization/create-role",
        {"role": "Support", "permission": {"member": ["update"]}},
    ).json()
    assert created["success"] is True
    assert created["roleData"]["role"] == "support"
    assert created["roleData"]["permission"] == {"member": ["update"]}
    assert created["statements"] == {"member": ["update"]}
    bob = signed_in()
    join(owner, bob, org["id"], role="support")
    allowed = bob.post(
        "/organization/has-permission", {"permissions": {"member": ["update"]}}
    )
    assert allowed.json()["success"] is True
    listed = owner.get("/organization/list-roles").json()
    assert [r["role"] for r in listed] == ["support"]
    fetched = owner.get("/organization/get-role", {"roleName": "support"}).json()
    assert fetched["id"] == created["roleData"]["id"]
    updated = owner.post(
        "/organization/update-role",
        {"roleName": "support", "data": {"permission": {"member": ["delete"]}}},
    ).json()
    assert updated["roleData"]["permission"] == {"member": ["delete"]}
    assigned = owner.post("/organization/delete-role", {"roleName": "support"})
    assert code(assigned) == (400, "ROLE_IS_ASSIGNED_TO_MEMBERS")


def test_role_rules(
    owner: Any, org: Any, dynamic: None, signed_in: Any, org_settings: Any
) -> None:
    taken = owner.post(
        "/organization/create-role",
        {"role": "admin", "permission": {"member": ["update"]}},
    )
    assert code(taken) == (400, "ROLE_NAME_IS_ALREADY_TAKEN")
    invalid = owner.post(
        "/organization/create-role", {"role": "x", "permission": {"billing": ["read"]}}
    )
    assert code(invalid) == (400, "INVALID_RESOURCE")
    predefined = owner.post("/organization/delete-role", {"roleName": "owner"})
    assert code(predefined) == (400, "CANNOT_DELETE_A_PRE_DEFINED_ROLE")
    missing = owner.post("/organization/delete-role", {"roleId": "nope"})
    assert code(missing) == (400, "ROLE_NOT_FOUND")
    bob = signed_in()
    join(owner, bob, org["id"])
    refused = bob.post(
        "/organization/create-role",
        {
            "role": "x",
            "permission": {"member": ["update"]},
            "organizationId": org["id"],
        },
    )
    assert code(refused) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE")
    org_settings(
        DYNAMIC_ACCESS_CONTROL={"ENABLED": True, "MAXIMUM_ROLES_PER_ORGANIZATION": 1}
    )
    owner.post(
        "/organization/create-role", {"role": "a", "permission": {"member": ["update"]}}
    )
    too_many = owner.post(
        "/organization/create-role", {"role": "b", "permission": {"member": ["update"]}}
    )
    assert code(too_many) == (400, "TOO_MANY_ROLES")


def test_admins_cannot_grant_what_they_lack(
    owner: Any, org: Any, dynamic: None, signed_in: Any
) -> None:
    admin = signed_in()
    join(owner, admin, org["id"], role="admin")
    response = admin.post(
        "/organization/create-role",
        {"role": "deleter", "permission": {"organization": ["delete"]}},
    )
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE")


def test_member_roles_can_use_dynamic_roles(
    owner: Any, org: Any, dynamic: None, signed_in: Any
) -> None:
    owner.post(
        "/organization/create-role",
        {"role": "sales", "permission": {"team": ["create"]}},
    )
    bob = signed_in()
    member = join(owner, bob, org["id"])
    response = owner.post(
        "/organization/update-member-role", {"memberId": member["id"], "role": "sales"}
    )
    assert response.json()["role"] == "sales"
