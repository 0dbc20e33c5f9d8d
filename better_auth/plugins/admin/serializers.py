"""The fields the admin plugin adds to Better Auth's user and session JSON."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime

from better_auth.serializers import iso


def user_fields(user: Any) -> dict[str, Any]:
    return {
        "role": getattr(user, "role", None),
        "banned": bool(getattr(user, "banned", False)),
        "banReason": getattr(user, "ban_reason", None),
        "banExpires": iso(getattr(user, "ban_expires", None)),
    }


def session_fields(session: Any) -> dict[str, Any]:
    return {"impersonatedBy": getattr(session, "impersonated_by", None)}


def restore(
    user: Any, user_data: dict[str, Any], session: Any, session_data: dict[str, Any]
) -> None:
    """Put the fields back on a user and session read from the cookie cache."""
    user.role = user_data.get("role")
    user.banned = bool(user_data.get("banned"))
    user.ban_reason = user_data.get("banReason")
    expires = user_data.get("banExpires")
    user.ban_expires = parse_datetime(expires) if isinstance(expires, str) else None
    session.impersonated_by = session_data.get("impersonatedBy")
