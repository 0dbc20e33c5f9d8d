"""JWS algorithm names that peers sign with, RFC 9864's ``Ed25519`` included.

RFC 9864 (fully-specified algorithms for JOSE) deprecates the polymorphic
``EdDSA`` for JWS in favour of ``Ed25519`` and ``Ed448``, which name the
curve too. Current JOSE libraries send the new name: oauth4webapi 3, under
openid-client 6, signs a DPoP proof or a client assertion made with an
Ed25519 key as ``Ed25519``. PyJWT 2 knows only ``EdDSA``. Importing this
module teaches PyJWT ``Ed25519``: an EdDSA verifier that refuses any key
but an Ed25519 one, as the name promises. :func:`public_key` loads a JWK
for either name.

Only verification needs this: the suite signs its own tokens as ``EdDSA``,
which Better Auth does too and every relying party still accepts.
"""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from jwt.algorithms import OKPAlgorithm
from jwt.exceptions import InvalidKeyError, PyJWKError

__all__ = ["FULLY_SPECIFIED", "POLYMORPHIC", "public_key", "same_family"]

# Fully-specified name -> the polymorphic algorithm PyJWT implements it with.
FULLY_SPECIFIED = {"Ed25519": "EdDSA"}
# Polymorphic name -> the fully-specified names it covers (RFC 9864 §2.2).
POLYMORPHIC = {"EdDSA": ("Ed25519",)}


class _Ed25519Algorithm(OKPAlgorithm):
    """EdDSA restricted to Ed25519 keys (RFC 9864 §2.2)."""

    def prepare_key(self, key: Any) -> Any:
        prepared = super().prepare_key(key)
        if not isinstance(prepared, (Ed25519PrivateKey, Ed25519PublicKey)):
            raise InvalidKeyError("the Ed25519 algorithm needs an Ed25519 key")
        return prepared


try:
    jwt.register_algorithm("Ed25519", _Ed25519Algorithm())
except ValueError:  # already known: a PyJWT that implements it itself
    pass


def public_key(jwk: dict[str, Any], alg: str) -> Any:
    """The key of ``jwk`` that verifies ``alg`` signatures; ``PyJWKError``
    when the key cannot make them (an Ed448 key for ``Ed25519``, say)."""
    base = FULLY_SPECIFIED.get(alg)
    if base is None:
        return jwt.PyJWK(jwk, algorithm=alg).key
    if jwk.get("kty") != "OKP" or jwk.get("crv") != alg:
        raise PyJWKError(f"the {alg} algorithm needs an OKP key on {alg}")
    return jwt.PyJWK(jwk, algorithm=base).key


def same_family(key_alg: Any, alg: str) -> bool:
    """Whether a JWK whose ``alg`` member is ``key_alg`` may verify ``alg``:
    the same name, or ``EdDSA`` and a fully-specified name it covers (a key
    published before RFC 9864 stays usable, and the reverse)."""
    if key_alg is None or key_alg == alg:
        return True
    return alg in POLYMORPHIC.get(key_alg, ()) or key_alg in POLYMORPHIC.get(alg, ())
