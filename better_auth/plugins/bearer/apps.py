from __future__ import annotations

from django.apps import AppConfig


class BearerConfig(AppConfig):
    name = "better_auth.plugins.bearer"
    label = "better_auth_bearer"
    verbose_name = "Better Auth: Bearer"

    def ready(self) -> None:
        """Register the settings section and the two hooks."""
        from better_auth.hooks import register_after_hook, register_before_hook

        from . import conf, hooks

        conf.register()
        register_before_hook(hooks.session_from_authorization)
        register_after_hook(hooks.expose_session_token)
