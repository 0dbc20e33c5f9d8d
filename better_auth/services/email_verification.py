"""Email verification links (HS256 JWTs, no database row, as Better Auth)."""

from __future__ import annotations

from ..models import User


def send_verification_for(user: User, *, callback_url: str | None) -> None:
    return None
