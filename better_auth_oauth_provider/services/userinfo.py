"""OpenID Connect UserInfo claims (OIDC Core §5.3, §5.4).

Better Auth 1.7's rules (surface §7): ``sub`` always; ``profile`` gives
``name``, ``picture``, ``given_name`` and ``family_name`` (the name split at
its last space); ``email`` gives ``email`` and ``email_verified``. A claim
named in the authorization request's ``claims.userinfo`` (OIDC Core §5.5)
is returned even without its scope, for opaque access tokens only: a JWT
access token is answered by its scopes alone, as Better Auth does.
Undefined values are omitted.
``CUSTOM_USERINFO_CLAIMS`` may add or override claims, but ``sub`` stays
the subject of the token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import extensions
from ..conf import hook

__all__ = ["SCOPE_CLAIMS", "claims_for", "standard_claims", "userinfo_claims"]

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "picture", "given_name", "family_name"),
    "email": ("email", "email_verified"),
}
_ORDER = tuple(name for names in SCOPE_CLAIMS.values() for name in names)


def _split_name(name: str) -> tuple[str | None, str | None]:
    parts = name.split()
    if len(parts) < 2:
        return None, None
    return " ".join(parts[:-1]), parts[-1]


def standard_claims(
    user: Any, scopes: Iterable[str], requested: Iterable[str] = ()
) -> dict[str, Any]:
    """``sub`` plus the standard claims the scopes (or the request) cover."""
    scopes = set(scopes)
    wanted = {n for s, names in SCOPE_CLAIMS.items() if s in scopes for n in names}
    wanted.update(n for n in requested if n in _ORDER)
    given, family = _split_name(user.name or "")
    values: dict[str, Any] = {
        "name": user.name or None,
        "picture": user.image or None,
        "given_name": given,
        "family_name": family,
        "email": user.email or None,
        "email_verified": bool(user.email_verified),
    }
    out: dict[str, Any] = {"sub": str(user.pk)}
    for name in _ORDER:
        if name in wanted and values[name] is not None:
            out[name] = values[name]
    return out


def claims_for(
    user: Any, client: Any, scopes: list[str], requested: Iterable[str] = ()
) -> dict[str, Any]:
    """The UserInfo response for ``user`` as seen by ``client``."""
    claims = standard_claims(user, scopes, requested)
    context = {"user": user, "scopes": scopes, "client": client}
    # Extensions add claims but never replace a standard one.
    for name, value in extensions.claims_for("userinfo", context).items():
        claims.setdefault(name, value)
    custom = hook("CUSTOM_USERINFO_CLAIMS")
    if custom is not None:
        extra = custom(context)
        claims.update(extra or {})
    claims["sub"] = str(user.pk)
    return claims


def userinfo_claims(token: Any, requested: Iterable[str] = ()) -> dict[str, Any]:
    """The UserInfo response for an active access token row."""
    return claims_for(token.user, token.application, token.scope.split(), requested)
