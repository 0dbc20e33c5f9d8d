"""Protocol building blocks, one module per specification or rule set.

- :mod:`.authorization_request` RFC 6749 §4.1.1, OIDC Core §3.1.2.1
- :mod:`.authorization_response` RFC 6749 §4.1.2, RFC 9207 §2
- :mod:`.claims` OIDC Core §5.5 ``claims`` parameter
- :mod:`.client_auth` RFC 6749 §2.3 client authentication
- :mod:`.client_metadata` RFC 7591 §2 client metadata
- :mod:`.digests` RFC 9700 §4.14 tokens stored as digests
- :mod:`.form_params` RFC 6749 §3.2 form-encoded parameters
- :mod:`.jwks` RFC 7517 §5 client JWK Sets
- :mod:`.metadata_uris` RFC 7591 §2, §5 metadata URIs
- :mod:`.pkce` RFC 7636 proof key for code exchange
- :mod:`.prompt` OIDC Core §3.1.2.1 ``prompt`` and ``max_age``
- :mod:`.redirect_uris` RFC 6749 §3.1.2, RFC 8252 §7.3 redirect URIs
- :mod:`.resource_indicators` RFC 8707 resource indicators
- :mod:`.scopes` RFC 6749 §3.3 scope
- :mod:`.signed_query` Better Auth's signed ``oauth_query`` continuation
"""

__all__ = [
    "authorization_request",
    "authorization_response",
    "claims",
    "client_auth",
    "client_metadata",
    "digests",
    "form_params",
    "jwks",
    "metadata_uris",
    "pkce",
    "prompt",
    "redirect_uris",
    "resource_indicators",
    "scopes",
    "signed_query",
]
