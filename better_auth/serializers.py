"""JSON shapes of users and sessions, field for field as Better Auth sends them.

Plugins that add fields (organization's ``activeOrganizationId``, admin's
``role``) register an extender instead of editing these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "iso",
    "register_restorer",
    "register_session_fields",
    "register_user_fields",
    "restore_fields",
    "session_json",
    "user_json",
]

_user_extenders: list[Callable[[Any], dict[str, Any]]] = []
_session_extenders: list[Callable[[Any], dict[str, Any]]] = []


def register_user_fields(extender: Callable[[Any], dict[str, Any]]) -> None:
    if extender not in _user_extenders:
        _user_extenders.append(extender)


def register_session_fields(extender: Callable[[Any], dict[str, Any]]) -> None:
    if extender not in _session_extenders:
        _session_extenders.append(extender)


# Restorers put plugin fields back on a user and session rebuilt from the
# cookie cache: restore(user, user_json, session, session_json).
_restorers: list[Callable[[Any, dict[str, Any], Any, dict[str, Any]], None]] = []


def register_restorer(
    restorer: Callable[[Any, dict[str, Any], Any, dict[str, Any]], None],
) -> None:
    if restorer not in _restorers:
        _restorers.append(restorer)


def restore_fields(
    user: Any, user_data: dict[str, Any], session: Any, session_data: dict[str, Any]
) -> None:
    """Copy registered plugin fields from cached JSON back onto the models."""
    for restore in _restorers:
        restore(user, user_data, session, session_data)


def iso(value: datetime | None) -> str | None:
    """JavaScript's ``Date.toISOString()``: UTC, milliseconds, ``Z``.

    ``isoformat`` truncates to milliseconds as ``toISOString`` does and ends
    a UTC value with ``+00:00``, replaced by ``Z``. Years before 1000 keep
    the ``strftime`` spelling this function has always produced.
    """
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:
        return (
            value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
        )
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


def user_json(user: Any) -> dict[str, Any]:
    data = {
        "name": user.name,
        "email": user.email,
        "emailVerified": user.email_verified,
        "image": user.image,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }
    for extend in _user_extenders:
        data.update(extend(user))
    data["id"] = user.id
    return data


def session_json(session: Any) -> dict[str, Any]:
    data = {
        "expiresAt": iso(session.expires_at),
        "token": session.token,
        "createdAt": iso(session.created_at),
        "updatedAt": iso(session.updated_at),
        "ipAddress": session.ip_address,
        "userAgent": session.user_agent,
        "userId": session.user_id,
    }
    for extend in _session_extenders:
        data.update(extend(session))
    data["id"] = session.id
    return data
