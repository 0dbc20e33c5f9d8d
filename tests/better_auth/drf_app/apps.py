from __future__ import annotations

from django.apps import AppConfig


class DrfAppConfig(AppConfig):
    """A tiny project app exercising the Django and DRF integration."""

    name = "tests.better_auth.drf_app"
    label = "drf_app"
    default_auto_field = "django.db.models.BigAutoField"
