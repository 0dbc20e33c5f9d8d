"""The ``SSO`` section of ``settings.BETTER_AUTH``."""

from __future__ import annotations

from typing import Any

from better_auth.conf import auth_settings, register_section

SECTION = "SSO"

# TODO(sso): the section has no keys yet; the app is a placeholder that
# later work fills in, and unknown keys are refused until then.
DEFAULTS: dict[str, Any] = {}


def register() -> None:
    register_section(SECTION, "better_auth_sso", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)
