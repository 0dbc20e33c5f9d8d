from __future__ import annotations

from django.apps import AppConfig


class MultiSessionConfig(AppConfig):
    name = "better_auth.plugins.multi_session"
    label = "better_auth_multi_session"
    verbose_name = "Better Auth: Multi-session"

    def ready(self) -> None:
        """Register settings, error codes, endpoints and the after-hooks."""
        from better_auth.hooks import register_after_hook

        from . import api, conf, errors

        conf.register()
        errors.register()
        register_after_hook(api.remember_new_session)
        register_after_hook(api.forget_on_sign_out)
