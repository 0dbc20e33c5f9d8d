"""JWT plugin: Better Auth 1.7 ``jwt()`` for Django (core-surface §8.7).

Add ``"better_auth.plugins.jwt"`` to ``INSTALLED_APPS``. The auth API then
serves ``GET /jwks`` (the shared key store's public keys) and ``GET /token``
(a short-lived JWT for the current session), and ``/get-session`` answers
carry the same JWT in a ``set-auth-jwt`` header. Another service checks
such a token with :func:`verify_session_jwt` and our JWKS, without calling
this server per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SessionJWTError", "verify_session_jwt"]


def verify_session_jwt(
    token: str,
    jwks: str | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    issuer: str | None = None,
    audience: str | Sequence[str] | None = None,
    algorithms: Sequence[str] | None = None,
    leeway: int = 0,
) -> dict[str, Any]:
    """Verify a session JWT with public keys only; return its claims.

    ``jwks`` is the JWKS URL (``https://auth.example.com/api/auth/jwks``),
    fetched through the outbound client and cached per process, or the key
    set itself (a ``{"keys": [...]}`` document or a list of JWKs). Give
    ``issuer`` and ``audience`` (the auth server's base URL origin, by
    default both) so a token minted for another audience is refused.
    Raises :class:`SessionJWTError` on any failure.
    """
    from .verification import verify

    return verify(
        token,
        jwks,
        issuer=issuer,
        audience=audience,
        algorithms=algorithms,
        leeway=leeway,
    )


def __getattr__(name: str) -> Any:
    if name == "SessionJWTError":
        from .verification import SessionJWTError

        return SessionJWTError
    raise AttributeError(name)
