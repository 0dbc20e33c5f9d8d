"""System checks of the organization plugin."""

from __future__ import annotations

from typing import Any

from better_auth.plugins.organization.checks import check_organization_settings


def _ids(org_settings: Any, **section: Any) -> list[str]:
    org_settings(**section)
    return [m.id for m in check_organization_settings()]


def test_default_settings_pass(org_settings: Any) -> None:
    assert _ids(org_settings) == []


def test_broken_roles_are_reported(org_settings: Any) -> None:
    assert _ids(org_settings, ROLES="no.such.module.ROLES") == [
        "better_auth_organization.E001"
    ]
    assert _ids(org_settings, ROLES={"x": "not a role"}) == [
        "better_auth_organization.E002"
    ]
    assert _ids(org_settings, AC={"member": ["x"]}) == ["better_auth_organization.E003"]


def test_dynamic_roles_without_ac_warn(org_settings: Any) -> None:
    assert _ids(org_settings, DYNAMIC_ACCESS_CONTROL={"ENABLED": True}) == [
        "better_auth_organization.W001"
    ]
