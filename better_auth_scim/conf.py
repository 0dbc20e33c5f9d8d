"""The ``SCIM`` section of ``settings.BETTER_AUTH``."""

from __future__ import annotations

from typing import Any

from better_auth.conf import auth_settings, register_section

SECTION = "SCIM"

# TODO(scim): the section has no keys yet; the app is a placeholder that
# later work fills in, and unknown keys are refused until then.
DEFAULTS: dict[str, Any] = {}


def register() -> None:
    register_section(SECTION, "better_auth_scim", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)
