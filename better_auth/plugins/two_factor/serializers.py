"""The user field the plugin adds to Better Auth's user JSON."""

from __future__ import annotations

from typing import Any


def user_fields(user: Any) -> dict[str, Any]:
    return {"twoFactorEnabled": bool(getattr(user, "two_factor_enabled", False))}


def restore_user_fields(
    user: Any, user_data: dict[str, Any], session: Any, session_data: dict[str, Any]
) -> None:
    """Put the flag back on a user rebuilt from the cookie cache."""
    user.two_factor_enabled = bool(user_data.get("twoFactorEnabled"))
