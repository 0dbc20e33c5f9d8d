from __future__ import annotations

from django.apps import AppConfig


class BetterAuthI18nConfig(AppConfig):
    name = "better_auth_i18n"
    label = "better_auth_i18n"
    verbose_name = "Better Auth: Translations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import conf

        conf.register()
