"""Access control semantics (Better Auth ``createAccessControl``, ``hasPermission``)."""

from __future__ import annotations

import pytest

from better_auth.plugins.organization.access import (
    create_access_control,
    default_roles,
    parse_role_list,
    parse_roles,
)


def test_roles_are_split_trimmed_and_joined_without_blanks() -> None:
    """Padded names can never be stored in a form one check misses."""
    assert parse_role_list("admin, owner") == ["admin", "owner"]
    assert parse_role_list(["admin", " owner", ""]) == ["admin", "owner"]
    assert parse_role_list(" , ") == []
    assert parse_roles(["member", "admin , x"]) == "member,admin,x"


def test_default_roles_grant_what_better_auth_grants() -> None:
    roles = default_roles()
    assert roles["owner"].authorize({"organization": ["delete"]})[0]
    assert not roles["admin"].authorize({"organization": ["delete"]})[0]
    assert roles["admin"].authorize({"organization": ["update"]})[0]
    assert roles["admin"].authorize({"member": ["create", "update", "delete"]})[0]
    assert not roles["member"].authorize({"invitation": ["create"]})[0]
    assert roles["member"].authorize({"ac": ["read"]})[0]


def test_and_needs_every_action_of_every_resource() -> None:
    role = default_roles()["admin"]
    ok, error = role.authorize({"member": ["create"], "organization": ["delete"]})
    assert not ok and error == 'unauthorized to access resource "organization"'
    ok, error = role.authorize({"billing": ["read"]})
    assert not ok and error == "You are not allowed to access resource: billing"


def test_or_connector_inside_one_resource() -> None:
    role = default_roles()["admin"]
    assert role.authorize(
        {"organization": {"actions": ["delete", "update"], "connector": "OR"}}
    )[0]
    assert not role.authorize({"organization": {"actions": [], "connector": "OR"}})[0]


def test_empty_action_list_is_never_granted() -> None:
    assert not default_roles()["owner"].authorize({"member": []})[0]


def test_custom_access_control_builds_roles() -> None:
    ac = create_access_control({"project": ["create", "share"]})
    role = ac.new_role({"project": ["create"]})
    assert role.authorize({"project": ["create"]})[0]
    assert not role.authorize({"project": ["share"]})[0]


def test_invalid_request_shape_is_refused() -> None:
    with pytest.raises(ValueError):
        default_roles()["owner"].authorize({"member": "create"})
