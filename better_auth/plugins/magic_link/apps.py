from __future__ import annotations

from django.apps import AppConfig


class MagicLinkConfig(AppConfig):
    name = "better_auth.plugins.magic_link"
    label = "better_auth_magic_link"
    verbose_name = "Better Auth: Magic link"

    def ready(self) -> None:
        """Register settings, error codes and endpoints."""
        from better_auth.ratelimit import register_plugin_rules

        from . import (
            api,  # noqa: F401 - registers the endpoints
            checks,  # noqa: F401 - registers the system checks
            conf,
        )

        conf.register()
        register_plugin_rules("magic-link")
