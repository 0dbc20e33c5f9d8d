"""Proof Key for Code Exchange (RFC 7636), S256 only.

A code verifier is 43 to 128 characters of the unreserved set
``[A-Za-z0-9-._~]`` (RFC 7636 §4.1), and so is an S256 challenge, the
unpadded base64url of the verifier's SHA-256 (§4.2). ``plain`` is refused
(RFC 9700 §2.1.1; Better Auth's default), so a verifier is never compared
with a challenge as is. The comparison is constant time (§4.6 leaves the
method open; the challenge is a secret-derived value). When PKCE is
required at all is :func:`pkce_requirement` (Better Auth's rule).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

__all__ = [
    "METHODS",
    "is_valid_challenge",
    "is_valid_verifier",
    "pkce_requirement",
    "s256_challenge",
    "verify_code_verifier",
]

METHODS = ("S256",)
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def is_valid_verifier(verifier: object) -> bool:
    """RFC 7636 §4.1 syntax: 43-128 unreserved characters."""
    return isinstance(verifier, str) and _UNRESERVED.fullmatch(verifier) is not None


def is_valid_challenge(challenge: object) -> bool:
    """RFC 7636 §4.2 syntax of a ``code_challenge`` (same set and length)."""
    return isinstance(challenge, str) and _UNRESERVED.fullmatch(challenge) is not None


def s256_challenge(verifier: str) -> str:
    """``BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_code_verifier(verifier: object, challenge: str, method: str) -> bool:
    """Whether ``verifier`` matches the stored challenge (RFC 7636 §4.6).

    Anything but a well-formed verifier against an S256 challenge fails:
    ``plain`` or an empty method is never verified (a method absent at
    authorization means ``plain``, RFC 7636 §4.3, which is not accepted).
    """
    if method not in METHODS or not challenge or not is_valid_verifier(verifier):
        return False
    assert isinstance(verifier, str)
    return hmac.compare_digest(s256_challenge(verifier), challenge)


def pkce_requirement(profile: Any, scopes: list[str], nonce: str | None) -> str | None:
    """Why PKCE is required for this request, or None (surface §9.6).

    Public clients always (RFC 9700 §2.1.1); ``offline_access`` unless an
    OIDC request carries a ``nonce``; otherwise the client's
    ``require_pkce`` (default true, OAuth 2.1 §4.1.1).
    """
    if profile.is_public:
        return "pkce is required for public clients"
    if "offline_access" in scopes and not ("openid" in scopes and nonce):
        return "pkce or OIDC nonce is required when requesting offline_access scope"
    if profile.require_pkce is None or profile.require_pkce:
        return "pkce is required for this client"
    return None
