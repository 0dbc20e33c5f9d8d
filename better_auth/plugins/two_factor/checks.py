"""System checks of the two-factor plugin."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import section, send_otp


@checks.register(checks.Tags.security)
def check_two_factor_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """A misconfigured second factor fails open or locks users out: say so."""
    try:
        cfg = section()
        sender = send_otp()
    except (ImproperlyConfigured, AttributeError):
        return []  # better_auth.E000 reports broken settings
    problems: list[Any] = []
    if cfg.OTP_OPTIONS.STORE_OTP not in ("hashed", "plain"):
        problems.append(
            checks.Error(
                f"TWO_FACTOR OTP_OPTIONS.STORE_OTP {cfg.OTP_OPTIONS.STORE_OTP!r} "
                "is unknown.",
                hint='Use "hashed" or "plain".',
                id="better_auth_two_factor.E001",
            )
        )
    if cfg.TOTP_OPTIONS.DISABLE and sender is None:
        problems.append(
            checks.Warning(
                "Two-factor has neither TOTP nor an OTP sender; nobody can enable it.",
                hint="Set TWO_FACTOR['OTP_OPTIONS']['SEND_OTP'] or enable TOTP.",
                id="better_auth_two_factor.W001",
            )
        )
    return problems
