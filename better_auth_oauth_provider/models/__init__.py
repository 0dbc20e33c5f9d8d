"""Models of the OAuth provider: client profile, consent, grant/token context."""

from .client import AUTH_METHODS, ClientProfile
from .consent import Consent
from .context import AccessTokenContext, GrantContext, RefreshTokenContext
from .resource import SIGNING_ALGORITHMS, ClientResource, Resource

__all__ = [
    "AUTH_METHODS",
    "SIGNING_ALGORITHMS",
    "AccessTokenContext",
    "ClientResource",
    "ClientProfile",
    "Consent",
    "GrantContext",
    "RefreshTokenContext",
    "Resource",
]
