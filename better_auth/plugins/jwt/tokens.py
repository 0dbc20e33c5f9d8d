"""Session JWTs: the claims Better Auth's jwt plugin signs, from the key store.

The payload is the user object as ``/get-session`` returns it (or the
project's ``DEFINE_PAYLOAD``), with ``iat`` first and ``sub`` = the user id
(or ``GET_SUBJECT``), then ``exp``, ``iss`` and ``aud`` (core-surface
§8.7). Signing uses the per-process key cache of :mod:`better_auth.keys`,
so minting a token costs no query once the current key is loaded.
"""

from __future__ import annotations

from typing import Any

from better_auth import clock
from better_auth.keys import sign_jwt
from better_auth.serializers import user_json
from better_auth.services.sessions import SessionContext

from .conf import callable_setting, section

__all__ = ["session_jwt"]


def session_jwt(current: SessionContext, *, origin: str | None) -> str:
    """Sign the JWT describing ``current``; ``origin`` is the default iss/aud."""
    cfg = section()
    define = callable_setting("DEFINE_PAYLOAD")
    get_subject = callable_setting("GET_SUBJECT")
    body = dict(define(current)) if define else user_json(current.user)
    now = int(clock.now().timestamp())
    claims: dict[str, Any] = {"iat": now, **body}
    subject = get_subject(current) if get_subject else None
    claims["sub"] = str(subject) if subject else str(current.user.pk)
    claims.setdefault("exp", now + int(cfg.EXPIRES_IN))
    # Explicit values in a custom payload win, as in Better Auth.
    claims.setdefault("iss", cfg.ISSUER or origin or "")
    claims.setdefault("aud", cfg.AUDIENCE or origin or "")
    return sign_jwt(claims, alg=cfg.ALGORITHM)
