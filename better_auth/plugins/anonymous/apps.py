from __future__ import annotations

from django.apps import AppConfig


class AnonymousConfig(AppConfig):
    name = "better_auth.plugins.anonymous"
    label = "better_auth_anonymous"
    verbose_name = "Better Auth: Anonymous"

    def ready(self) -> None:
        """Register settings, codes, endpoints, the JSON field and linking."""
        from better_auth.hooks import register_after_hook
        from better_auth.serializers import register_restorer, register_user_fields

        from . import (
            api,  # noqa: F401 - registers the endpoints
            conf,
            errors,
        )
        from .linking import link_after_sign_in
        from .serializers import restore, user_fields

        conf.register()
        errors.register()
        register_user_fields(user_fields)
        register_restorer(restore)
        register_after_hook(link_after_sign_in)
