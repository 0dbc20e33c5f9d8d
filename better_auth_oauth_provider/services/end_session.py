"""RP-Initiated Logout 1.0: which client asks, which session ends, and when.

The relying party names itself with ``client_id`` or an ``id_token_hint``
(§2). The hint must be an ID token this provider signed for that client
(signature, ``iss``, ``aud``, ``exp``, and non-empty ``sub`` and ``sid``);
a forged or expired one, or a Logout Token passed off as one, is
``invalid_request``, never a server error. The client must be enabled and
allowed to log users out (``enable_end_session``, Better Auth's rule).

A logout the provider cannot verify (no usable hint, or a hint for another
session than the browser's) is only done once the user confirms it (§2:
the OP SHOULD ask). The confirmation carries a signed continuation
(:mod:`..oauth.signed_query`) that names the browser's session and a
one-off nonce also held in an HttpOnly, SameSite cookie: short-lived,
tamper-proof, and useless in another browser or for another session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from better_auth import clock
from better_auth.keys import InvalidJWT, verify_jwt
from better_auth.services import sessions
from better_auth.storage.sessions import session_store

from ..conf import issuer, section
from ..errors import InvalidClient, InvalidRequest
from ..oauth import signed_query
from ..oauth.logout_token import looks_like_logout_token
from ..oauth.redirect_uris import is_safe_redirect_target
from .client_lookup import get_client, profile_of

__all__ = [
    "INVALID_HINT",
    "Confirmation",
    "end_hinted_session",
    "hint_audience",
    "logout_client",
    "new_nonce",
    "post_logout_target",
    "sign_confirmation",
    "verified_hint",
    "verify_confirmation",
]

INVALID_HINT = "The id_token_hint is invalid"
# The marker and members of a logout continuation. Anything else in a
# signed query (an authorization request's parameters) makes it not one.
MARKER = "ba_logout"
MEMBERS = ("sid", "nonce", "client_id", "post_logout_redirect_uri", "state")


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
    """The claims of an ID token this provider signed for ``client_id``.

    A Logout Token has the same signer, ``aud``, ``sub`` and ``sid``, so it
    is told apart by its type and ``events`` claim (Back-Channel Logout
    §2.4) and refused.
    """
    try:
        claims = verify_jwt(hint, audience=client_id, issuer=issuer())
        header = jwt.get_unverified_header(hint)
    except (InvalidJWT, jwt.PyJWTError):
        raise InvalidRequest(INVALID_HINT) from None
    if looks_like_logout_token(header, claims):
        raise InvalidRequest(INVALID_HINT)
    if not claims.get("sub") or not claims.get("sid"):
        raise InvalidRequest(INVALID_HINT)
    return claims


def end_hinted_session(user_id: str, session_id: str) -> None:
    """End the session the hint names, when the browser carries none."""
    listed = session_store().list_for_user(user_id, clock.now())
    found = next((s for s in listed if str(s.id) == session_id), None)
    if found is not None:
        sessions.revoke_session(found.user, found.token)


def post_logout_target(app: Any, uri: str | None, state: str | None) -> str | None:
    """Where to send the browser after logout, or None (§3).

    Only a URI registered for the enabled client, compared exactly, and
    still a safe navigation target; ``state`` is passed back unchanged.
    """
    if app is None or not uri or profile_of(app).disabled:
        return None
    if uri not in (app.post_logout_redirect_uris or "").split():
        return None
    if not is_safe_redirect_target(uri):
        return None
    if state:
        joiner = "&" if "?" in uri else "?"
        uri = f"{uri}{joiner}{urlencode({'state': state})}"
    return uri


@dataclass(frozen=True)
class Confirmation:
    """A verified logout continuation."""

    session_id: str
    nonce: str
    client_id: str | None
    post_logout_redirect_uri: str | None
    state: str | None


def new_nonce() -> str:
    """The value shared by the continuation and the confirmation cookie."""
    return secrets.token_urlsafe(24)


def sign_confirmation(
    *,
    session_id: str,
    nonce: str,
    client_id: str | None,
    post_logout_redirect_uri: str | None,
    state: str | None,
) -> str:
    """The signed continuation of a logout awaiting the user's answer."""
    values = {
        "sid": session_id,
        "nonce": nonce,
        "client_id": client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    pairs = [(MARKER, "1")]
    pairs.extend((k, v) for k, v in values.items() if v)
    lifetime = int(section().END_SESSION_CONFIRMATION_EXPIRES_IN)
    return signed_query.sign(pairs, expires_in=lifetime)


def verify_confirmation(query: Any) -> Confirmation | None:
    """The continuation if it is ours, unexpired and a logout's; else None."""
    verified = signed_query.verify(query)
    if verified is None or verified.post_login_session is not None:
        return None
    names = [k for k, _ in verified.params]
    if len(names) != len(set(names)) or MARKER not in names:
        return None
    if any(name not in (MARKER, *MEMBERS) for name in names):
        return None
    values = dict(verified.params)
    if values.get(MARKER) != "1" or not values.get("sid") or not values.get("nonce"):
        return None
    return Confirmation(
        session_id=values["sid"],
        nonce=values["nonce"],
        client_id=values.get("client_id") or None,
        post_logout_redirect_uri=values.get("post_logout_redirect_uri") or None,
        state=values.get("state") or None,
    )
