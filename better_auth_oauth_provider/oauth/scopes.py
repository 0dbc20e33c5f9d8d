"""Access token scope (RFC 6749 §3.3) and the scope rules of registration.

A scope is a space-delimited list of case-sensitive strings whose order
carries no meaning, so lists are de-duplicated keeping first occurrences.
A request naming a scope outside what the client may have is refused with
``invalid_scope`` naming every offending value (RFC 6749 §5.2, Better
Auth's message). At registration (RFC 7591 §2 ``scope``), Better Auth's
``clientRegistrationDefaultScopes`` / ``clientRegistrationAllowedScopes``
decide what a client may register (oauth-provider surface §9.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..conf import section
from ..errors import InvalidScope

__all__ = ["check_scopes", "registration_scopes", "scope_list"]


def scope_list(values: Iterable[str]) -> list[str]:
    """The non-empty values, each once, in their first order."""
    return list(dict.fromkeys(v for v in values if v))


def check_scopes(allowed: Iterable[str], requested: Iterable[str]) -> None:
    """RFC 6749 §5.2 ``invalid_scope`` naming every scope outside ``allowed``."""
    allowed_set = set(allowed)
    invalid = [s for s in requested if s not in allowed_set]
    if invalid:
        raise InvalidScope(f"The following scopes are invalid: {', '.join(invalid)}")


def _registrable() -> list[str]:
    """The registration defaults plus the extra allowed scopes."""
    cfg = section()
    defaults = cfg.CLIENT_REGISTRATION_DEFAULT_SCOPES
    defaults = list(defaults) if defaults is not None else list(cfg.SCOPES)
    return scope_list([*defaults, *(cfg.CLIENT_REGISTRATION_ALLOWED_SCOPES or [])])


def registration_scopes(raw: str | None, *, dynamic: bool) -> list[str] | None:
    """The scope list to store for a client; None means the provider's SCOPES.

    A client registered by an administrator may name any configured scope.
    A dynamically registered one gets the whole registrable set, and may
    name only scopes from it (Better Auth's ``cannot request scope``).
    """
    requested = scope_list((raw or "").split())
    if not dynamic:
        if not requested:
            return None
        cfg = section()
        check_scopes(
            [*cfg.SCOPES, *(cfg.CLIENT_REGISTRATION_ALLOWED_SCOPES or [])], requested
        )
        return requested
    registrable = _registrable()
    unknown = [s for s in requested if s not in registrable]
    if unknown:
        raise InvalidScope(f"cannot request scope {' '.join(unknown)}")
    return registrable
