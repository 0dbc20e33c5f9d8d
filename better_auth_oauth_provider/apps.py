"""The Django application of the OAuth 2.1 / OpenID Connect provider."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["BetterAuthOauthProviderConfig"]


class BetterAuthOauthProviderConfig(AppConfig):
    name = "better_auth_oauth_provider"
    label = "better_auth_oauth_provider"
    verbose_name = "Better Auth: OAuth 2.1 / OpenID Connect provider"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the settings section, key policy, endpoints, rate limits
        and checks; settings are read later, on first use."""
        from django.db.models.signals import post_migrate

        from . import checks, conf, keys, ratelimits
        from .api import load_endpoints
        from .services.resources import seed_after_migrate

        conf.register()
        keys.install_policy()
        load_endpoints()
        from . import social_resume

        social_resume.register()
        ratelimits.register()
        checks.register()
        post_migrate.connect(seed_after_migrate, sender=self)
        from . import receivers  # noqa: F401  (connects the logout receivers)
