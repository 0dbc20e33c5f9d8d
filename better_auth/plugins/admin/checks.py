"""System checks of the admin plugin."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .access import parse_roles, roles
from .conf import section


@checks.register(checks.Tags.security)
def check_admin_roles(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Every administrator role must exist, or nobody would be an administrator.

    Better Auth refuses to start with an ``adminRoles`` entry that is not a
    defined role; an undefined one here would silently protect no admin from
    impersonation.
    """
    if not apps.is_installed("better_auth.plugins.admin"):
        return []
    try:
        admin_roles = parse_roles(section().ADMIN_ROLES)
        defined = {name.lower() for name in roles()}
    except (ImproperlyConfigured, AttributeError):
        return []
    missing = [r for r in admin_roles if r.strip().lower() not in defined]
    if not missing:
        return []
    return [
        checks.Error(
            f"Invalid admin roles: {', '.join(missing)}. Admin roles must be "
            "defined in ADMIN.ROLES.",
            hint="Add them to BETTER_AUTH['ADMIN']['ROLES'] or fix ADMIN_ROLES.",
            id="better_auth_admin.E001",
        )
    ]
