"""The session's active organization and team (Better Auth ``updateSession``)."""

from __future__ import annotations

from typing import Any

from better_auth.conf import auth_settings
from better_auth.cookies import DONT_REMEMBER, read_signed
from better_auth.models import Session
from better_auth.services.sessions import set_session_cookie
from better_auth.storage.sessions import session_store

__all__ = ["UNSET", "set_active"]

UNSET: Any = object()


def set_active(
    ctx: Any,
    *,
    organization_id: str | None = UNSET,
    team_id: str | None = UNSET,
    set_cookie: bool = False,
) -> Session:
    """Store the active ids on the caller's session row.

    ``set_cookie`` re-issues the session cookies as Better Auth does after
    set-active; the cookie cache is re-issued whenever it is on, so a cached
    session never shows a stale active organization.
    """
    current = ctx.session
    session = current.session
    fields: dict[str, Any] = {}
    if organization_id is not UNSET:
        fields["active_organization_id"] = organization_id
    if team_id is not UNSET:
        fields["active_team_id"] = team_id
    for name, value in fields.items():
        setattr(session, name, value)
    if fields:
        if auth_settings.SESSION.STORAGE == "cache":
            session_store().extend(session, session.expires_at, session.updated_at)
        else:
            Session.objects.filter(token=session.token).update(**fields)
    if set_cookie or auth_settings.SESSION.COOKIE_CACHE.ENABLED:
        remember = not read_signed(ctx.cookies, DONT_REMEMBER)
        set_session_cookie(ctx.jar, session, current.user, remember_me=remember)
    return session
