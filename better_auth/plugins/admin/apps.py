from __future__ import annotations

from django.apps import AppConfig


class AdminPluginConfig(AppConfig):
    name = "better_auth.plugins.admin"
    label = "better_auth_admin"
    verbose_name = "Better Auth: Admin"

    def ready(self) -> None:
        """Register settings, codes, endpoints, JSON fields and the ban guard."""
        from better_auth.hooks import register_after_hook
        from better_auth.serializers import (
            register_restorer,
            register_session_fields,
            register_user_fields,
        )
        from better_auth.services.sessions import register_before_session_create

        from . import (
            api,  # noqa: F401 - registers the endpoints
            checks,  # noqa: F401 - registers the system check
            conf,
            errors,
            receivers,  # noqa: F401 - the default role on new users
        )
        from .serializers import restore, session_fields, user_fields
        from .services import hide_impersonation_sessions, refuse_banned

        conf.register()
        errors.register()
        register_user_fields(user_fields)
        register_session_fields(session_fields)
        register_restorer(restore)
        register_before_session_create(refuse_banned)
        register_after_hook(hide_impersonation_sessions)
