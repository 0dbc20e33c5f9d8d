"""The fields the username plugin adds to Better Auth's user JSON."""

from __future__ import annotations

from typing import Any

from .conf import section


def user_fields(user: Any) -> dict[str, Any]:
    data = {"username": getattr(user, "username", None)}
    if section().DISPLAY_USERNAME:
        data["displayUsername"] = getattr(user, "display_username", None)
    return data


def restore(
    user: Any, user_data: dict[str, Any], session: Any, session_data: dict[str, Any]
) -> None:
    user.username = user_data.get("username")
    user.display_username = user_data.get("displayUsername")
