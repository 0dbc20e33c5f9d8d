"""System checks of the captcha plugin."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ...conf import auth_settings
from .verifiers import PROVIDERS


@checks.register(checks.Tags.security)
def check_captcha_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """An installed but unconfigured plugin protects nothing: say so loudly."""
    if not apps.is_installed("better_auth.plugins.captcha"):
        return []
    try:
        cfg = auth_settings.CAPTCHA
    except ImproperlyConfigured:
        return []  # better_auth.E000 already reports the broken settings
    if cfg.VERIFIER is not None:
        return []
    if not cfg.PROVIDER:
        # A warning, not an error: installing the app before configuring it
        # must not stop the project from starting.
        return [
            checks.Warning(
                "The captcha plugin is installed but CAPTCHA PROVIDER is not set; "
                "no endpoint is protected.",
                hint=f"Set BETTER_AUTH['CAPTCHA']['PROVIDER'] to one of "
                f"{', '.join(PROVIDERS)} (and SECRET_KEY), or set VERIFIER.",
                id="better_auth_captcha.W001",
            )
        ]
    if cfg.PROVIDER not in PROVIDERS:
        return [
            checks.Error(
                f"CAPTCHA PROVIDER {cfg.PROVIDER!r} is unknown.",
                hint=f"Use one of {', '.join(PROVIDERS)}, or set VERIFIER.",
                id="better_auth_captcha.E002",
            )
        ]
    if not cfg.SECRET_KEY:
        return [
            checks.Error(
                "CAPTCHA SECRET_KEY is not set; every protected request will "
                "answer 500 UNKNOWN_ERROR.",
                hint="Set BETTER_AUTH['CAPTCHA']['SECRET_KEY'] from the provider "
                "dashboard.",
                id="better_auth_captcha.E003",
            )
        ]
    return []
