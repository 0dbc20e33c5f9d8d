from __future__ import annotations

from django.apps import AppConfig


class BetterAuthSsoConfig(AppConfig):
    name = "better_auth_sso"
    label = "better_auth_sso"
    verbose_name = "Better Auth: Enterprise SSO"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import conf

        conf.register()
