"""Resource indicators (RFC 8707) and the policy of the resources they name.

A ``resource`` is an absolute URI without a fragment (§2), repeatable at
the authorization and token endpoints; an unacceptable one is
``invalid_target`` (§2). Which resource servers exist, and which clients may
ask for them, is stored data (:mod:`..services.resources`); this module
holds the pure rules Better Auth's ``resolveResourcePolicy`` applies to it
(oauth-provider surface §4):

1. no resource: no audience, no overrides (an opaque token);
2. each resource except the implicit UserInfo endpoint must exist and be
   enabled;
3. with per-client enforcement, the client must be linked to every one;
4. each resource that limits scopes narrows the request (empty:
   ``invalid_scope``);
5. the access-token lifetime is the shortest any resource sets, the
   refresh-token lifetime the same (capped by the provider default later);
6. two different signing-algorithm or signing-key pins cannot both hold
   for one signature (``invalid_request``);
7. custom claims merge in request order, later resources winning;
8. DPoP is required when any resource requires it;
9. ``aud`` is the requested resources plus the UserInfo endpoint when
   ``openid`` was requested, a single value as a string (RFC 7519 §4.1.3).

At the token endpoint the resources may only narrow what was granted
(§2.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidRequest, InvalidScope, InvalidTarget
from .redirect_uris import SCHEME_PREFIX, SCRIPT_SCHEMES

__all__ = [
    "MAX_AUDIENCE_VALUES",
    "ResourcePolicy",
    "ResourceSnapshot",
    "audience_values",
    "combine_policy",
    "narrow_resources",
    "resource_problem",
    "validate_resources",
]

# A token naming more audiences than this is not one we issued (surface §4).
MAX_AUDIENCE_VALUES = 64


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


@dataclass(frozen=True)
class ResourceSnapshot:
    """The policy columns of one stored resource, and whether the client
    asking is linked to it."""

    identifier: str
    enabled: bool = True
    access_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    allowed_scopes: tuple[str, ...] | None = None
    custom_claims: Mapping[str, Any] | None = None
    signing_algorithm: str = ""
    signing_key_id: str = ""
    dpop_required: bool = False
    linked: bool = False


@dataclass
class ResourcePolicy:
    """What the requested resources impose on one issuance."""

    resources: list[str] = field(default_factory=list)
    audience: str | list[str] | None = None
    scopes: list[str] = field(default_factory=list)
    access_token_ttl: int | None = None
    refresh_token_ttl: int | None = None
    signing_algorithm: str = ""
    signing_key_id: str = ""
    custom_claims: dict[str, Any] = field(default_factory=dict)
    dpop_required: bool = False


def _min(current: int | None, value: int | None) -> int | None:
    if value is None:
        return current
    return value if current is None else min(current, value)


def _single_pin(values: set[str], name: str) -> str:
    if len(values) > 1:
        raise InvalidRequest(
            f"multi-resource request has conflicting {name} pins; a single JWS "
            "signature cannot satisfy more than one"
        )
    return next(iter(values), "")


def combine_policy(
    requested: Sequence[str],
    rows: Mapping[str, ResourceSnapshot],
    *,
    client_id: str,
    scopes: Sequence[str],
    userinfo: str,
    enforce_links: bool,
) -> ResourcePolicy:
    """Better Auth's ``resolveResourcePolicy`` over already loaded rows.

    ``rows`` maps identifiers to the stored resources (missing ones are
    absent); ``userinfo`` is the implicit UserInfo audience.
    """
    unique = list(dict.fromkeys(requested))
    if not unique:
        return ResourcePolicy(scopes=list(scopes))
    resolved: list[ResourceSnapshot] = []
    for identifier in unique:
        if identifier == userinfo:
            continue
        row = rows.get(identifier)
        if row is None:
            raise InvalidTarget(f"requested resource {identifier} is not configured")
        if not row.enabled:
            raise InvalidTarget(f"requested resource {identifier} is disabled")
        resolved.append(row)
    unlinked = [r.identifier for r in resolved if not r.linked]
    if enforce_links and unlinked:
        raise InvalidTarget(
            f"client {client_id} is not linked to resource(s) {', '.join(unlinked)}"
        )
    effective = list(scopes)
    for row in resolved:
        if row.allowed_scopes is None:
            continue
        allowed = set(row.allowed_scopes)
        effective = [s for s in effective if s in allowed]
        if not effective:
            raise InvalidScope(
                "none of the requested scopes are allowed for resource "
                f"{row.identifier}"
            )
    policy = ResourcePolicy(resources=unique, scopes=effective)
    for row in resolved:
        policy.access_token_ttl = _min(policy.access_token_ttl, row.access_token_ttl)
        policy.refresh_token_ttl = _min(policy.refresh_token_ttl, row.refresh_token_ttl)
        if isinstance(row.custom_claims, Mapping):
            policy.custom_claims.update(row.custom_claims)
        policy.dpop_required = policy.dpop_required or row.dpop_required
    policy.signing_algorithm = _single_pin(
        {r.signing_algorithm for r in resolved if r.signing_algorithm},
        "signingAlgorithm",
    )
    policy.signing_key_id = _single_pin(
        {r.signing_key_id for r in resolved if r.signing_key_id}, "signingKeyId"
    )
    audience = list(unique)
    if "openid" in scopes and userinfo not in audience:
        audience.append(userinfo)
    policy.audience = audience[0] if len(audience) == 1 else audience
    return policy


def audience_values(aud: Any) -> list[str] | None:
    """The ``aud`` claim as a list of strings; None when malformed or when it
    names more audiences than any token issued here does."""
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not values:
        return None
    if len(values) > MAX_AUDIENCE_VALUES:
        return None
    if not all(isinstance(v, str) and v for v in values):
        return None
    return list(values)


def validate_resources(requested: Sequence[str]) -> list[str]:
    """The token-request ``resource`` values, deduplicated, each acceptable."""
    for value in requested:
        parts = urlsplit(value)
        if resource_problem(value) or not parts.scheme:
            raise InvalidTarget(f"requested resource {value} is not a valid URI")
    return list(dict.fromkeys(requested))


def narrow_resources(requested: Sequence[str], granted: Sequence[str]) -> list[str]:
    """The token's resources: the grant's, or a subset of them (§2.2).

    Resources are part of what the user consented to, so a grant made
    without any never yields a token for a resource server (Better Auth
    policy-checks token-time resources of such a grant instead).
    """
    requested = validate_resources(requested)
    if not requested:
        return list(granted)
    if any(value not in granted for value in requested):
        raise InvalidTarget("requested resource not authorized")
    return requested
