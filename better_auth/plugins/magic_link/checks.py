"""System checks of the magic-link plugin."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import section


@checks.register(checks.Tags.security)
def check_magic_link_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    try:
        how = section().STORE_TOKEN
    except (ImproperlyConfigured, AttributeError):
        return []
    if callable(how) or how in ("hashed", "plain"):
        return []
    return [
        checks.Error(
            f"MAGIC_LINK STORE_TOKEN {how!r} is unknown.",
            hint='Use "hashed", "plain" or a callable(token) -> str.',
            id="better_auth_magic_link.E001",
        )
    ]
