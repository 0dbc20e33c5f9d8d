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

__all__ = [
    "MAX_CREDENTIAL_LENGTH",
    "bearer_credential",
    "session_from_bearer",
    "token_from_bearer",
]

# A session token is 32 characters and its signature 44: anything far longer
# is not a credential and is refused before it reaches the store.
MAX_CREDENTIAL_LENGTH = 512


def bearer_credential(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer <credential>`` header.

    The scheme is matched case-insensitively (RFC 9110 §11.1); anything
    else, or an empty credential, is None.
    """
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None


def token_from_bearer(
    credential: str, *, require_signature: bool = False
) -> str | None:
    """The session token a bearer credential carries, or None.

    A signed value must verify; a raw token is taken as is unless
    ``require_signature`` (Better Auth's ``requireSignature``) is set.
    """
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    if "." in credential or "%" in credential:
        return unsign_cookie_value(unquote(credential), auth_settings.secrets())
    return None if require_signature else credential


def session_from_bearer(credential: str) -> SessionContext | None:
    """Return the live session a bearer credential names, or None."""
    token = token_from_bearer(credential)
    if not token:
        return None
    session = session_store().find(token)
    if session is None or session.expires_at <= clock.now():
        return None
    if not session.user.is_active:
        return None
    return SessionContext(session, session.user)
