from __future__ import annotations

from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "better_auth.plugins.organization"
    label = "better_auth_organization"
    verbose_name = "Better Auth: Organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register settings, error codes, endpoints and the session fields."""
        from better_auth.serializers import register_session_fields

        from . import (
            api,  # noqa: F401 - registers the endpoints
            conf,
            errors,
        )
        from .serializers import session_fields

        conf.register()
        errors.register()
        register_session_fields(session_fields)
        from . import checks, receivers  # noqa: F401 - checks and seat receivers
