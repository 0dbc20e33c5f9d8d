from __future__ import annotations

from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "better_auth.plugins.two_factor"
    label = "better_auth_two_factor"
    verbose_name = "Better Auth: Two-factor"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register settings, codes, endpoints, the user field and the hook."""
        from better_auth.hooks import register_after_hook
        from better_auth.ratelimit import register_plugin_rules
        from better_auth.serializers import register_restorer, register_user_fields

        from . import (
            api,  # noqa: F401 - registers the endpoints
            checks,  # noqa: F401 - registers the system checks
            conf,
            errors,
        )
        from .interception import intercept_sign_in
        from .serializers import restore_user_fields, user_fields

        conf.register()
        errors.register()
        register_user_fields(user_fields)
        register_restorer(restore_user_fields)
        register_after_hook(intercept_sign_in)
        register_plugin_rules("two-factor")
