"""System checks of the organization plugin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf
from .access import AccessControl, Role


@checks.register(checks.Tags.security)
def check_organization_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """A broken roles definition would refuse every permission at run time."""
    try:
        roles = conf.value("ROLES")
        ac = conf.value("AC")
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="better_auth_organization.E001")]
    errors = []
    if roles is not None and (
        not isinstance(roles, Mapping)
        or not all(isinstance(r, Role) for r in roles.values())
    ):
        errors.append(
            checks.Error(
                "ORGANIZATION ROLES must be a dict of role name to Role.",
                hint="Build roles with create_access_control(...).new_role(...).",
                id="better_auth_organization.E002",
            )
        )
    if ac is not None and not isinstance(ac, AccessControl):
        errors.append(
            checks.Error(
                "ORGANIZATION AC must be an AccessControl.",
                hint="Use better_auth.plugins.organization.create_access_control.",
                id="better_auth_organization.E003",
            )
        )
    if conf.dynamic_roles_enabled() and ac is None:
        errors.append(
            checks.Warning(
                "DYNAMIC_ACCESS_CONTROL is on without AC: only the default "
                "resources can be granted to dynamic roles.",
                id="better_auth_organization.W001",
            )
        )
    return errors
