"""Client secrets: generation, the stored digest, verification and rotation.

Client secrets are high-entropy random strings, so they are stored as
HMAC-SHA256 under a key derived from the auth secret (HKDF, RFC 5869): a
fast keyed digest, compared in constant time, never a password KDF on the
token path. ``Application.hash_client_secret`` is False so
django-oauth-toolkit leaves the stored digest alone. A secret DOT hashed
with a password hasher is refused rather than verified slowly.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from better_auth.conf import auth_settings
from better_auth.crypto import js_utf8

from ..conf import section
from ..errors import InvalidClient
from ..oauth.digests import generate_value
from .client_lookup import profile_of

logger = logging.getLogger(__name__)

__all__ = [
    "SECRET_METHODS",
    "generate_client_id",
    "generate_client_secret",
    "hash_client_secret",
    "rotate_secret",
    "uses_secret",
    "verify_client_secret",
]

# The token endpoint authentication methods that present a secret.
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
_SECRET_INFO = b"better-auth-django oauth client secret v1"
_SECRET_VERSION = "v1$"


@lru_cache(maxsize=16)
def _secret_key(secret: str) -> bytes:
    """HKDF-SHA256 (RFC 5869) key for client-secret digests, one per app secret."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SECRET_INFO)
    return hkdf.derive(js_utf8(secret))


def _digest(plain: str, secret: str) -> str:
    mac = hmac.new(_secret_key(secret), plain.encode("utf-8"), hashlib.sha256)
    return _SECRET_VERSION + mac.hexdigest()


def uses_secret(method: str) -> bool:
    """Whether a client with this ``token_endpoint_auth_method`` has a secret."""
    return method in SECRET_METHODS


def hash_client_secret(plain: str) -> str:
    """The stored form of a client secret: ``v1$`` + hex HMAC-SHA256."""
    return _digest(plain, auth_settings.SECRET)


def verify_client_secret(application: Any, plain: str | None) -> bool:
    """Compare a presented secret with the stored digest in constant time.

    Every configured secret (current, then previous) is tried, so rotating
    the auth secret does not lock clients out; no early exit reveals which.
    """
    stored = getattr(application, "client_secret", "") or ""
    if not plain or not stored:
        return False
    if not stored.startswith(_SECRET_VERSION):
        logger.warning(
            "client %s has a secret not stored by this provider; rotate it",
            application.client_id,
        )
        return False
    matched = False
    for secret in auth_settings.secrets():
        if hmac.compare_digest(stored, _digest(plain, secret)):
            matched = True
    return matched


def generate_client_id() -> str:
    """32 ``[a-zA-Z]`` characters, Better Auth's default ``client_id``."""
    return generate_value(32)


def generate_client_secret() -> str:
    """32 ``[a-zA-Z]`` characters plus the configured ``CLIENT_SECRET_PREFIX``."""
    return f"{section().CLIENT_SECRET_PREFIX or ''}{generate_value(32)}"


def rotate_secret(application: Any) -> str:
    """Issue a new secret; the old one stops working at once."""
    profile = profile_of(application)
    if not uses_secret(profile.token_endpoint_auth_method):
        raise InvalidClient(
            "secret rotation is only available for clients using client_secret "
            "authentication"
        )
    secret = generate_client_secret()
    application.client_secret = hash_client_secret(secret)
    application.hash_client_secret = False
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    logger.info("rotated the secret of OAuth client %s", application.client_id)
    return secret
