"""Models of the OAuth provider: client profile, consent, grant/token context."""

from .client import AUTH_METHODS, ClientProfile
from .consent import Consent
from .context import AccessTokenContext, GrantContext, RefreshTokenContext

__all__ = [
    "AUTH_METHODS",
    "AccessTokenContext",
    "ClientProfile",
    "Consent",
    "GrantContext",
    "RefreshTokenContext",
]
