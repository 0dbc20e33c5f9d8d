"""Resource-server toolkit: accept this provider's access tokens in an API.

- :func:`verify_access_token` / :func:`authenticate_request`: check a token
  for one resource identifier and the scopes an operation needs;
- :func:`require_access_token`: a Django view decorator;
- :mod:`.drf`: ``AccessTokenAuthentication`` and ``HasScopes`` for Django
  REST framework (imported from there, so Django-only projects need no DRF);
- :func:`bearer_challenge` / :func:`resource_metadata_url`: the RFC 6750 §3
  / RFC 9728 §5.1 ``WWW-Authenticate`` challenge;
- :mod:`.metadata`: the RFC 9728 documents served at
  ``/.well-known/oauth-protected-resource{path}``.

DPoP-bound tokens (RFC 9449 §7) are accepted on the ``DPoP`` scheme with a
proof (:func:`verify_dpop_proof`; :func:`set_dpop_verifier` replaces it).
"""

from .challenges import bearer_challenge, resource_metadata_url
from .decorators import challenge_response, require_access_token
from .verification import (
    AccessTokenError,
    InsufficientScopeError,
    InvalidAccessToken,
    MissingAccessToken,
    VerifiedAccessToken,
    authenticate_request,
    reset_jwks_cache,
    set_dpop_verifier,
    verify_access_token,
    verify_dpop_proof,
)

__all__ = [
    "AccessTokenError",
    "InsufficientScopeError",
    "InvalidAccessToken",
    "MissingAccessToken",
    "VerifiedAccessToken",
    "authenticate_request",
    "bearer_challenge",
    "challenge_response",
    "require_access_token",
    "reset_jwks_cache",
    "resource_metadata_url",
    "set_dpop_verifier",
    "verify_access_token",
    "verify_dpop_proof",
]
