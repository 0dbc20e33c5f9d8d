"""Asymmetric signing keys shared by every JWT issuer of the suite.

``sign_jwt`` / ``verify_jwt`` / ``public_jwks`` are the whole surface most
callers need; see :mod:`better_auth.keys.store` for rotation and caching.
"""

from .endpoint import register_jwks_endpoint
from .store import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    InvalidJWT,
    KeyPair,
    KeyPolicy,
    create_key,
    get_signing_key,
    jwks_entry,
    prune,
    public_jwks,
    reset_cache,
    rotate,
    set_policy,
    sign_jwt,
    verify_jwt,
)

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "InvalidJWT",
    "KeyPair",
    "KeyPolicy",
    "create_key",
    "get_signing_key",
    "jwks_entry",
    "prune",
    "public_jwks",
    "register_jwks_endpoint",
    "reset_cache",
    "rotate",
    "set_policy",
    "sign_jwt",
    "verify_jwt",
]
