"""The field the anonymous plugin adds to Better Auth's user JSON."""

from __future__ import annotations

from typing import Any


def user_fields(user: Any) -> dict[str, Any]:
    return {"isAnonymous": bool(getattr(user, "is_anonymous", False))}


def restore(
    user: Any, user_data: dict[str, Any], session: Any, session_data: dict[str, Any]
) -> None:
    user.is_anonymous = bool(user_data.get("isAnonymous"))
