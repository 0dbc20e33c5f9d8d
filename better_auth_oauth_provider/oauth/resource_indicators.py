"""Resource indicators (RFC 8707): which resource servers a token is for.

A ``resource`` is an absolute URI without a fragment (§2), repeatable at
the authorization and token endpoints. At authorization, each one must be
a resource server configured in ``RESOURCES`` and enabled, and when it
limits scopes (``allowed_scopes``) the request must keep at least one; the
UserInfo endpoint is always an acceptable audience for OpenID requests. At
the token endpoint the resources may only narrow what was granted (§2.2).
Errors are ``invalid_target`` (§2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..conf import issuer, section
from ..errors import InvalidScope, InvalidTarget
from .redirect_uris import SCHEME_PREFIX, SCRIPT_SCHEMES

__all__ = [
    "check_resources",
    "configured_resources",
    "narrow_resources",
    "resource_problem",
]


def resource_problem(value: Any) -> str | None:
    """Why ``value`` is not an acceptable resource indicator (§2), or None."""
    if not isinstance(value, str) or not SCHEME_PREFIX.match(value):
        return "resource must be an absolute URI"
    if any(ch.isspace() or ch == "\x00" for ch in value) or value.endswith(":"):
        return "resource must be an absolute URI"
    if "#" in value:
        return "resource must not contain a fragment"
    if value.split(":", 1)[0].lower() in SCRIPT_SCHEMES:
        return "resource cannot use javascript:, data:, or vbscript: scheme"
    return None


def configured_resources() -> dict[str, Mapping[str, Any]]:
    """``RESOURCES`` by identifier: a bare identifier or an entry mapping."""
    out: dict[str, Mapping[str, Any]] = {}
    for entry in section().RESOURCES or []:
        if isinstance(entry, str):
            out[entry] = {}
        elif isinstance(entry, Mapping) and isinstance(entry.get("identifier"), str):
            out[entry["identifier"]] = entry
    return out


def _narrow_scopes(
    entry: Mapping[str, Any], identifier: str, scopes: list[str]
) -> list[str]:
    allowed = entry.get("allowed_scopes")
    if allowed is None:
        return scopes
    effective = [s for s in scopes if s in set(allowed)]
    if not effective:
        raise InvalidScope(
            f"none of the requested scopes are allowed for resource {identifier}",
            no_store=False,
        )
    return effective


def check_resources(
    resources: list[str], scopes: list[str], iss: str | None = None
) -> None:
    """Each requested resource is a configured, enabled resource server, and
    every scope limit keeps at least one requested scope (authorize time)."""
    # SPEC-GAP(RFC 8707 §2): Better Auth also requires the client to be linked
    # to every resource it names (enforcePerClientResources). No client-resource
    # link is stored yet, so any configured resource is open to every client.
    userinfo = f"{iss or issuer()}/oauth2/userinfo"
    configured = configured_resources()
    effective = list(scopes)
    for identifier in dict.fromkeys(resources):
        if identifier == userinfo:
            continue
        entry = configured.get(identifier)
        if entry is None:
            raise InvalidTarget(
                f"requested resource {identifier} is not configured", no_store=False
            )
        if entry.get("disabled"):
            raise InvalidTarget(
                f"requested resource {identifier} is disabled", no_store=False
            )
        effective = _narrow_scopes(entry, identifier, effective)


def narrow_resources(requested: list[str], granted: Sequence[str]) -> list[str]:
    """The token's audience: the grant's resources, or a subset (§2.2).

    Resources are part of what the user consented to, so a grant made
    without any never yields a token for a resource server.
    """
    for value in requested:
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc or "#" in value:
            raise InvalidTarget(f"requested resource {value} is not a valid URI")
    if not requested:
        return list(granted)
    if any(value not in granted for value in requested):
        raise InvalidTarget("requested resource not authorized")
    return requested
