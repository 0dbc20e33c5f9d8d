"""The token endpoint's grants, one module per grant type.

- :mod:`.authorization_code`: RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6);
- :mod:`.refresh_token`: RFC 6749 §6 with rotation (OAuth 2.1 §4.3.1);
- :mod:`.client_credentials`: RFC 6749 §4.4.
"""

from __future__ import annotations

from .authorization_code import exchange_code
from .client_credentials import IDENTITY_SCOPES, client_credentials_grant
from .refresh_token import refresh_grant

__all__ = [
    "IDENTITY_SCOPES",
    "client_credentials_grant",
    "exchange_code",
    "refresh_grant",
]
