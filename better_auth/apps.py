from __future__ import annotations

from django.apps import AppConfig


class BetterAuthConfig(AppConfig):
    name = "better_auth"
    label = "better_auth"
    verbose_name = "Better Auth"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing registers checks, signal receivers and the core endpoints.
        from . import checks, receivers  # noqa: F401
        from .api import load_endpoints

        load_endpoints()
