"""Typed services of the OAuth provider: plain functions, no request objects.

- :mod:`.authorization` the authorization endpoint's decision, with
  :mod:`.authorization_redirects` (pages, early errors) and
  :mod:`.authorization_codes` (issuing the code);
- :mod:`.consent` remembered consent, the consent and continue steps;
- :mod:`.clients` client registration and management, with
  :mod:`.client_lookup`, :mod:`.client_secrets`, :mod:`.client_privileges`
  and :mod:`.client_json`;
- :mod:`.grants` the token endpoint's grants, issuing through
  :mod:`.tokens`;
- :mod:`.id_tokens`, :mod:`.userinfo`, :mod:`.introspection`,
  :mod:`.revocation`, :mod:`.end_session`.
"""

__all__ = [
    "authorization",
    "authorization_codes",
    "authorization_redirects",
    "client_json",
    "client_lookup",
    "client_privileges",
    "client_secrets",
    "clients",
    "consent",
    "end_session",
    "grants",
    "id_tokens",
    "introspection",
    "revocation",
    "tokens",
    "userinfo",
]
