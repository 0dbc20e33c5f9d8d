"""Session lookup from a bearer credential (Better Auth's bearer plugin rules)."""

from __future__ import annotations

from urllib.parse import unquote

from .. import clock
from ..conf import auth_settings
from ..crypto import unsign_cookie_value
from ..storage.sessions import session_store
from .sessions import SessionContext


def session_from_bearer(credential: str) -> SessionContext | None:
    """A value containing "." is a signed cookie value and must verify."""
    token: str | None = credential
    if "." in credential:
        token = unsign_cookie_value(unquote(credential), auth_settings.secrets())
    if not token:
        return None
    session = session_store().find(token)
    if session is None or session.expires_at <= clock.now() or not session.user.is_active:
        return None
    return SessionContext(session, session.user)
