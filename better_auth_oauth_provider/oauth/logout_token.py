"""Logout Tokens of OpenID Connect Back-Channel Logout 1.0 (§2.4).

A Logout Token is a JWT the provider posts to a relying party's
``backchannel_logout_uri`` when a session ends. Its claims are ``iss``,
``aud`` (the client id), ``iat``, ``exp``, a unique ``jti``, ``sub`` and
``sid``, and the ``events`` member naming the back-channel logout event;
it never carries a ``nonce`` (§2.4), so it cannot pass for an ID token at a
relying party, and its header says ``typ: logout+jwt`` (explicit typing,
§2.4 and RFC 8725 §3.11) so it cannot pass for an ID token here either
(:func:`looks_like_logout_token`). The body that carries it is form-encoded
(§2.5).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "EVENT",
    "MEDIA_TYPE",
    "TYP",
    "form_body",
    "logout_token_claims",
    "looks_like_logout_token",
]

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TYP = "logout+jwt"
MEDIA_TYPE = "application/x-www-form-urlencoded"


def logout_token_claims(
    *,
    issuer: str,
    client_id: str,
    subject: str,
    session_id: str,
    now: datetime,
    lifetime: int,
    jti: str | None = None,
) -> dict[str, Any]:
    """The claims of one Logout Token (§2.4).

    Both ``sub`` and ``sid`` are sent: ``sid`` is what a relying party that
    registered ``backchannel_logout_session_required`` needs, and the
    others may use either. ``jti`` is fresh for every token, so a relying
    party can refuse replays (§2.6 step 8 allows it).
    """
    issued = int(now.timestamp())
    expires = int((now + timedelta(seconds=lifetime)).timestamp())
    return {
        "iss": issuer,
        "aud": client_id,
        "iat": issued,
        "exp": expires,
        "jti": jti or secrets.token_urlsafe(24),
        "sub": subject,
        "sid": session_id,
        "events": {EVENT: {}},
    }


def looks_like_logout_token(
    header: Mapping[str, Any], claims: Mapping[str, Any]
) -> bool:
    """Whether a JWT is a Logout Token rather than an ID token (§2.4, §2.6).

    Either mark is enough: the ``logout+jwt`` type, or the ``events`` claim
    ID tokens never carry.
    """
    typ = str(header.get("typ") or "").lower()
    return typ in (TYP, f"application/{TYP}") or "events" in claims


def form_body(token: str) -> str:
    """The POST body of the delivery: ``logout_token=...`` (§2.5)."""
    return urlencode({"logout_token": token})
