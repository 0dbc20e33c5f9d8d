from __future__ import annotations

from django.apps import AppConfig


class EmailOTPConfig(AppConfig):
    name = "better_auth.plugins.email_otp"
    label = "better_auth_email_otp"
    verbose_name = "Better Auth: Email OTP"

    def ready(self) -> None:
        """Register settings, error codes and endpoints."""
        from better_auth.hooks import register_after_hook
        from better_auth.ratelimit import register_plugin_rules

        from . import (
            api,  # noqa: F401 - registers the endpoints
            checks,  # noqa: F401 - registers the system checks
            conf,
            errors,
        )
        from .hooks import send_on_sign_up

        conf.register()
        errors.register()
        register_after_hook(send_on_sign_up)
        register_plugin_rules("email-otp")
