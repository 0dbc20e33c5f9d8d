"""RP-Initiated Logout 1.0: which client asks, and which session ends.

The relying party names itself with ``client_id`` or an ``id_token_hint``
(§2). The hint must be an ID token this provider signed for that client
(signature, ``iss``, ``aud``, ``exp``, and non-empty ``sub`` and ``sid``);
a forged or expired one is ``invalid_request``, never a server error. The
client must be enabled and allowed to log users out
(``enable_end_session``, Better Auth's rule).
"""

from __future__ import annotations

from typing import Any

import jwt

from better_auth import clock
from better_auth.keys import InvalidJWT, verify_jwt
from better_auth.services import sessions
from better_auth.storage.sessions import session_store

from ..conf import issuer
from ..errors import InvalidClient, InvalidRequest
from .client_lookup import get_client, profile_of

__all__ = [
    "INVALID_HINT",
    "end_hinted_session",
    "hint_audience",
    "logout_client",
    "verified_hint",
]

INVALID_HINT = "The id_token_hint is invalid"


def hint_audience(hint: str) -> str | None:
    """The client an unverified hint names: ``aud``, else ``azp`` (§2)."""
    try:
        claims = jwt.decode(hint, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    aud = claims.get("aud")
    if isinstance(aud, str):
        return aud
    if isinstance(claims.get("azp"), str):
        return claims["azp"]
    if isinstance(aud, list) and len(aud) == 1 and isinstance(aud[0], str):
        return aud[0]
    return None


def logout_client(client_id: str | None) -> Any:
    """The enabled client allowed to log its users out, or ``invalid_client``."""
    app = get_client(client_id)
    if app is None:
        raise InvalidClient("The logout client does not exist")
    profile = profile_of(app)
    if profile.disabled:
        raise InvalidClient("The logout client is disabled")
    if not profile.enable_end_session:
        raise InvalidClient("The client is not allowed to initiate logout", status=401)
    return app


def verified_hint(hint: str, client_id: str) -> dict[str, Any]:
    """The claims of an ID token this provider signed for ``client_id``."""
    try:
        claims = verify_jwt(hint, audience=client_id, issuer=issuer())
    except InvalidJWT:
        raise InvalidRequest(INVALID_HINT) from None
    if not claims.get("sub") or not claims.get("sid"):
        raise InvalidRequest(INVALID_HINT)
    return claims


def end_hinted_session(user_id: str, session_id: str) -> None:
    """End the session the hint names, when the browser carries none."""
    listed = session_store().list_for_user(user_id, clock.now())
    found = next((s for s in listed if str(s.id) == session_id), None)
    if found is not None:
        sessions.revoke_session(found.user, found.token)
