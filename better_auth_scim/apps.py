from __future__ import annotations

from django.apps import AppConfig


class BetterAuthScimConfig(AppConfig):
    name = "better_auth_scim"
    label = "better_auth_scim"
    verbose_name = "Better Auth: SCIM 2.0"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import conf

        conf.register()
