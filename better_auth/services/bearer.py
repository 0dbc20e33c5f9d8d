"""Session lookup from a bearer credential (Better Auth's bearer plugin rules).

Better Auth's bearer plugin (core-surface §8.9) takes either the raw session
token or the signed cookie value ``<token>.<base64 HMAC>``: a value that
contains "." is a signed value and must verify under a current or previous
secret; anything else is looked up as the raw token.
"""

from __future__ import annotations

from urllib.parse import unquote

from .. import clock
from ..conf import auth_settings
from ..crypto import unsign_cookie_value
from ..storage.sessions import session_store
from .sessions import SessionContext

__all__ = ["MAX_CREDENTIAL_LENGTH", "session_from_bearer"]

# A session token is 32 characters and its signature 44: anything far longer
# is not a credential and is refused before it reaches the store.
MAX_CREDENTIAL_LENGTH = 512


def session_from_bearer(credential: str) -> SessionContext | None:
    """Return the live session a bearer credential names, or None."""
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    token: str | None = credential
    if "." in credential or "%" in credential:
        token = unsign_cookie_value(unquote(credential), auth_settings.secrets())
    if not token:
        return None
    session = session_store().find(token)
    if session is None or session.expires_at <= clock.now():
        return None
    if not session.user.is_active:
        return None
    return SessionContext(session, session.user)
