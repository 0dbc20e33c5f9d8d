"""Structure checks of a client's public JWK Set (RFC 7517 §4, §5).

A client registering ``jwks`` (RFC 7591 §2) publishes verification keys;
the set is checked for shape only, never imported: every key is an RSA, EC
(P-256/384/521) or OKP (Ed25519) public key with its public members, no
private member (RFC 7517 §9.2 forbids publishing them) and, when present,
an ``alg`` that fits the key (RFC 7518 §3.1, RFC 8037 §3.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidClientMetadata

__all__ = ["JWK_ALGS", "PRIVATE_JWK_MEMBERS", "PUBLIC_JWK_MEMBERS", "check_jwk_set"]

PUBLIC_JWK_MEMBERS = {"RSA": ("n", "e"), "EC": ("x", "y"), "OKP": ("x",)}
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
JWK_ALGS = {
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "P-256": ("ES256",),
    "P-384": ("ES384",),
    "P-521": ("ES512",),
    "Ed25519": ("EdDSA", "Ed25519"),
}


def _check_key(key: Any) -> None:
    if not isinstance(key, Mapping):
        raise InvalidClientMetadata("jwks keys must be objects")
    kty = key.get("kty")
    if kty not in PUBLIC_JWK_MEMBERS:
        raise InvalidClientMetadata("jwks keys must be RSA, EC or OKP public keys")
    if any(member in key for member in PRIVATE_JWK_MEMBERS):
        raise InvalidClientMetadata("jwks must not contain private key material")
    if not all(isinstance(key.get(m), str) for m in PUBLIC_JWK_MEMBERS[kty]):
        raise InvalidClientMetadata("jwks key is missing public members")
    curve = "RSA" if kty == "RSA" else key.get("crv")
    if kty == "OKP" and curve != "Ed25519":
        raise InvalidClientMetadata("OKP keys must use Ed25519")
    if kty == "EC" and curve not in ("P-256", "P-384", "P-521"):
        raise InvalidClientMetadata("EC keys must use P-256, P-384 or P-521")
    alg = key.get("alg")
    if alg is not None and alg not in JWK_ALGS.get(str(curve), ()):
        raise InvalidClientMetadata(f"jwks key alg {alg} does not fit its key")


def check_jwk_set(jwks: Any) -> None:
    """Refuse anything but a non-empty set of public keys (RFC 7517 §5)."""
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise InvalidClientMetadata("jwks must be a JWK Set object with keys")
    if not jwks["keys"]:
        raise InvalidClientMetadata("jwks must contain at least one key")
    for key in jwks["keys"]:
        _check_key(key)
