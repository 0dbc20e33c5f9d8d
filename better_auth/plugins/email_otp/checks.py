"""System checks of the email OTP plugin."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import section


@checks.register(checks.Tags.security)
def check_email_otp_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    try:
        cfg = section()
    except (ImproperlyConfigured, AttributeError):
        return []
    if cfg.STORE_OTP in ("hashed", "plain"):
        return []
    return [
        checks.Error(
            f"EMAIL_OTP STORE_OTP {cfg.STORE_OTP!r} is unknown.",
            hint='Use "hashed" or "plain".',
            id="better_auth_email_otp.E001",
        )
    ]
