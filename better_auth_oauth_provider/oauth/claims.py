"""The ``claims`` request parameter (OIDC Core §5.5).

A JSON object with optional ``userinfo`` and ``id_token`` members, each
mapping claim names to ``null`` or a request object (``essential``,
``value``, ``values``, §5.5.1). This server serves requested ``userinfo``
claims it supports (§5.5: claims it cannot provide are ignored) and can
satisfy an essential ``acr`` request only for ``"0"``, the one class it
issues (§5.5.1.1, Better Auth's ``acr``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..discovery import claims_supported

__all__ = [
    "ACR",
    "canonical_claims",
    "essential_acr_satisfied",
    "filter_claims_request",
    "parse_claims_request",
    "requested_userinfo_claims",
]

# The Authentication Context Class Reference of every session (OIDC Core
# §2): "0", no assurance level claimed; Better Auth always emits it.
ACR = "0"


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _acr_request_ok(member: dict[str, Any]) -> bool:
    """``id_token.acr`` members have the §5.5.1 types."""
    if "essential" in member and not isinstance(member["essential"], bool):
        return False
    if "value" in member and not isinstance(member["value"], str):
        return False
    values = member.get("values", [])
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _id_token_ok(id_token: Any) -> bool:
    if not isinstance(id_token, dict):
        return False
    for name, member in id_token.items():
        if member is not None and not isinstance(member, dict):
            return False
        if name == "acr" and isinstance(member, dict) and not _acr_request_ok(member):
            return False
    return True


def parse_claims_request(value: Any) -> dict[str, Any] | None:
    """The claims request object, or None when malformed.

    ``value`` is the JSON text of the request parameter or an already
    decoded object; JSON's non-finite constants are refused.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, dict):
        return None
    userinfo = value.get("userinfo", {})
    if not isinstance(userinfo, dict) or not all(
        v is None or isinstance(v, dict) for v in userinfo.values()
    ):
        return None
    if not _id_token_ok(value.get("id_token", {})):
        return None
    return value


def essential_acr_satisfied(value: Any) -> bool:
    """Whether an essential ``id_token.acr`` request accepts "0" (§5.5.1.1)."""
    claims = parse_claims_request(value)
    if claims is None:
        return value is None
    acr = (claims.get("id_token") or {}).get("acr")
    if not isinstance(acr, dict) or acr.get("essential") is not True:
        return True
    if "value" in acr and acr["value"] != ACR:
        return False
    return "values" not in acr or ACR in acr["values"]


def requested_userinfo_claims(value: Any) -> list[str]:
    """``claims.userinfo`` names this provider supports, in request order."""
    claims = parse_claims_request(value) if value is not None else None
    userinfo = (claims or {}).get("userinfo") or {}
    allowed = set(claims_supported())
    return [name for name in userinfo if name in allowed]


def filter_claims_request(value: Any, allowed: Iterable[str]) -> dict[str, Any] | None:
    """The claims request keeping only the userinfo claims the user accepted."""
    claims = parse_claims_request(value)
    if claims is None:
        return None
    keep = set(allowed)
    userinfo = {k: v for k, v in (claims.get("userinfo") or {}).items() if k in keep}
    if userinfo:
        filtered = {**claims, "userinfo": userinfo}
    else:
        filtered = {k: v for k, v in claims.items() if k != "userinfo"}
    return filtered or None


def canonical_claims(value: Any) -> str:
    """The claims request as compact JSON text for the code row, "" if none."""
    claims = parse_claims_request(value) if value is not None else None
    if claims is None:
        return ""
    return json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
